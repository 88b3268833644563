"""Keyset pagination on every list: complete and stable walks under every sort, `count`,
`Link`, limit bounds, and cursors that refuse to be tampered with or reused elsewhere."""

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.helpers import (
    KeyOf,
    add_records,
    assert_problem,
    expected_order,
    field,
    ids,
    walk,
)


def claim_key(record: dict[str, Any], name: str) -> Any:
    if name == "position":
        return (record["source_id"], record["span"]["start"])
    return record[name]


def statistic_key(record: dict[str, Any], name: str) -> Any:
    return record["period"]["start"] if name == "period" else record[name]


# Each list, its sort allow-list, and how to read a sort field from a served record.
LISTS: dict[str, tuple[list[str], KeyOf]] = {
    "/v1/claims": (["id", "kind", "position"], claim_key),
    "/v1/statistics": (["id", "value", "indicator", "entity", "unit", "period"], statistic_key),
    "/v1/speakers": (["id", "name"], field),
    "/v1/sources": (["id", "published_on", "title"], field),
    "/v1/topics": (["id", "name"], field),
}
MULTI_FIELD = {
    "/v1/claims": ["kind,-position", "-kind,-id", "position,kind"],
    "/v1/statistics": ["unit,-value", "-entity,period,-indicator", "period,-id"],
    "/v1/speakers": ["name,-id", "-name,id"],
    "/v1/sources": ["-published_on,title", "published_on,-id"],
    "/v1/topics": ["-name,id"],
}
SORTS = [
    (path, sort)
    for path, (fields, _) in LISTS.items()
    for sort in [*fields, *(f"-{name}" for name in fields), *MULTI_FIELD[path]]
]


@pytest.fixture
def more(client: TestClient, session: Session) -> TestClient:
    add_records(session)
    return client


@pytest.mark.parametrize(("path", "sort"), SORTS)
def test_walks_equal_one_big_page_in_the_expected_order(
    more: TestClient, path: str, sort: str
) -> None:
    everything = more.get(f"{path}?limit=500").json()["data"]
    assert len(everything) >= 3
    big_page = ids(more.get(f"{path}?limit=500&sort={sort}"))
    assert big_page == expected_order(everything, sort, LISTS[path][1])
    for limit in (1, 2, 5, 7):
        walked = [record["id"] for record in walk(more, f"{path}?limit={limit}&sort={sort}")]
        assert walked == big_page, limit
        assert len(set(walked)) == len(walked)


def test_walk_with_filters_and_include(client: TestClient) -> None:
    url = "/v1/claims?kind=paraphrase,direct_quote&topic=trade,semiconductors&sort=-position"
    expected = ids(client.get(f"{url}&limit=500"))
    assert len(expected) > 3
    walked = walk(client, f"{url}&limit=2&include=speaker")
    assert [claim["id"] for claim in walked] == expected
    assert all(claim["speaker"]["id"] == claim["speaker_id"] for claim in walked)


def test_first_page_envelope_and_link(client: TestClient) -> None:
    response = client.get("/v1/claims?limit=2&kind=direct_quote")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "next_cursor"}
    assert len(body["data"]) == 2
    cursor = body["next_cursor"]
    assert isinstance(cursor, str)
    link = response.headers["link"]
    assert link.startswith("<http://testserver/v1/claims?")
    assert f"cursor={cursor}" in link
    assert "kind=direct_quote" in link
    assert "limit=2" in link
    assert link.endswith('>; rel="next"')


@pytest.mark.parametrize("path", list(LISTS))
def test_count_adds_total(more: TestClient, path: str) -> None:
    everything = more.get(f"{path}?limit=500").json()["data"]
    body = more.get(f"{path}?limit=1&count=true").json()
    assert body["total"] == len(everything)
    assert len(body["data"]) == 1
    assert "total" not in more.get(f"{path}?limit=1").json()
    assert "total" not in more.get(f"{path}?limit=1&count=false").json()


