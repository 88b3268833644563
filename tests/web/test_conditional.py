"""ETag, Last-Modified, If-None-Match (304), Cache-Control, If-Match on writes, and HEAD."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session

from app.store.models import Statistic
from tests.support.helpers import WAFERS, assert_problem, change_count, etag_of

RECORD = f"/v1/statistics/{WAFERS}"


def test_single_record_has_strong_etag_and_last_modified(
    client: TestClient, session: Session
) -> None:
    # Last-Modified is sent once a version has settled (a minute): make it a day old.
    day_ago = datetime.now(UTC) - timedelta(days=1)
    session.execute(update(Statistic).where(Statistic.id == WAFERS).values(updated_at=day_ago))
    response = client.get(RECORD)
    assert response.headers["etag"] == f'"statistic-{WAFERS}-v1"'
    assert response.headers["cache-control"] == "no-cache"
    modified = parsedate_to_datetime(response.headers["last-modified"])
    updated = datetime.fromisoformat(response.json()["updated_at"])
    assert modified == updated.replace(microsecond=0)


@pytest.mark.parametrize(
    "url",
    [
        RECORD,
        f"{RECORD}?include=claim",
        "/v1/claims?kind=direct_quote",
        "/v1/topics",
        f"{RECORD}/versions",
        f"{RECORD}/versions/1",
        "/v1/changes?limit=5",
    ],
)
def test_if_none_match_answers_304_without_body(client: TestClient, url: str) -> None:
    # Uncompressed: the ETags of compressed responses are tests/web/test_http_contract.py's.
    identity = {"Accept-Encoding": "identity"}
    first = client.get(url, headers=identity)
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get(url, headers={**identity, "If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("url", ["/v1/claims?kind=direct_quote", "/v1/claims?format=jsonld"])
def test_a_list_304_varies_on_accept_like_its_200(client: TestClient, url: str) -> None:
    first = client.get(url)
    assert "Accept" in first.headers["vary"]
    response = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert response.status_code == 304
    assert response.headers["vary"] == first.headers["vary"]


def test_list_etag_follows_its_content(client: TestClient, write_headers: dict[str, str]) -> None:
    before = client.get("/v1/statistics").headers["etag"]
    assert client.get("/v1/statistics").headers["etag"] == before
    assert client.get("/v1/statistics?limit=2").headers["etag"] != before
    client.patch(
        RECORD,
        json={"period": {"label": "May 2024"}, "reason": "r"},
        headers={**write_headers, "If-Match": etag_of(client, RECORD)},
    )
    assert client.get("/v1/statistics").headers["etag"] != before


def test_versions_and_the_settled_past_are_cacheable(client: TestClient) -> None:
    assert client.get(f"{RECORD}/versions/1").headers["cache-control"] == (
        "max-age=31536000, immutable"
    )
    past = (datetime.now(UTC) + timedelta(hours=-1)).isoformat()
    assert client.get(RECORD, params={"as_of": past}).status_code in (200, 404)
    assert client.get("/v1/topics", params={"as_of": past}).headers["cache-control"] == (
        "max-age=86400"
    )
    now = datetime.now(UTC).isoformat()
    assert client.get("/v1/topics", params={"as_of": now}).headers["cache-control"] == "no-cache"


WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("PATCH", RECORD, {"json": {"value": 1.0, "reason": "r"}}),
    ("DELETE", RECORD, {"params": {"reason": "r"}}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), WRITES)
def test_missing_if_match_is_428_and_writes_nothing(
    client: TestClient, write_headers: dict[str, str], method: str, url: str, kwargs: Any
) -> None:
    before = change_count(client)
    response = client.request(method, url, headers=write_headers, **kwargs)
    body = assert_problem(response, 428, "precondition-required")
    assert f'"statistic-{WAFERS}-v1"' in body["detail"]
    assert change_count(client) == before
    assert client.get(url).json()["version"] == 1


@pytest.mark.parametrize(("method", "url", "kwargs"), WRITES)
@pytest.mark.parametrize(
    "if_match", [f'"statistic-{WAFERS}-v0"', f'W/"statistic-{WAFERS}-v1"', '"claim-nqpf-21-v1"']
)
def test_stale_or_weak_if_match_is_412_and_writes_nothing(
    client: TestClient,
    write_headers: dict[str, str],
    method: str,
    url: str,
    kwargs: Any,
    if_match: str,
) -> None:
    before = change_count(client)
    response = client.request(
        method, url, headers={**write_headers, "If-Match": if_match}, **kwargs
    )
    assert_problem(response, 412, "precondition-failed")
    assert response.headers["etag"] == f'"statistic-{WAFERS}-v1"'
    assert change_count(client) == before
    assert client.get(url).json()["version"] == 1


def test_a_stale_writer_after_a_correction_gets_412(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    read = etag_of(client, RECORD)
    first = client.patch(
        RECORD,
        json={"period": {"label": "May 2024"}, "reason": "r"},
        headers={**write_headers, "If-Match": read},
    )
    assert first.status_code == 200
    assert first.headers["etag"] == f'"statistic-{WAFERS}-v2"'
    stale = client.patch(
        RECORD,
        json={"period": {"label": "2024"}, "reason": "r"},
        headers={**write_headers, "If-Match": read},
    )
    assert_problem(stale, 412, "precondition-failed")
    assert client.get(RECORD).json()["period"]["label"] == "May 2024"


def test_if_match_star_matches_any_current_version(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    response = client.patch(
        RECORD,
        json={"period": {"label": "May 2024"}, "reason": "r"},
        headers={**write_headers, "If-Match": "*"},
    )
    assert response.status_code == 200


def test_a_bad_cursor_is_400_even_with_if_none_match_star(client: TestClient) -> None:
    response = client.get("/v1/claims?cursor=bogus", headers={"If-None-Match": "*"})
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/invalid-cursor")


def test_a_list_etag_names_the_request_and_the_data(client: TestClient) -> None:
    """Asked twice, the same list has the same tag; another representation has another."""
    url = "/v1/claims?kind=direct_quote"
    etag = client.get(url).headers["etag"]
    assert client.get(url).headers["etag"] == etag
    assert client.get(url, headers={"Accept": "application/ld+json"}).headers["etag"] != etag
    assert client.get(f"{url}&include=speaker").headers["etag"] != etag


@pytest.mark.parametrize(
    "url", [RECORD, "/v1/claims?kind=direct_quote", "/v1/claims?format=csv", "/healthz"]
)
def test_head_is_get_without_the_body(client: TestClient, url: str) -> None:
    got, head = client.get(url), client.head(url)
    assert (head.status_code, got.status_code) == (200, 200)
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control", "vary"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_answers_errors_and_304s_like_get(client: TestClient) -> None:
    missing = client.head("/v1/claims/no-such-claim")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.content == b""
    assert client.head("/v1/claims?colour=red").status_code == 400
    etag = client.get(RECORD).headers["etag"]
    assert client.head(RECORD, headers={"If-None-Match": etag}).status_code == 304


def test_head_on_a_real_server(live_url: str) -> None:
    """uvicorn itself, not only the test client: headers, no body."""
    got = httpx.get(f"{live_url}{RECORD}", timeout=10)
    head = httpx.head(f"{live_url}{RECORD}", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-length"] == str(len(got.content))


def _selects(client: TestClient, engine: Engine, url: str, headers: dict[str, str]) -> list[str]:
    """The SELECT statements a GET of `url` runs."""
    statements: list[str] = []

    def capture(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return [text for text in statements if text.lstrip().upper().startswith("SELECT")]


def _revalidating(client: TestClient, engine: Engine, url: str) -> list[str]:
    """The SELECT statements a revalidation of `url` runs (its answer checked: a 304)."""
    etag = client.get(url).headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    return _selects(client, engine, url, {"If-None-Match": etag})


@pytest.mark.parametrize(
    "url",
    [
        "/v1/claims?topic=semiconductors&sort=-kind",
        "/v1/claims?topic=semiconductors,economic-growth&count=true&facets=speaker,topic,kind",
        "/v1/claims?q=semiconductor",
        "/v1/claims?format=csv",
        "/v1/statistics?format=jsonld",
        "/v1/statistics/summary?group_by=indicator",
        "/v1/search?q=wafer",
    ],
)
def test_a_304_reads_the_change_head_and_nothing_else(
    client: TestClient, seeded_engine: Engine, url: str
) -> None:
    """A list's ETag is known from the newest change and the request, so revalidating costs
    one indexed lookup: no page, count, facet, search or export statement runs."""
    reads = _revalidating(client, seeded_engine, url)
    assert len(reads) == 1, reads
    assert "FROM change" in reads[0], reads


def test_a_records_304_reads_its_row_and_nothing_else(
    client: TestClient, seeded_engine: Engine
) -> None:
    """A bare record's validators come from its row: revalidating builds no document (no
    link values, borrowed fields, sources or speakers for its citation)."""
    reads = _revalidating(client, seeded_engine, RECORD)
    assert len(reads) == 1, reads
    assert "FROM statistic" in reads[0], reads


def test_a_record_reads_only_the_sources_and_speakers_it_cites(
    client: TestClient, seeded_engine: Engine
) -> None:
    """A record's citation reads its own source and speaker by id, never a whole table."""
    reads = _selects(client, seeded_engine, RECORD, {})
    cited = [text for text in reads if "FROM source" in text or "FROM speaker" in text]
    assert cited, reads
    assert all(" IN (" in text for text in cited), cited
