"""The change feed: oldest first, resumable by cursor, and complete enough to mirror the
database exactly (retractions included) by replaying it into an empty copy."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, delete, insert, select, update

from app.main import app
from app.resources import RESOURCES
from app.resources.citations import outline
from app.store.engine import build_engine, get_reader
from app.store.migrate import upgrade
from app.store.models import claim_topic
from app.store.temporal import RESOURCE_TABLES
from tests.support.helpers import DUNFORD, WAFERS, assert_problem, etag_of, walk, walk_changes

PLURALS = {name: resource.plural for name, resource in RESOURCES.items()}
DATES = {"published_on", "period_start", "period_end", "reviewed_on"}
TIMES = {"created_at", "updated_at", "retracted_at"}


def make_edits(client: TestClient, headers: dict[str, str]) -> None:
    """A create, updates (one re-topicing a claim), and retractions, across resources."""

    def write(method: str, url: str, **kwargs: Any) -> None:
        if method != "POST":
            kwargs["headers"] = {**headers, "If-Match": etag_of(client, url)}
        else:
            kwargs["headers"] = headers
        response = client.request(method, url, **kwargs)
        assert response.status_code in (200, 201), response.text

    write("POST", "/v1/topics", json={"id": "chips", "name": "Chips", "reason": "r"})
    write("PATCH", f"/v1/statistics/{WAFERS}", json={"period": {"label": "May"}, "reason": "r"})
    write("PATCH", "/v1/claims/nqpf-21", json={"topics": ["chips"], "reason": "r"})
    write("PATCH", f"/v1/speakers/{DUNFORD}", json={"title": None, "reason": "r"})
    write("DELETE", f"/v1/statistics/{WAFERS}", params={"reason": "r"})
    write("DELETE", "/v1/topics/history", params={"reason": "r"}) if False else None
    write("PATCH", "/v1/topics/chips", json={"name": "Semiconductor chips", "reason": "r"})


def test_feed_is_oldest_first_and_resumes_from_its_cursor(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    everything = walk_changes(client)
    first = client.get("/v1/changes", params={"limit": 10}).json()
    assert first["data"] == everything[:10]
    assert "link" in client.get("/v1/changes", params={"limit": 10}).headers
    rest = walk_changes(client, first["next_cursor"])
    assert rest == everything[10:]
    make_edits(client, write_headers)
    new = walk_changes(client)[len(everything) :]
    assert [(c["resource"], c["id"], c["operation"]) for c in new] == [
        ("topic", "chips", "create"),
        ("statistic", WAFERS, "update"),
        ("claim", "nqpf-21", "update"),
        ("speaker", DUNFORD, "update"),
        ("statistic", WAFERS, "retract"),
        ("topic", "chips", "update"),
    ]
    assert all(c["author"] == "editor" and c["reason"] == "r" for c in new)
    assert new[2]["changed_fields"] == ["topics"]
    at = [c["at"] for c in walk_changes(client)]
    assert at == sorted(at)


def test_an_empty_page_still_returns_a_cursor_to_poll_with(client: TestClient) -> None:
    everything = walk_changes(client)
    body = client.get("/v1/changes", params={"limit": 500}).json()
    assert len(everything) < 500
    tail = client.get("/v1/changes", params={"cursor": body["next_cursor"]}).json()
    assert tail == {"data": [], "next_cursor": body["next_cursor"]}


@pytest.mark.parametrize("name", ["cursor", "since"])  # since: its deprecated old name
@pytest.mark.parametrize("value", ["nonsense", "eyJ4IjoxfQ.AAAA"])
def test_bad_feed_cursor_is_400(client: TestClient, name: str, value: str) -> None:
    assert_problem(client.get("/v1/changes", params={name: value}), 400, "invalid-cursor", name)


@pytest.mark.parametrize("name", ["cursor", "since"])
def test_a_list_cursor_is_not_a_feed_cursor(client: TestClient, name: str) -> None:
    cursor = client.get("/v1/claims?limit=1").json()["next_cursor"]
    assert_problem(client.get("/v1/changes", params={name: cursor}), 400, "invalid-cursor")


def row_of(resource: str, document: dict[str, Any]) -> dict[str, Any]:
    """A version document back into its table row (the inverse of app.resources.documents)."""
    # Computed from the source's text, not stored: section, paragraph, citation.
    computed = {f.name for f in RESOURCES[resource].fields if f.computed is not None}
    dropped = {"span", "period", "topics", *computed}
    row = {k: v for k, v in document.items() if k not in dropped}
    if resource == "statistic":
        del row["speaker_id"], row["source_id"]
        period = document["period"]
        row |= {"period_label": period["label"], "period_start": period["start"],
                "period_end": period["end"]}  # fmt: skip
    if resource == "source":
        row["outline"] = outline(document["text"])  # stored, but written from the text
    if "span" in document:
        row |= {"span_start": document["span"]["start"], "span_end": document["span"]["end"]}
    for name in DATES & set(row):
        row[name] = date.fromisoformat(row[name])
    for name in TIMES & set(row):
        row[name] = None if row[name] is None else datetime.fromisoformat(row[name])
    return row


def apply(connection: Connection, resource: str, document: dict[str, Any]) -> None:
    table = RESOURCE_TABLES[resource][0]
    row = row_of(resource, document)
    exists = connection.execute(select(table.c.id).where(table.c.id == row["id"])).first()
    if exists:
        connection.execute(update(table).where(table.c.id == row["id"]).values(row))
    else:
        connection.execute(insert(table).values(row))
    if resource == "claim":
        connection.execute(delete(claim_topic).where(claim_topic.c.claim_id == row["id"]))
        for topic in document["topics"]:
            connection.execute(insert(claim_topic).values(claim_id=row["id"], topic_id=topic))


def everything(client: TestClient) -> dict[str, list[dict[str, Any]]]:
    return {
        plural: walk(client, f"/v1/{plural}?limit=500&include_retracted=true")
        for plural in PLURALS.values()
    }


@pytest.fixture
def copy_url(empty_database: str) -> str:
    upgrade(empty_database)
    return empty_database


def test_replaying_the_feed_into_an_empty_copy_reproduces_the_database(
    client: TestClient, write_headers: dict[str, str], copy_url: str
) -> None:
    make_edits(client, write_headers)
    copy = build_engine(copy_url)
    with copy.begin() as connection:
        for change in walk_changes(client):
            plural = PLURALS[change["resource"]]
            version = client.get(f"/v1/{plural}/{change['id']}/versions/{change['version']}")
            assert version.status_code == 200, version.text
            apply(connection, change["resource"], version.json())
    original = everything(client)
    assert any(s["retracted_at"] for s in original["statistics"])

    def copy_reader() -> Iterator[Connection]:
        with copy.connect() as connection:
            yield connection

    replaced = app.dependency_overrides[get_reader]
    app.dependency_overrides[get_reader] = copy_reader
    try:
        mirrored = everything(client)
    finally:
        app.dependency_overrides[get_reader] = replaced
        copy.dispose()
    assert mirrored == original


# -- "What changed since yesterday": time, filters, before and after ------------------------


def edited_since(client: TestClient, headers: dict[str, str]) -> str:
    """A moment after the seed's load, then the edits of `make_edits` after it."""
    moment = walk_changes(client)[-1]["at"]
    make_edits(client, headers)
    return str(moment)


