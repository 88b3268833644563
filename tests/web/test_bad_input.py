"""Everything users may send wrong, table-driven over every operation in the OpenAPI document
(reads, and writes sent with a valid write key): each answer is a 4xx problem (never a 500),
and after the whole table the database is unchanged row for row (and, on SQLite, byte for
byte)."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from app.config import get_settings
from app.web.guards import MAX_URL_BYTES, read_json_body
from app.write.auth import create_key
from tests.conftest import OwnedDatabase, app_on
from tests.support.databases import dump_tables, file_digest
from tests.support.helpers import assert_problem
from tests.support.operations import (
    GETS,
    JSON_LISTS,
    LISTS,
    WRITES,
    Operation,
    string_fields,
)

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
class Target:
    """An existing record a write is aimed at, and its current ETag."""

    url: str
    etag: str


@dataclass
class Harness:
    client: TestClient
    owned: OwnedDatabase
    write_headers: dict[str, str]
    targets: dict[str, Target]


def _snapshot(owned: OwnedDatabase) -> tuple[dict[str, Any], str | None]:
    owned.engine.dispose()  # SQLite: close every connection so the file is checkpointed
    path = owned.sqlite_file
    return dump_tables(owned.engine), file_digest(path) if path else None


def _targets(client: TestClient) -> dict[str, Target]:
    targets = {}
    for operation in WRITES:
        if operation.path_parameters:
            first = client.get(operation.collection, params={"limit": 1}).json()["data"][0]
            url = operation.url(first["id"])
            targets[operation.collection] = Target(url, client.get(url).headers["etag"])
    return targets


@pytest.fixture(scope="module")
def harness(owned_database: OwnedDatabase) -> Iterator[Harness]:
    # The write key exists before the snapshot: everything the table sends comes after.
    with owned_database.engine.begin() as connection:
        token = create_key(connection, "bad-input", "write")
    before = _snapshot(owned_database)
    with TestClient(app_on(owned_database.engine)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        yield Harness(client, owned_database, headers, _targets(client))
    assert _snapshot(owned_database) == before, "the bad-input table changed the database"


def get(harness: Harness, url: str) -> httpx.Response:
    response: httpx.Response = harness.client.get(url)
    return response


def refused(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    url = response.request.url
    if len(url.raw_path) > MAX_URL_BYTES:
        # A value of 10,000 characters makes a URL the app refuses whole, before any route.
        status = 414
    assert response.status_code == status, (url, response.text)
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
    assert body["errors"][0]["message"].startswith("Unknown parameter")


@pytest.mark.parametrize("operation", LISTS, ids=lambda op: op.operation_id)
@pytest.mark.parametrize("sort", ["nope", "-", "--id", "id,id", "id;drop", "id desc", "ID", ""])
def test_unknown_sort_fields(harness: Harness, operation: Operation, sort: str) -> None:
    body = refused(get(harness, operation.with_query(operation.path, f"sort={sort}")))
    assert body["errors"][0]["name"] == "sort"


@pytest.mark.parametrize(
    "operation", [op for op in JSON_LISTS if "q" in op.names], ids=lambda op: op.operation_id
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
    if body["type"] == "/problems/uri-too-long":
        return  # a URL too long is refused whole, before the cursor is read
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


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


JSON = "application/json"
BODY_WRITES = [operation for operation in WRITES if operation.media_types]
ID_WRITES = [operation for operation in WRITES if operation.path_parameters]
# Body, media type, status, and the field the problem must name (if any). The rule: a body
# that cannot be read as JSON is 400; a JSON document that does not fit is 422.
BAD_BODIES: dict[str, tuple[bytes, str, int, str | None]] = {
    "not-json": (b"{not json", JSON, 400, "body"),
    "truncated": (b'{"reason": "r', JSON, 400, "body"),
    "empty": (b"", JSON, 400, "body"),
    "not-utf8": (b'{"reason": "\xff\xfe"}', JSON, 400, "body"),
    "latin-1": ('{"reason": "café"}'.encode("latin-1"), JSON, 400, "body"),
    "too-deep": (b'{"reason": "r", "x": ' + _nested(32) + b"}", JSON, 400, "body"),
    "far-too-deep": (_nested(100_000), JSON, 400, "body"),
    "array": (b"[]", JSON, 422, None),
    "string": (b'"reason"', JSON, 422, None),
    "null": (b"null", JSON, 422, None),
    "unknown-field": (b'{"reason": "r", "bogus": 1}', JSON, 422, "bogus"),
    "reason-missing": (b"{}", JSON, 422, "reason"),
    "text-plain": (b'{"reason": "r"}', "text/plain", 415, None),
    "xml": (b"<reason>r</reason>", "application/xml", 415, None),
    "form": (b"reason=r", "application/x-www-form-urlencoded", 415, None),
    "no-content-type": (b'{"reason": "r"}', "", 415, None),
}
SURROGATE_MARK = "\N{REPLACEMENT CHARACTER}"
HOSTILE_VALUES = {"nul": "a\x00b", "surrogate": SURROGATE_MARK, "long": LONG}


def send(
    harness: Harness, operation: Operation, content: bytes, content_type: str
) -> httpx.Response:
    """A write of `content` to `operation`, aimed at an existing record with its current ETag,
    so the body is the only thing wrong."""
    headers = dict(harness.write_headers)
    if content_type:
        headers["content-type"] = content_type
    url = operation.path
    if operation.path_parameters:
        target = harness.targets[operation.collection]
        url, headers["if-match"] = target.url, target.etag
    response: httpx.Response = harness.client.request(
        operation.method, url, content=content, headers=headers
    )
    return response


# What an empty JSON object lacks first: a record write's `reason`, a draft's `text`.
REQUIRED_FIRST = {"create_draft": "text"}


def _body_cases(operation: Operation) -> list[tuple[str, tuple[bytes, str, int, str | None]]]:
    cases = list(BAD_BODIES.items())
    required = REQUIRED_FIRST.get(operation.operation_id)
    if required is not None:
        cases = [
            (case, (content, media, status, required if case == "reason-missing" else named))
            for case, (content, media, status, named) in cases
        ]
    if "application/merge-patch+json" not in operation.media_types:
        cases.append(
            ("merge-patch", (b'{"reason": "r"}', "application/merge-patch+json", 415, None))
        )
    return cases


@pytest.mark.parametrize(
    ("operation", "case", "expected"),
    [
        pytest.param(operation, case, expected, id=f"{operation.operation_id}-{case}")
        for operation in BODY_WRITES
        for case, expected in _body_cases(operation)
    ],
)
def test_bad_write_bodies(
    harness: Harness, operation: Operation, case: str, expected: tuple[bytes, str, int, str | None]
) -> None:
    content, content_type, status, named = expected
    body = refused(send(harness, operation, content, content_type), status)
    if named is not None:
        assert named in [error["name"] for error in body["errors"]], body


def _with_field(name: str, value: str) -> dict[str, Any]:
    """A body with `value` at `name` (`authors.0`, `period.label`), plus a reason."""
    body: dict[str, Any] = {} if name == "reason" else {"reason": "r"}
    head, _, rest = name.partition(".")
    if rest == "0":
        body[head] = [value]
    elif rest:
        body[head] = {rest: value}
    else:
        body[head] = value
    return body


@pytest.mark.parametrize(
    ("operation", "name", "case", "max_length"),
    [
        pytest.param(
            operation,
            name,
            case,
            schema.get("maxLength"),
            id=f"{operation.operation_id}-{name}-{case}",
        )
        for operation in BODY_WRITES
        for name, schema in string_fields(operation.body)
        for case in HOSTILE_VALUES
    ],
)
def test_hostile_strings_in_every_body_field(
    harness: Harness, operation: Operation, name: str, case: str, max_length: int | None
) -> None:
    value = HOSTILE_VALUES[case]
    if case == "long" and max_length is not None and max_length >= len(value):
        value = "a" * (max_length + 1)  # a source's text may be long: one past its maximum
    text = json.dumps(_with_field(name, value)).replace(
        json.dumps(SURROGATE_MARK)[1:-1], "a\\ud800b"
    )
    body = refused(send(harness, operation, text.encode(), JSON), 422)
    assert body["type"] == "/problems/invalid-body"
    assert name in [error["name"] for error in body["errors"]], body


def test_a_write_body_is_read_only_after_the_key_is_checked(harness: Harness) -> None:
    for operation in BODY_WRITES:
        url = operation.url("x") if operation.path_parameters else operation.path
        response = harness.client.request(
            operation.method, url, content=b"{not json", headers={"content-type": "text/plain"}
        )
        refused(response, 401)


@pytest.mark.parametrize("operation", ID_WRITES, ids=lambda op: op.operation_id)
@pytest.mark.parametrize("case", BAD_IDS)
def test_bad_ids_in_writes(harness: Harness, operation: Operation, case: str) -> None:
    record_id, status = BAD_IDS[case]
    headers = {**harness.write_headers, "if-match": '"any"'}
    url = operation.url(record_id)
    if operation.method == "delete":
        response = harness.client.delete(url, params={"reason": "r"}, headers=headers)
    else:
        response = harness.client.patch(url, json={"reason": "r"}, headers=headers)
    refused(response, status)


IF_MATCH: dict[str, Callable[[str], str | None]] = {
    "missing": lambda _: None,
    "empty": lambda _: "",
    "garbage": lambda _: "garbage",
    "unquoted": lambda etag: etag.strip('"'),
    "weak": lambda etag: f"W/{etag}",
    "older-version": lambda etag: etag.replace("-v", "-v0"),
    "other-record": lambda etag: etag.replace("-", "-x", 1),
    "long": lambda _: '"' + "x" * 10_000 + '"',
    "list-of-wrong": lambda _: '"a", "b"',
}


@pytest.mark.parametrize("operation", ID_WRITES, ids=lambda op: op.operation_id)
@pytest.mark.parametrize("case", IF_MATCH)
def test_bad_if_match(harness: Harness, operation: Operation, case: str) -> None:
    target = harness.targets[operation.collection]
    if_match = IF_MATCH[case](target.etag)
    headers = dict(harness.write_headers)
    if if_match is not None:
        headers["if-match"] = if_match
    if operation.method == "delete":
        response = harness.client.delete(target.url, params={"reason": "r"}, headers=headers)
    else:
        response = harness.client.patch(target.url, json={"reason": "r"}, headers=headers)
    # Not an entity-tag at all (quotes missing) is a malformed header, not a stale version.
    malformed = case in ("garbage", "unquoted")
    refused(response, 428 if if_match is None else 400 if malformed else 412)


@pytest.mark.parametrize(
    "operation", [op for op in ID_WRITES if op.method == "delete"], ids=lambda op: op.operation_id
)
@pytest.mark.parametrize("reason", ["", *RAW_STRINGS.values()])
def test_bad_retraction_reasons(harness: Harness, operation: Operation, reason: str) -> None:
    # With the current ETag: only the reason is wrong, and it alone must stop the retraction.
    target = harness.targets[operation.collection]
    headers = {**harness.write_headers, "if-match": target.etag}
    body = refused(harness.client.delete(f"{target.url}?reason={reason}", headers=headers))
    if body["status"] == 414:
        return  # a URL too long is refused whole, before any parameter is read
    # Bytes that are not UTF-8 are refused before parameters are read, naming the query.
    assert body["errors"][0]["name"] in {"reason", "query"}


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


JSON_BODIES = {
    "not-json": (b"{not json", "application/json", 400),
    "truncated": (b'{"text": "abc', "application/json", 400),
    "not-utf8": (b'{"text": "\xff\xfe"}', "application/json", 400),
    "latin-1": ('{"text": "café"}'.encode("latin-1"), "application/json", 400),
    "lone-surrogate": (b'{"text": "\\ud800"}', "application/json", 422),
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
