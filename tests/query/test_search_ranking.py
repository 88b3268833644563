"""The relevance contract at scale: matches ranked in blocks of the most recently added ones,
walked without duplicates or gaps; other sorts exact over every match (`app.query.ranking`)."""

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.query import ranking, search
from tests.support.helpers import add_claims, assert_problem, ids, walk

# Added in this order; the number of `zebraword`s sets the relevance (same length each).
REPEATS = [2, 1, 3, 2, 1, 3, 2]


@pytest.fixture
def zebras(session: Session, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Seven matches and blocks of three: [4, 5, 6], [1, 2, 3], [0] by position added."""
    monkeypatch.setattr(ranking, "CANDIDATES", 3)
    texts = [" ".join(["zebraword"] * n + ["plain"] * (4 - n)) for n in REPEATS]
    return add_claims(session, texts)


def test_relevance_ranks_each_block_of_recent_matches_newest_block_first(
    client: TestClient, zebras: list[str]
) -> None:
    z = zebras
    newest_first = [z[5], z[6], z[4], z[2], z[3], z[1], z[0]]
    assert ids(client.get("/v1/claims?q=zebraword&limit=50")) == newest_first
    assert ids(client.get("/v1/claims?q=zebraword&sort=-relevance")) == newest_first
    ascending = [z[4], z[6], z[5], z[1], z[3], z[2], z[0]]
    assert ids(client.get("/v1/claims?q=zebraword&sort=relevance")) == ascending
    assert [c["id"] for c in client.get("/v1/search?q=zebraword").json()["claims"]] == (
        newest_first
    )


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
def test_walking_relevance_pages_crosses_blocks_without_duplicates_or_gaps(
    client: TestClient, zebras: list[str], limit: int
) -> None:
    one_page = ids(client.get("/v1/claims?q=zebraword&limit=50"))
    walked = walk(client, f"/v1/claims?q=zebraword&limit={limit}&count=true")
    assert [claim["id"] for claim in walked] == one_page
    first = client.get(f"/v1/claims?q=zebraword&limit={limit}&count=true").json()
    assert first["total"] == len(zebras)


def test_claims_added_while_walking_stay_out_of_the_walk(
    client: TestClient, session: Session, zebras: list[str]
) -> None:
    z = zebras
    first = client.get("/v1/claims?q=zebraword&limit=2").json()
    assert [claim["id"] for claim in first["data"]] == [z[5], z[6]]
    add_claims(session, ["zebraword zebraword zebraword zebraword"], prefix="later")
    rest = [
        c["id"]
        for c in walk(client, f"/v1/claims?q=zebraword&limit=2&cursor={first['next_cursor']}")
    ]
    # The cursor holds its block's bounds: a newer claim is never part of an older walk.
    assert "later-000000" not in rest
    assert rest[-1] == z[0]
    if session.get_bind().dialect.name == "postgresql":
        # ts_rank scores one text alone; SQLite's bm25 weighs the whole corpus, so a write
        # between pages may move rows of the current block across the cursor there.
        assert rest == [z[4], z[2], z[3], z[1], z[0]]
    assert ids(client.get("/v1/claims?q=zebraword&limit=1")) == ["later-000000"]


@pytest.mark.parametrize("broad_from", [2, 2000])
@pytest.mark.parametrize(
    ("sort", "order"),
    [("-id", [6, 5, 4, 3, 2, 1, 0]), ("id", [0, 1, 2, 3, 4, 5, 6])],
)
def test_other_sorts_are_exact_over_every_match(
    client: TestClient,
    zebras: list[str],
    monkeypatch: pytest.MonkeyPatch,
    broad_from: int,
    sort: str,
    order: list[int],
) -> None:
    # Both SQLite plans: the matches sorted (few) or the id index walked (broad).
    monkeypatch.setattr(search, "BROAD_MATCHES", broad_from)
    walked = walk(client, f"/v1/claims?q=zebraword&sort={sort}&limit=3")
    assert [claim["id"] for claim in walked] == [zebras[index] for index in order]
    assert all("<mark>zebraword</mark>" in claim["snippet"] for claim in walked)


def test_export_by_relevance_has_the_order_of_the_pages(
    client: TestClient, zebras: list[str]
) -> None:
    response = client.get("/v1/claims.ndjson?q=zebraword&limit=2")
    assert response.status_code == 200
    exported = [orjson.loads(line)["id"] for line in response.text.splitlines()]
    assert exported == ids(client.get("/v1/claims?q=zebraword&limit=50"))


def test_a_relevance_cursor_does_not_continue_another_sort(
    client: TestClient, zebras: list[str]
) -> None:
    cursor = client.get("/v1/claims?q=zebraword&limit=2").json()["next_cursor"]
    response = client.get(f"/v1/claims?q=zebraword&sort=-id&cursor={cursor}")
    assert_problem(response, 400, "invalid-cursor", "cursor")
