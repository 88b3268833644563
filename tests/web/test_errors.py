"""The one error shape: RFC 9457 problems for unknown paths, methods and parameters, and
for unexpected failures, which never leak details; every problem, declared response and
problem page comes from the one table of problem types."""

import ast
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

import app as app_package
from app.main import create_app
from app.web.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, ProblemType
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
    body = response.json()
    # The one extension member every problem has: the id of the request, as in its header.
    assert body.pop("request_id") == response.headers["x-request-id"]
    assert body == {
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


@pytest.mark.parametrize(("slug", "problem"), sorted(PROBLEM_TYPES.items()))
def test_every_problem_type_is_served_from_the_table(
    client: TestClient, slug: str, problem: ProblemType
) -> None:
    response = client.get(f"/problems/{slug}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    statuses = " or ".join(str(status) for status in problem.statuses)
    assert response.text == (
        f"{slug}\n\n{problem.title} (status {statuses})\n\n{problem.description}\n"
    )


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


# The one table of problem types: read by the errors, the OpenAPI and the docs.

APP = Path(app_package.__file__).resolve().parent
REFERENCE = APP.parent / "docs" / "reference.md"
# The only modules that may spell a problem's media type or `type` URI.
PROBLEM_MODULES = {APP / "web" / "problems.py", APP / "routes" / "problems.py"}
TABLE_STATUSES = {status for problem in PROBLEM_TYPES.values() for status in problem.statuses}


def test_every_declared_error_response_is_a_status_of_the_table() -> None:
    with TestClient(create_app()) as client:
        document: dict[str, Any] = client.get("/v1/openapi.json").json()
    declared = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code[0] not in "45":
                    continue
                declared += 1
                assert int(code) in TABLE_STATUSES, (method, path, code)
                # Each declared response describes the table's types served with its status.
                named = re.findall(r"^`([a-z-]+)`: ", response["description"], re.M)
                assert named, (method, path, code)
                for slug in named:
                    assert int(code) in PROBLEM_TYPES[slug].statuses, (method, path, code, slug)
                    assert PROBLEM_TYPES[slug].description in response["description"]
    assert declared


def test_the_reference_lists_every_problem_type_as_the_table_has_it() -> None:
    errors = REFERENCE.read_text(encoding="utf-8").split("\n## Errors\n")[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| (\d{3}) \| ([^|]+) \|", errors, re.M)
    documented = {(slug, int(status), title.strip()) for slug, status, title in rows}
    assert documented == {
        (slug, status, problem.title)
        for slug, problem in PROBLEM_TYPES.items()
        for status in problem.statuses
    }


def _calls(tree: ast.AST, names: set[str]) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in names
    ]


@pytest.mark.parametrize(
    "module", sorted(APP.rglob("*.py")), ids=lambda module: str(module.relative_to(APP))
)
def test_no_problem_is_built_by_hand(module: Path) -> None:
    """A problem names a type of the table and takes its status and title from it: no module
    passes a status or title, or spells the problem media type or a `/problems/` URI."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for call in _calls(tree, {"ApiError", "input_error"}):
        where = f"{module.name}:{call.lineno}"
        assert call.args, where
        slug = call.args[0]
        assert not (isinstance(slug, ast.Constant) and isinstance(slug.value, int)), where
        if isinstance(slug, ast.Constant):
            assert slug.value in PROBLEM_TYPES, where
        if module not in PROBLEM_MODULES:
            keywords = {keyword.arg for keyword in call.keywords}
            assert not keywords & {"status", "title"}, where
    if module in PROBLEM_MODULES:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert node.value != PROBLEM_MEDIA_TYPE, f"{module.name}:{node.lineno}"
            assert not node.value.startswith("/problems/"), f"{module.name}:{node.lineno}"
