"""The published contract: OpenAPI 3.1 with readable operation ids and typed problem errors,
offline docs, and CORS for browsers."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import get_settings
from app.main import create_app
from tests.support.helpers import assert_problem

RESOURCE_NAMES = {
    "claim": "claims",
    "statistic": "statistics",
    "speaker": "speakers",
    "source": "sources",
    "topic": "topics",
    "review": "reviews",
    "entity": "entities",
    "indicator": "indicators",
    "unit": "units",
}
OPERATION_IDS = {
    "search", "summarize_statistics", "list_changes", "create_draft",
    "list_claim_reviews", "list_statistic_reviews",
    *(f"list_{plural}" for plural in RESOURCE_NAMES.values()),
    *(f"get_{name}" for name in RESOURCE_NAMES),
    *(
        f"{operation}_{name}"
        for name in RESOURCE_NAMES
        for operation in ("create", "update", "retract")
    ),
    *(
        f"{operation}_{name}_{suffix}"
        for name in RESOURCE_NAMES
        for operation, suffix in (("list", "versions"), ("get", "version"))
    ),
    *(
        f"list_{plural}_{media}"
        for plural in RESOURCE_NAMES.values()
        for media in ("csv", "ndjson", "jsonld")
    ),
}  # fmt: skip
# What a write declares beyond the read errors (its body, key, and preconditions).
WRITE_PROBLEMS = {"401", "403", "422"}
ITEM_WRITE_PROBLEMS = {"404", "409", "410", "412", "428"}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with TestClient(create_app()) as client:
        response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def v1_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        if path.startswith("/v1/"):
            for method, operation in item.items():
                yield path, method, operation


def test_openapi_3_1_with_readable_operation_ids(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "claimbase"
    assert document["info"]["description"].strip()
    ids = {operation["operationId"] for _, _, operation in v1_operations(document)}
    assert ids == OPERATION_IDS


def test_every_v1_operation_declares_its_problems(document: dict[str, Any]) -> None:
    for path, method, operation in v1_operations(document):
        responses = operation["responses"]
        expected = {"400", "503"} | ({"404"} if "{" in path else set())
        if method == "get":
            expected |= {"200"}
        else:
            assert method in {"post", "patch", "delete"}, (path, method)
            expected |= WRITE_PROBLEMS | (ITEM_WRITE_PROBLEMS if "{" in path else set())
        assert expected <= set(responses), (path, method)
        # 304 answers If-None-Match with no body at all.
        for status in set(responses) - {"200", "201", "304", "308"}:
            content = responses[status]["content"]
            assert content == {"application/problem+json": {"schema": PROBLEM_REF}}, path
            assert responses[status]["description"]


def test_no_fastapi_422_left(document: dict[str, Any]) -> None:
    """Bad parameters are 400s; a 422 is declared only by writes, for an invalid body, as a
    problem (never FastAPI's own validation error)."""
    text = str(document)
    assert "HTTPValidationError" not in text
    for path, method, operation in v1_operations(document):
        declared = operation["responses"].get("422")
        if method == "get":
            assert declared is None, path
        else:
            assert declared["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}
            assert declared["description"] != "Validation Error", (path, method)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "request_id",
    }


def test_tags_and_descriptions(document: dict[str, Any]) -> None:
    tags = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert set(tags) >= {"claims", "statistics", "speakers", "sources", "topics", "health"}
    assert all(tags.values())
    for path, _, operation in v1_operations(document):
        assert operation["tags"][0] in tags, path
        assert operation.get("description") or operation.get("summary"), path
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])


def test_list_parameters_are_documented_as_query(document: dict[str, Any]) -> None:
    parameters = document["paths"]["/v1/statistics"]["get"]["parameters"]
    names = {parameter["name"] for parameter in parameters}
    assert names >= {
        "limit", "cursor", "count", "sort", "include", "indicator", "entity", "unit",
        "speaker", "source", "topic", "period", "value_gte", "value_gt", "value_lte", "value_lt",
    }  # fmt: skip
    # Every filter is a query parameter; the headers are the validators and read-your-writes.
    headers = {parameter["name"] for parameter in parameters if parameter["in"] != "query"}
    assert headers == {"Claimbase-Min-Change", "If-None-Match", "If-Modified-Since"}
    assert {parameter["in"] for parameter in parameters} == {"query", "header"}


EXTERNAL_URL = re.compile(r"https?://(?!testserver[/:\"'])[^\s\"'<>]+")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_need_no_other_host(page: str) -> None:
    with TestClient(create_app()) as client:
        response = client.get(page)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert EXTERNAL_URL.findall(html) == []
        assets = re.findall(r"(?:src|href)=[\"']([^\"']+)[\"']", html)
        assert assets
        for asset in assets:
            assert asset.startswith("/"), asset
            assert client.get(asset).status_code == 200, asset
        assert "/v1/openapi.json" in html


@pytest.fixture
def origins_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    get_settings.cache_clear()
    try:
        yield create_app()
    finally:
        get_settings.cache_clear()