def test_since_a_time_lists_only_the_changes_after_it(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    moment = edited_since(client, write_headers)
    body = client.get("/v1/changes", params={"since": moment, "limit": 500}).json()
    assert [(c["resource"], c["operation"]) for c in body["data"]] == [
        ("topic", "create"), ("statistic", "update"), ("claim", "update"),
        ("speaker", "update"), ("statistic", "retract"), ("topic", "update"),
    ]  # fmt: skip
    assert all(c["at"] > moment for c in body["data"])
    offset = datetime.fromisoformat(moment).astimezone(timezone(timedelta(hours=2))).isoformat()
    shifted = client.get("/v1/changes", params={"since": offset, "limit": 500})
    assert shifted.json()["data"] == body["data"]
    assert "deprecation" not in shifted.headers


def test_since_a_time_pages_with_its_cursor(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    moment = edited_since(client, write_headers)
    first = client.get("/v1/changes", params={"since": moment, "limit": 4})
    assert "since=" in first.headers["link"]
    rest = client.get(
        "/v1/changes", params={"since": moment, "cursor": first.json()["next_cursor"]}
    ).json()["data"]
    assert [c["operation"] for c in first.json()["data"] + rest] == [
        "create", "update", "update", "update", "retract", "update"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("since", "hint"),
    [
        ("2026-12-06T10:00:00 02:00", "%2B"),
        ("2026-12-06", "RFC 3339"),
        ("2026-12-06T10:00:00", "RFC 3339"),
        ("2026-13-45T10:00:00Z", "not a time"),
    ],
)
def test_a_bad_time_for_since_is_400(client: TestClient, since: str, hint: str) -> None:
    body = assert_problem(
        client.get("/v1/changes", params={"since": since}), 400, "invalid-parameter", "since"
    )
    assert hint in str(body)


@pytest.mark.parametrize(
    ("params", "want"),
    [
        ({"resource": "statistic"}, [("statistic", "update"), ("statistic", "retract")]),
        ({"resource": "topic,speaker", "operation": "update"},
         [("speaker", "update"), ("topic", "update")]),
        ({"operation": "create"}, [("topic", "create")]),
        ({"author": "editor", "operation": "retract"}, [("statistic", "retract")]),
    ],
)  # fmt: skip
def test_the_feed_filters_by_resource_operation_and_author(
    client: TestClient,
    write_headers: dict[str, str],
    params: dict[str, str],
    want: list[tuple[str, str]],
) -> None:
    make_edits(client, write_headers)
    query = {**params, "include_seed_load": "false", "limit": "500"}
    data = client.get("/v1/changes", params=query).json()["data"]
    assert [(c["resource"], c["operation"]) for c in data] == want


def test_the_seed_load_is_told_apart_and_left_out_on_request(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    everything = walk_changes(client)
    assert everything
    assert all(c["author"] == "seed" for c in everything)
    assert {c["operation"] for c in everything} == {"create"}
    seeded = client.get("/v1/changes", params={"author": "seed", "limit": 500}).json()["data"]
    assert seeded == everything[:500]
    assert client.get("/v1/changes?include_seed_load=false").json()["data"] == []
    make_edits(client, write_headers)
    people = client.get("/v1/changes?include_seed_load=false&limit=500").json()["data"]
    assert [c["author"] for c in people] == ["editor"] * 6


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ("resource=claims", "resource"),
        ("resource=claim,nope", "resource"),
        ("operation=delete", "operation"),
        ("author=nobody", "author"),
        ("author=seed,", "author"),
        ("include_seed_load=maybe", "include_seed_load"),
        ("resource=claim&resource=source", "resource"),
    ],
)
def test_bad_feed_filters_are_400(client: TestClient, params: str, name: str) -> None:
    response = client.get(f"/v1/changes?{params}")
    assert response.status_code == 400, response.text
    assert name in str(response.json())


def test_every_update_carries_its_fields_before_and_after(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    make_edits(client, write_headers)
    new = client.get("/v1/changes?include_seed_load=false&limit=500").json()["data"]
    by_kind = {(c["resource"], c["operation"]): c for c in new}
    period = by_kind[("statistic", "update")]
    assert period["changed_fields"] == ["period"]
    assert period["before"] == {
        "period": {"label": "as of 2024-05-20", "start": "2024-05-20", "end": "2024-05-20"}
    }
    assert period["after"] == {
        "period": {"label": "May", "start": "2024-05-20", "end": "2024-05-20"}
    }
    claim = next(c for c in new if c["resource"] == "claim")
    assert claim["before"]["topics"] != claim["after"]["topics"] == ["chips"]
    speaker = by_kind[("speaker", "update")]
    assert speaker["after"] == {"title": None}
    assert speaker["before"]["title"]
    for change in new:
        if change["operation"] != "update":
            assert change["before"] is None
            assert change["after"] is None
        else:
            assert set(change["before"]) == set(change["after"]) == set(change["changed_fields"])
