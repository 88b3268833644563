"""Everything users may send wrong, table-driven over every read operation in the OpenAPI
document: each answer is a 4xx problem (never a 500), and after the whole table the database
is unchanged row for row (and, on SQLite, byte for byte)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from app.config import get_settings
from app.guards import read_json_body
from tests.conftest import OwnedDatabase, app_on
from tests.databases import dump_tables, file_digest
from tests.helpers import assert_problem
from tests.operations import GETS, LISTS, Operation

LONG = "a" * 10_000
# Percent-encoded so they reach the server as bytes: NUL, a lone surrogate (CESU-8), not UTF-8.
RAW_STRINGS = {"nul": "%00", "surrogate": "%ED%A0%80", "not-utf8": "%FF", "long": LONG}
WRONG_TYPES = {
    "integer": ["abc", "1.5", "1e3", "", "0x10"],
    "number": ["abc", "nan", "inf", "-Infinity", "1,5", ""],
    "boolean": ["maybe", "2", ""],
    "date": ["2023-02-30", "2023-13-01", "yesterday", "20230230", "2023-02-03T00:00:00"],
    # as_of: RFC 3339 with an offset; a naive time or an impossible one is refused.
    "datetime": ["2023-02-30T00:00:00Z", "2023-02-03T00:00:00", "yesterday", "1700000000", ""],
    "string": ["!!", "a b", ",", "a,,b", "-"],
}
LIMITS = ["0", "-1", str(10**12), "abc", "", "1.0", "501"]
HOSTILE_TEXT = [
    "'; DROP TABLE claim; --",
    '" OR 1=1 --',
    "') OR ('1'='1",
    "%",
    "_",
    "\\",
    "*",
    "a* OR b*",
    "NEAR(china growth)",
    '"unterminated',
    "china AND NOT growth",
    "text:china",
    "^china",
    "-china",
    "(((",
    "%27%3B%20SELECT%201",
]
BAD_IDS = {
    "missing": ("does-not-exist", 404),
    "dotted": ("no.such.record", 404),
    "slash": ("a%2Fb", 404),
    "dots": ("%2E%2E", 400),
    "traversal": ("..%2F..%2Fetc%2Fpasswd", 404),
    "too-long": ("x" * 129, 400),
    "very-long": ("x" * 10_000, 400),
    "nul": ("a%00b", 400),
    "not-utf8": ("%FF", 400),
    "surrogate": ("%ED%A0%80", 400),
    "space": ("a%20b", 400),
}
TRAVERSALS = [
    "/static/docs/..%2F..%2Fpyproject.toml",
    "/static/docs/%2E%2E/%2E%2E/app/config.py",
    "/static/docs/..%5C..%5Capp%5Cconfig.py",
    "/problems/..%2F..%2Fetc%2Fpasswd",
    "/v1/..%2F..%2Fetc%2Fpasswd",
    "/v1/claims/..%2F..%2F..%2Fetc%2Fpasswd",
]


@dataclass
class Harness:
    client: TestClient
    owned: OwnedDatabase


def _snapshot(owned: OwnedDatabase) -> tuple[dict[str, Any], str | None]:
    owned.engine.dispose()  # SQLite: close every connection so the file is checkpointed
    path = owned.sqlite_file
    return dump_tables(owned.engine), file_digest(path) if path else None


@pytest.fixture(scope="module")
def harness(owned_database: OwnedDatabase) -> Iterator[Harness]:
    before = _snapshot(owned_database)
    with TestClient(app_on(owned_database.engine)) as client:
        yield Harness(client, owned_database)
    assert _snapshot(owned_database) == before, "the bad-input table changed the database"


def get(harness: Harness, url: str) -> httpx.Response:
    response: httpx.Response = harness.client.get(url)
    return response


def refused(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    body = response.json()
    return assert_problem(response, status, body["type"].removeprefix("/problems/"))


def _cases(
    operations: list[Operation], values: Callable[[Operation], list[tuple[str, str]]]
) -> list[Any]:
    return [
        pytest.param(operation, name, value, id=f"{operation.operation_id}-{name}={value[:20]}")
        for operation in operations
        for name, value in values(operation)
    ]


@pytest.mark.parametrize(
    ("operation", "name", "value"),
    _cases(LISTS, lambda _: [("limit", limit) for limit in LIMITS]),
)
def test_limit_out_of_range(harness: Harness, operation: Operation, name: str, value: str) -> None:
    body = refused(get(harness, operation.with_query(operation.path, f"{name}={value}")))
    assert body["errors"][0]["name"] == "limit"


@pytest.mark.parametrize(
    ("operation", "name", "value"),
    _cases(
        LISTS,
        lambda op: [
            (parameter.name, value)
            for parameter in op.query
            if parameter.kind != "string" or parameter.constrained
            for value in WRONG_TYPES[parameter.kind]
        ],
    ),
)
def test_wrong_type_for_every_filter(
    harness: Harness, operation: Operation, name: str, value: str
) -> None:
    body = refused(get(harness, operation.with_query(operation.path, f"{name}={value}")))
    assert name in [error["name"] for error in body["errors"]]


@pytest.mark.parametrize(
    ("operation", "name", "value"),
    _cases(
        LISTS + GETS,
        lambda op: [
            (p.name, raw) for p in op.query if p.kind == "string" for raw in RAW_STRINGS.values()
        ],
    ),
)
def test_hostile_strings_in_every_string_parameter(
    harness: Harness, operation: Operation, name: str, value: str
) -> None:
    url = operation.path if operation.is_list else operation.url("nqpf-01")
    refused(get(harness, operation.with_query(url, f"{name}={value}")))


@pytest.mark.parametrize("operation", LISTS + GETS, ids=lambda op: op.operation_id)
@pytest.mark.parametrize("unknown", ["foo=bar", "Limit=5", "sort_by=id", "filter[id]=x", "=x"])
def test_unknown_parameters_are_refused(
    harness: Harness, operation: Operation, unknown: str
) -> None:
    url = operation.path if operation.is_list else operation.url("nqpf-01")
    body = refused(get(harness, operation.with_query(url, unknown)))
    assert body["errors"][0]["message"] == "Unknown parameter"


@pytest.mark.parametrize("operation", LISTS, ids=lambda op: op.operation_id)
@pytest.mark.parametrize("sort", ["nope", "-", "--id", "id,id", "id;drop", "id desc", "ID", ""])
def test_unknown_sort_fields(harness: Harness, operation: Operation, sort: str) -> None:
    body = refused(get(harness, operation.with_query(operation.path, f"sort={sort}")))
    assert body["errors"][0]["name"] == "sort"


@pytest.mark.parametrize(
    "operation", [op for op in LISTS if "q" in op.names], ids=lambda op: op.operation_id
)
@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_sql_and_search_operators_in_q_are_only_text(
    harness: Harness, operation: Operation, text: str
) -> None:
    response = harness.client.get(operation.path, params={"q": text})
    # A search for odd text is legitimate: it finds what contains it (or is refused as a 400).
    if response.status_code != 200:
        refused(response)
        return
    assert response.headers["content-type"] == "application/json"
    # A list's page, or /v1/search's groups: records in lists either way.
    assert any(isinstance(value, list) for value in response.json().values())


def _cursor(client: TestClient, url: str) -> str:
    cursor = client.get(url).json()["next_cursor"]
    assert isinstance(cursor, str), url
    return cursor


CURSORS: dict[str, Callable[[TestClient], str]] = {
    "garbage": lambda _: "garbage",
    "empty": lambda _: "",
    "dot": lambda _: ".",
    "two-dots": lambda _: "a.b.c",
    "not-base64": lambda _: "!!!.???",
    "truncated-signature": lambda c: _cursor(c, "/v1/claims?limit=2")[:-1],
    "truncated-half": lambda c: (lambda s: s[: len(s) // 2])(_cursor(c, "/v1/claims?limit=2")),
    "tampered": lambda c: "A" + _cursor(c, "/v1/claims?limit=2")[1:],
    "other-resource": lambda c: _cursor(c, "/v1/topics?limit=2"),
    "other-filter": lambda c: _cursor(c, "/v1/claims?limit=2&kind=direct_quote"),
    "other-sort": lambda c: _cursor(c, "/v1/claims?limit=2&sort=-id"),
    "long": lambda _: LONG,
}


@pytest.mark.parametrize("name", CURSORS)
def test_malformed_truncated_and_foreign_cursors(harness: Harness, name: str) -> None:
    cursor = CURSORS[name](harness.client)
    response = harness.client.get("/v1/claims", params={"limit": 2, "cursor": cursor})
    body = refused(response)
    assert body["type"] in {"/problems/invalid-cursor", "/problems/invalid-parameter"}
    assert body["errors"][0]["name"] == "cursor"


@pytest.mark.parametrize("operation", GETS, ids=lambda op: op.operation_id)
@pytest.mark.parametrize("case", BAD_IDS)
def test_bad_ids(harness: Harness, operation: Operation, case: str) -> None:
    record_id, status = BAD_IDS[case]
    refused(get(harness, operation.url(record_id)), status)


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_serves_nothing(harness: Harness, path: str) -> None:
    response = get(harness, path)
    assert response.status_code in {400, 404}, response.text
    assert_problem(response, response.status_code, response.json()["type"].split("/")[-1])
    for leaked in ("[project]", "class Settings", "root:x:0:0"):
        assert leaked not in response.text


def test_body_larger_than_the_limit_is_413(harness: Harness) -> None:
    limit = get_settings().max_body_bytes
    response = harness.client.post(
        "/v1/claims", content=b"x" * (limit + 1), headers={"content-type": "application/json"}
    )
    body = refused(response, 413)
    assert body["type"] == "/problems/payload-too-large"
    assert str(limit) in body["detail"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"not json", "application/json"), (b"\xff\xfe", "text/plain"), (b"{}", "application/xml")],
)
def test_bodies_on_read_only_paths_change_nothing(
    harness: Harness, content: bytes, content_type: str
) -> None:
    # Today no write exists: 405. After the write endpoints land, these must be 4xx as well.
    response = harness.client.post(
        "/v1/claims", content=content, headers={"content-type": content_type}
    )
    assert 400 <= response.status_code < 500
    refused(response, response.status_code)


def test_the_database_is_unchanged_after_the_whole_table(harness: Harness) -> None:
    # The fixture compares again at teardown; this test makes the check visible in the report.
    before = _snapshot(harness.owned)
    assert dump_tables(harness.owned.engine) == before[0]


@pytest.fixture(scope="module")
def json_reader(owned_database: OwnedDatabase) -> Iterator[TestClient]:
    """The app plus one route that reads its body the way write endpoints must."""
    reader_app = app_on(owned_database.engine)

    @reader_app.post("/json-reader")
    async def json_reader_route(request: Request) -> dict[str, Any]:
        return {"document": await read_json_body(request)}

    with TestClient(reader_app) as client:
        yield client


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


JSON_BODIES = {
    "not-json": (b"{not json", "application/json", 400),
    "truncated": (b'{"text": "abc', "application/json", 400),
    "not-utf8": (b'{"text": "\xff\xfe"}', "application/json", 400),
    "latin-1": ('{"text": "café"}'.encode("latin-1"), "application/json", 400),
    "lone-surrogate": (b'{"text": "\\ud800"}', "application/json", 400),
    "nul-in-string": (b'{"text": "a\\u0000b"}', "application/json", 200),
    "too-deep": (_nested(33), "application/json", 400),
    "far-too-deep": (_nested(100_000), "application/json", 400),
    "text-plain": (b"{}", "text/plain", 415),
    "form": (b"a=1", "application/x-www-form-urlencoded", 415),
    "no-content-type": (b"{}", "", 415),
    "deep-enough": (_nested(32), "application/json", 200),
    "json-charset": (b'{"a": 1}', "application/json; charset=utf-8", 200),
}


@pytest.mark.parametrize("case", JSON_BODIES)
def test_json_body_reader(json_reader: TestClient, case: str) -> None:
    content, content_type, status = JSON_BODIES[case]
    headers = {"content-type": content_type} if content_type else {}
    response = json_reader.post("/json-reader", content=content, headers=headers)
    if status == 200:
        assert response.status_code == 200, response.text
    else:
        refused(response, status)


def test_streamed_body_larger_than_the_limit_is_413(json_reader: TestClient) -> None:
    limit = get_settings().max_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(limit // 65_536 + 2):
            yield b"1," * 32_768

    response = json_reader.post(
        "/json-reader", content=chunks(), headers={"content-type": "application/json"}
    )
    refused(response, 413)