def test_cors_allows_any_origin_by_default_without_credentials() -> None:
    with TestClient(create_app()) as client:
        preflight = client.options(
            "/v1/claims",
            headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "GET" in preflight.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in preflight.headers
        response = client.get("/healthz", headers={"Origin": "https://x.example"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
        assert "Link" in response.headers["access-control-expose-headers"]


def test_cors_origins_are_configurable(origins_app: FastAPI) -> None:
    with TestClient(origins_app) as client:
        allowed = client.get("/healthz", headers={"Origin": "https://b.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://b.example"
        assert "access-control-allow-credentials" not in allowed.headers
        other = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options(
            "/v1/claims",
            headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://a.example"


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"Origin": "https://evil.example"}, "origin"),
        ({"Origin": "https://a.example", "Access-Control-Request-Method": "DELETE"},
         "access-control-request-method"),
        ({"Origin": "https://a.example", "Access-Control-Request-Headers": "X-Secret"},
         "access-control-request-headers"),
    ],
)  # fmt: skip
def test_refused_preflight_is_a_problem(
    origins_app: FastAPI, headers: dict[str, str], refused: str
) -> None:
    with TestClient(origins_app) as client:
        response = client.options(
            "/v1/claims", headers={"Access-Control-Request-Method": "GET", **headers}
        )
    body = assert_problem(response, 400, "invalid-parameter", refused)
    assert body["errors"][0]["location"] == "header"
    assert "access-control-allow-origin" not in response.headers


def all_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def nulls(schema: Any) -> list[Any]:
    """Every `null` type anywhere in a schema."""
    if isinstance(schema, dict):
        found = [schema] if schema.get("type") == "null" or "null" in schema.get("type", []) else []
        return found + [n for value in schema.values() for n in nulls(value)]
    if isinstance(schema, list):
        return [n for value in schema for n in nulls(value)]
    return []


def test_optional_parameters_are_omitted_never_null(document: dict[str, Any]) -> None:
    """A generated client given a `null` cursor must leave it out, not send `cursor=null`."""
    for path, method, operation in all_operations(document):
        for parameter in operation.get("parameters", []):
            where = (method, path, parameter["name"])
            assert not nulls(parameter["schema"]), where
            assert parameter["schema"].get("default", "") is not None, where
    cursor = next(
        p for p in document["paths"]["/v1/claims"]["get"]["parameters"] if p["name"] == "cursor"
    )
    assert cursor["required"] is False
    assert cursor["schema"]["type"] == "string"


def test_every_operation_is_described_and_says_who_may_call_it(
    document: dict[str, Any],
) -> None:
    assert document["servers"]
    assert document["info"]["license"]["name"]
    assert document["info"]["contact"]
    for path, method, operation in all_operations(document):
        assert operation["description"].strip(), (method, path)
        expected: list[dict[str, list[str]]] = (
            [{"HTTPBearer": []}] if method in ("post", "patch", "delete") else []
        )
        assert operation["security"] == expected, (method, path)
    kind = document["components"]["schemas"]["ClaimRead"]["properties"]["kind"]
    assert kind["$ref"] == "#/components/schemas/ClaimKind"


def test_every_v1_operation_declares_limits_and_an_absent_database(
    document: dict[str, Any],
) -> None:
    for path, method, operation in v1_operations(document):
        responses = operation["responses"]
        assert {"400", "406", "414", "429", "503"} <= set(responses), (method, path)
        assert responses["429"]["headers"]["Retry-After"] == {
            "$ref": "#/components/headers/Retry-After"
        }
        if method == "get":
            assert "304" in responses, path
        else:
            assert {"401", "403", "413", "415"} <= set(responses), (method, path)
    for path in ("/v1/claims/{claim_id}", "/v1/topics/{topic_id}"):
        for method in ("patch", "delete"):
            assert {"412", "428"} <= set(document["paths"][path][method]["responses"])


def test_response_headers_are_documented_once_and_referenced(document: dict[str, Any]) -> None:
    headers = document["components"]["headers"]
    assert {
        "ETag", "Last-Modified", "Link", "Location", "Retry-After", "WWW-Authenticate",
        "Deprecation", "Sunset", "X-Request-ID", "Cache-Control", "Vary", "Claimbase-Change",
    } <= set(headers)  # fmt: skip
    assert all(header["schema"] and header["description"] for header in headers.values())
    for path, method, operation in all_operations(document):
        for status, response in operation["responses"].items():
            for name, header in response["headers"].items():
                assert header == {"$ref": f"#/components/headers/{name}"}, (path, status)
            assert "X-Request-ID" in response["headers"], (method, path, status)
    claims = document["paths"]["/v1/claims"]
    assert {"ETag", "Link", "Cache-Control"} <= set(claims["get"]["responses"]["200"]["headers"])
    assert {"Location", "ETag"} <= set(claims["post"]["responses"]["201"]["headers"])
    assert "WWW-Authenticate" in claims["post"]["responses"]["401"]["headers"]
    changes = document["paths"]["/v1/changes"]["get"]["responses"]["200"]["headers"]
    assert {"Deprecation", "Sunset", "Link"} <= set(changes)


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/v1/claims", "get", {"If-None-Match", "If-Modified-Since", "Claimbase-Min-Change"}),
        ("/v1/claims", "post", {"idempotency-key"}),
        ("/v1/claims/{claim_id}", "patch", {"if-match"}),
        ("/v1/claims/{claim_id}", "delete", {"if-match"}),
    ],
)
def test_honoured_request_headers_are_parameters(
    document: dict[str, Any], path: str, method: str, expected: set[str]
) -> None:
    parameters = document["paths"][path][method]["parameters"]
    assert expected <= {p["name"] for p in parameters if p["in"] == "header"}