@pytest.mark.parametrize(
    ("query", "total"), [("kind=direct_quote", 11), ("kind=paraphrase", 16), ("q=zzz", 0)]
)
def test_total_counts_under_the_filters(client: TestClient, query: str, total: int) -> None:
    body = client.get(f"/v1/claims?limit=3&count=true&{query}").json()
    assert body["total"] == total
    assert len(body["data"]) == min(3, total)


def test_default_limit_is_50(client: TestClient) -> None:
    assert len(ids(client.get("/v1/claims"))) == 34  # fewer than 50: one page
    assert len(ids(client.get("/v1/claims?limit=500"))) == 34


@pytest.mark.parametrize("path", list(LISTS))
@pytest.mark.parametrize("limit", ["0", "-1", "501", "abc", str(10**12), "1.5", ""])
def test_limit_out_of_bounds_is_400(client: TestClient, path: str, limit: str) -> None:
    assert_problem(client.get(f"{path}?limit={limit}"), 400, "invalid-parameter", "limit")


def next_cursor(client: TestClient, url: str) -> str:
    cursor = client.get(url).json()["next_cursor"]
    assert isinstance(cursor, str)
    return cursor


def flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def tampered(cursor: str) -> list[str]:
    payload, signature = cursor.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[-3] ^= 0x01
    edited = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return [
        "garbage",
        "",
        "...",
        "%%%",
        cursor[: len(cursor) // 2],
        cursor[:-1],
        f"{flip(payload, 5)}.{signature}",
        f"{edited}.{signature}",
        f"{payload}.{flip(signature, 3)}",
        f"{payload}.",
        f"{payload}.{signature}.{signature}",
        signature,
    ]


def test_tampered_cursors_are_refused(client: TestClient) -> None:
    cursor = next_cursor(client, "/v1/claims?limit=2")
    assert ids(client.get(f"/v1/claims?limit=2&cursor={cursor}"))
    for bad in tampered(cursor):
        response = client.get("/v1/claims", params={"limit": 2, "cursor": bad})
        assert_problem(response, 400, "invalid-cursor", "cursor")


@pytest.mark.parametrize(
    ("issued_by", "used_on"),
    [
        ("/v1/claims?limit=2", "/v1/topics?limit=2"),
        ("/v1/claims?limit=2", "/v1/statistics?limit=2"),
        ("/v1/topics?limit=2", "/v1/speakers?limit=2"),
        ("/v1/claims?limit=2&kind=paraphrase", "/v1/claims?limit=2&kind=direct_quote"),
        ("/v1/claims?limit=2&kind=paraphrase", "/v1/claims?limit=2"),
        ("/v1/claims?limit=2", "/v1/claims?limit=2&q=china"),
        ("/v1/claims?limit=2", "/v1/claims?limit=2&sort=-id"),
        ("/v1/claims?limit=2&sort=kind", "/v1/claims?limit=2&sort=-kind"),
        ("/v1/claims?limit=2&sort=kind", "/v1/claims?limit=2&sort=position"),
        ("/v1/statistics?limit=2&value_gt=1", "/v1/statistics?limit=2&value_gt=2"),
        ("/v1/statistics?limit=2&sort=value", "/v1/statistics?limit=2&sort=value,id"),
    ],
)
def test_cursor_only_continues_its_own_query(
    client: TestClient, issued_by: str, used_on: str
) -> None:
    cursor = next_cursor(client, issued_by)
    body = assert_problem(client.get(f"{used_on}&cursor={cursor}"), 400, "invalid-cursor", "cursor")
    assert "cursor" in body["detail"]


def test_cursor_survives_a_different_limit_and_include(client: TestClient) -> None:
    everything = ids(client.get("/v1/claims?limit=500&sort=-position"))
    cursor = next_cursor(client, "/v1/claims?limit=3&sort=-position")
    rest = client.get(f"/v1/claims?limit=500&sort=-position&include=speaker&cursor={cursor}")
    assert ids(rest) == everything[3:]
    assert all("speaker" in claim for claim in rest.json()["data"])
    counted = client.get(f"/v1/claims?limit=4&sort=-position&count=true&cursor={cursor}")
    assert ids(counted) == everything[3:7]
    assert counted.json()["total"] == 34
