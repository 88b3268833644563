"""The one error shape: RFC 9457 problems for unknown paths, methods and parameters, and
for unexpected failures, which never leak details."""

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.problems import PROBLEM_TYPES
from tests.support.helpers import assert_problem, get_operations, served_methods

OPERATIONS = get_operations()
# Methods no route serves at each read's URL (POST, PATCH, DELETE of the writes are served).
UNSERVED = [
    (name, url, method)
    for name, url in OPERATIONS
    for method in ("POST", "PUT", "PATCH", "DELETE")
    if method not in served_methods(url)
]


def test_operations_table_covers_the_api() -> None:
    names = {name for name, _ in OPERATIONS}
    assert names >= {
        "list_claims", "get_claim", "list_statistics", "get_statistic", "list_speakers",
        "get_speaker", "list_sources", "get_source", "list_topics", "get_topic",
        "healthz", "readyz",
    }  # fmt: skip


@pytest.mark.parametrize(("name", "url"), OPERATIONS)
def test_every_operation_serves_its_sample(client: TestClient, name: str, url: str) -> None:
    assert client.get(url).status_code == 200, name


@pytest.mark.parametrize(("name", "url"), OPERATIONS)
@pytest.mark.parametrize("parameter", ["unknown", "Limit", "filter[kind]"])
def test_unknown_query_parameters_are_refused_everywhere(
    client: TestClient, name: str, url: str, parameter: str
) -> None:
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}{quote(parameter)}=1")
    body = assert_problem(response, 400, "invalid-parameter", parameter)
    [error] = body["errors"]
    assert (error["location"], error["name"]) == ("query", parameter)
    assert error["message"].startswith("Unknown parameter")
    assert body["instance"].startswith(url + separator)


def test_problem_body_is_exactly_the_rfc_9457_members(client: TestClient) -> None:
    response = client.get("/v1/claims?limit=1000")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/invalid-parameter",
        "title": "Invalid parameter",
        "status": 400,
        "detail": "limit: Input should be less than or equal to 500",
        "instance": "/v1/claims?limit=1000",
        "errors": [
            {
                "location": "query",
                "name": "limit",
                "message": "Input should be less than or equal to 500",
            }
        ],
    }


def test_several_bad_parameters_are_all_named(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/claims?limit=0&kind=x&foo=1"), 400, "invalid-parameter")
    assert sorted(error["name"] for error in body["errors"]) == ["foo", "kind", "limit"]


@pytest.mark.parametrize("path", ["/nothing", "/v1", "/v1/claim", "/v2/claims"])
def test_unknown_path_is_404_problem(client: TestClient, path: str) -> None:
    body = assert_problem(client.get(path), 404, "not-found")
    assert "errors" not in body


@pytest.mark.parametrize(("name", "url", "method"), UNSERVED)
def test_writes_on_read_endpoints_are_405_problems(
    client: TestClient, name: str, url: str, method: str
) -> None:
    response = client.request(method, url, json={"text": "x"})
    assert_problem(response, 405, "method-not-allowed")
    # RFC 9110: every method the path supports, not only those of the first route matched.
    allowed = sorted({*served_methods(url), "HEAD", "OPTIONS"})
    assert response.headers["allow"].split(", ") == allowed


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_every_problem_type_is_documented(client: TestClient, slug: str) -> None:
    response = client.get(f"/problems/{slug}")
    assert response.status_code == 200
    assert response.text.startswith(slug)
    assert PROBLEM_TYPES[slug] in response.text


def test_unknown_problem_type_is_404(client: TestClient) -> None:
    assert_problem(client.get("/problems/teapot"), 404, "not-found")


def test_unexpected_error_is_a_500_problem_without_details() -> None:
    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret connection string postgresql://user:pw@db")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    body = assert_problem(response, 500, "internal-error")
    assert body["detail"] == "An unexpected error occurred."
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text
