"""Versions: history after create, updates and retraction; `as_of` at every moment between
them, through filters and pagination; re-seeding writes versions only for changed entries."""

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import seed.bundle
from app.store.engine import build_engine
from app.store.models import Change
from app.store.temporal import RESOURCE_TABLES
from app.write.versioning import update_record
from seed.bundle import DATA_DIR, read_bundle
from seed.load import write_bundle
from tests.support.helpers import DUNFORD, SOURCE_ID, WAFERS, assert_problem, etag_of, walk

PRESENCE = "China does already have a very important presence in this sector."
# Full-text `q` sorts by relevance unless told, and adds each match's snippet.
SEARCH = "q=presence&sort=id"
FILTERS = ["", "topic=semiconductors", "topic=trade", "kind=paraphrase", SEARCH]
SNIPPET = "China does already have a very important <mark>presence</mark> in this sector."


def moment() -> str:
    """Now, strictly between the writes around it."""
    time.sleep(0.002)
    at = datetime.now(UTC).isoformat()
    time.sleep(0.002)
    return at


def listed(client: TestClient, query: str, at: str, retracted: bool = False) -> list[Any]:
    extra = "&include_retracted=true" if retracted else ""
    return walk(client, f"/v1/claims?limit=4&as_of={at.replace('+', '%2B')}&{query}{extra}")


def test_history_and_as_of_through_create_updates_and_retraction(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = "/v1/claims/presence"
    states: list[tuple[str, dict[str, Any] | None]] = [(moment(), None)]
    created = client.post(
        "/v1/claims",
        json={
            "id": "presence",
            "source_id": SOURCE_ID,
            "speaker_id": DUNFORD,
            "kind": "direct_quote",
            "topics": ["semiconductors"],
            "text": PRESENCE,
            "reason": "added",
        },
        headers=write_headers,
    )
    assert created.status_code == 201
    states.append((moment(), created.json()))
    for change in (
        {"kind": "paraphrase", "topics": ["trade"], "reason": "it is reported speech"},
        {"topics": ["trade", "semiconductors"], "reason": "also about chips"},
    ):
        response = client.patch(
            url, json=change, headers={**write_headers, "If-Match": etag_of(client, url)}
        )
        assert response.status_code == 200, response.text
        states.append((moment(), response.json()))
    retracted = client.delete(
        url, params={"reason": "duplicate of nqpf-21"},
        headers={**write_headers, "If-Match": etag_of(client, url)},
    )  # fmt: skip
    assert retracted.status_code == 200
    states.append((moment(), retracted.json()))

    others = {
        query: [c for c in walk(client, f"/v1/claims?limit=500&{query}") if c["id"] != "presence"]
        for query in FILTERS
    }
    for at, state in states:
        live = state is not None and state["retracted_at"] is None
        for query in FILTERS:
            matching = state is not None and (
                (query != "topic=semiconductors" or "semiconductors" in state["topics"])
                and (query != "topic=trade" or "trade" in state["topics"])
                and (query != "kind=paraphrase" or state["kind"] == "paraphrase")
            )
            found = state if query != SEARCH or state is None else {**state, "snippet": SNIPPET}
            shown: list[dict[str, Any]] = [found] if found is not None and matching and live else []
            expected = sorted([*others[query], *shown], key=lambda c: str(c["id"]))
            assert listed(client, query, at) == expected, (at, query)
            with_retracted = listed(client, query, at, retracted=True)
            assert (found in with_retracted) == matching, (at, query)
        single = client.get(url, params={"as_of": at})
        if state is None:
            assert_problem(single, 404, "not-found")
        elif live:
            assert single.json() == state
            assert single.headers["etag"] == f'"claim-presence-v{state["version"]}"'
        else:
            assert assert_problem(single, 410, "gone")["reason"] == "duplicate of nqpf-21"

    versions = client.get(f"{url}/versions").json()["data"]
    assert [(v["version"], v["operation"]) for v in versions] == [
        (4, "retract"), (3, "update"), (2, "update"), (1, "create")
    ]  # fmt: skip
    assert [v["changed_fields"] for v in versions] == [
        ["retracted_at"], ["topics"], ["kind", "topics"], []
    ]  # fmt: skip
    assert versions[1]["reason"] == "also about chips"
    for _, state in states[1:]:
        assert state is not None
        assert client.get(f"{url}/versions/{state['version']}").json() == state
    assert_problem(client.get(f"{url}/versions/5"), 404, "not-found")
    paged = walk(client, f"{url}/versions?limit=3")
    assert [v["version"] for v in paged] == [4, 3, 2, 1]
    assert [v["version"] for v in walk(client, f"{url}/versions?sort=version")] == [1, 2, 3, 4]


NODE_7NM = "asml-restricted-process-node-7nm"


def test_corrected_figure_reads_old_as_of_before_and_new_now(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = f"/v1/statistics/{NODE_7NM}"
    before = moment()
    response = client.patch(
        url,
        json={"modality": "possible", "reason": "read with the hedge of the sentence"},
        headers={**write_headers, "If-Match": etag_of(client, url)},
    )
    assert response.status_code == 200, response.text
    assert client.get(url).json()["modality"] == "possible"
    assert client.get(url, params={"as_of": before}).json()["modality"] == "asserted"
    asserted = {"modality": "asserted", "unit": "nanometres"}
    old = client.get("/v1/statistics", params={"as_of": before, **asserted})
    assert [s["id"] for s in old.json()["data"]] == [NODE_7NM]
    assert client.get("/v1/statistics", params=asserted).json()["data"] == []
    claim = client.get("/v1/claims/nqpf-21", params={"as_of": before, "include": "statistics"})
    assert {s["id"]: s["modality"] for s in claim.json()["statistics"]}[NODE_7NM] == "asserted"
    assert client.get(f"{url}/versions/1").json()["modality"] == "asserted"


@pytest.mark.parametrize("as_of", ["2026-01-01T00:00:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_as_of_must_be_an_rfc3339_time_with_offset(client: TestClient, as_of: str) -> None:
    assert_problem(
        client.get("/v1/claims", params={"as_of": as_of}), 400, "invalid-parameter", "as_of"
    )
    assert_problem(
        client.get("/v1/claims/nqpf-21", params={"as_of": as_of}), 400, "invalid-parameter", "as_of"
    )


def test_as_of_before_anything_existed_is_empty(client: TestClient) -> None:
    assert client.get("/v1/claims?as_of=2000-01-01T00:00:00Z").json()["data"] == []
    assert_problem(client.get("/v1/claims/nqpf-21?as_of=2000-01-01T00:00:00Z"), 404, "not-found")


def versions_in(url: str) -> dict[tuple[str, str], int]:
    engine = build_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Change.resource, Change.record_id, func.count()).group_by(
                Change.resource, Change.record_id
            )
        ).all()
    engine.dispose()
    return {(resource, record_id): count for resource, record_id, count in rows}


def changed_seed(tmp_path: Path, old: str, new: str) -> Path:
    data = tmp_path / "seed-data"
    shutil.copytree(DATA_DIR, data)
    (path,) = (data / "sources").glob("*.toml")
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return data


def test_reseed_versions_only_changed_entries_and_keeps_api_corrections(
    seeded_url: str, tmp_path: Path
) -> None:
    engine = build_engine(seeded_url)
    first = versions_in(seeded_url)
    assert set(first.values()) == {1}
    write_bundle(engine, read_bundle())
    assert versions_in(seeded_url) == first

    # An editor corrects a figure through the same code path the API uses.
    statistics = RESOURCE_TABLES["statistic"][0]
    with engine.begin() as connection:
        row = (
            connection.execute(
                select(statistics).where(
                    statistics.c.id == "chn-global-semiconductor-capacity-share"
                )
            )
            .mappings()
            .one()
        )
        correction = {"period_label": "May 2024"}
        update_record(connection, "statistic", row, correction, author="editor", reason="label")

    # The file changes another figure: only that one gets a version, by `seed`. (The figure
    # must name an indicator the vocabulary holds: any one will do for the test.)
    data = changed_seed(
        tmp_path, 'indicator = "wafer_production_capacity"', 'indicator = "world_export_rank"'
    )
    reports = write_bundle(engine, read_bundle(data))
    assert (reports["statistics"].updated, reports["statistics"].created) == (1, 0)
    after = versions_in(seeded_url)
    assert {key: n for key, n in after.items() if n != first[key]} == {
        ("statistic", WAFERS): 2,
        ("statistic", "chn-global-semiconductor-capacity-share"): 2,
    }
    with engine.connect() as connection:
        indicators = dict(connection.execute(select(statistics.c.id, statistics.c.indicator)).all())
        labels = dict(connection.execute(select(statistics.c.id, statistics.c.period_label)).all())
        authors = (
            connection.execute(
                select(Change.author).where(Change.record_id == WAFERS).order_by(Change.version)
            )
            .scalars()
            .all()
        )
    assert indicators[WAFERS] == "world_export_rank"
    assert labels["chn-global-semiconductor-capacity-share"] == "May 2024"
    assert authors == ["seed", "seed"]
    # Loading the same changed files again changes nothing.
    write_bundle(engine, read_bundle(data))
    assert versions_in(seeded_url) == after
    engine.dispose()


def test_a_new_outline_rule_does_not_undo_corrections_on_reseed(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader's outline is derived by a rule, not read from the files: a reload that
    derives another (a rule changed since the last load) leaves the source as it is, with the
    correction an editor made since."""
    engine = build_engine(seeded_url)
    sources = RESOURCE_TABLES["source"][0]
    with engine.begin() as connection:
        row = connection.execute(select(sources)).mappings().one()
        correction = {"title": "A corrected title"}
        update_record(connection, "source", row, correction, author="editor", reason="title")
    monkeypatch.setattr(seed.bundle, "outline", lambda text: "[]")
    reports = write_bundle(engine, read_bundle())
    assert (reports["sources"].updated, reports["sources"].unchanged) == (0, 1)
    with engine.connect() as connection:
        kept = connection.execute(select(sources.c.title, sources.c.version)).one()
    assert tuple(kept) == ("A corrected title", 2)
    engine.dispose()


def test_as_of_sorts_and_pages_statistics_by_their_values_then(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = f"/v1/statistics/{WAFERS}"
    query = "/v1/statistics?sort=-value&limit=2&unit=wafers_per_month,percent,nanometres"
    moments = [(moment(), walk(client, query))]
    # The figure re-pointed at other words of its claim: its value goes with them.
    for figure in (
        {"display": "7.6", "value": 7.6},
        {"display": "5nm", "value": 5, "unit": "nanometres"},
    ):
        response = client.patch(
            url, json={**figure, "reason": "r"},
            headers={**write_headers, "If-Match": etag_of(client, url)},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        moments.append((moment(), walk(client, query)))
    orders = [[s["id"] for s in state] for _, state in moments]
    assert len({tuple(order) for order in orders}) == len(orders)  # each value sorts elsewhere
    for at, state in moments:
        assert walk(client, f"{query}&as_of={at.replace('+', '%2B')}") == state


def test_versions_of_a_missing_record_is_404(client: TestClient) -> None:
    assert_problem(client.get("/v1/claims/nope/versions"), 404, "not-found")
    assert_problem(client.get("/v1/claims/nope/versions/1"), 404, "not-found")
    assert_problem(client.get("/v1/claims/nqpf-21/versions/0"), 400, "invalid-parameter")
