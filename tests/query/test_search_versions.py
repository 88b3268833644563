"""Full-text search, facets, summary and exports over versioned records: the index follows
API writes (corrections, retractions), `q` works `as_of` a past moment, and retracted records
are left out unless asked for, on both backends."""

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.support.helpers import DUNFORD, etag_of, ids
from tests.write.test_versions import moment
from tests.write.test_writes import NEW_CLAIM, NEW_STATISTIC, PRESENCE

SHORTER = "China does already have a very important presence"


def found(client: TestClient, query: str, at: str | None = None) -> list[str]:
    params = {"q": query, "limit": 500, **({"as_of": at} if at else {})}
    response = client.get("/v1/claims", params=params)
    assert response.status_code == 200, response.text
    return ids(response)


def change(client: TestClient, method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
    response = client.request(
        method, url, headers={**headers, "If-Match": etag_of(client, url)}, **kw
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_corrected_text_is_found_by_its_words_now_and_its_old_words_then(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    before_create = moment()
    created = client.post("/v1/claims", json=NEW_CLAIM, headers=write_headers)
    assert created.status_code == 201, created.text
    before_patch = moment()
    change(client, "PATCH", "/v1/claims/presence", write_headers,
           json={"text": SHORTER, "reason": "the quote ends earlier"})  # fmt: skip

    assert "presence" in found(client, "important presence")
    assert "presence" not in found(client, "sector")
    assert "presence" in found(client, "sector", before_patch)
    assert "presence" not in found(client, "sector", before_create)
    # The document found `as_of` is the version of then, with its snippet.
    then = client.get("/v1/claims", params={"q": "sector", "as_of": before_patch, "limit": 500})
    old = next(claim for claim in then.json()["data"] if claim["id"] == "presence")
    assert (old["text"], old["version"]) == (PRESENCE, 1)
    assert (
        old["snippet"]
        == "China does already have a very important presence in this <mark>sector</mark>."
    )
    # Statistics filter through their claim's text of that moment too.
    statistics = client.get("/v1/statistics", params={"q": "sector", "as_of": before_patch})
    assert statistics.status_code == 200, statistics.text


def test_retracted_claims_leave_search_facets_and_exports(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    created = client.post("/v1/claims", json=NEW_CLAIM, headers=write_headers)
    assert created.status_code == 201, created.text
    facets_before = client.get("/v1/claims?q=presence&facets=kind,speaker,topic").json()["facets"]
    before_retract = moment()
    change(client, "DELETE", "/v1/claims/presence", write_headers,
           params={"reason": "duplicate of nqpf-21"})  # fmt: skip

    assert "presence" not in found(client, "presence")
    shown = client.get("/v1/claims", params={"q": "presence", "include_retracted": "true"})
    assert "presence" in ids(shown)
    assert "presence" in found(client, "presence", before_retract)
    searched = client.get("/v1/search", params={"q": "presence"}).json()
    assert "presence" not in [claim["id"] for claim in searched["claims"]]

    facets_after = client.get("/v1/claims?q=presence&facets=kind,speaker,topic").json()["facets"]
    counts = {(name, b["value"]): b["count"] for name, bs in facets_after.items() for b in bs}
    for name, buckets in facets_before.items():
        for bucket in buckets:
            less = 1 if (name, bucket["value"]) in {
                ("kind", "direct_quote"), ("speaker", DUNFORD), ("topic", "semiconductors"),
                ("topic", "technology"),
            } else 0  # fmt: skip
            assert counts.get((name, bucket["value"]), 0) == bucket["count"] - less

    exported = client.get("/v1/claims", params={"q": "presence", "format": "csv"}).text
    assert "presence" not in [row["id"] for row in csv.DictReader(io.StringIO(exported))]
    exported = client.get(
        "/v1/claims", params={"q": "presence", "format": "csv", "include_retracted": "true"}
    ).text
    assert "presence" in [row["id"] for row in csv.DictReader(io.StringIO(exported))]


def test_summary_leaves_out_retracted_figures_and_reads_the_past(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = "/v1/statistics/summary"
    params = {"group_by": "indicator", "indicator": NEW_STATISTIC["indicator"]}

    def count(**extra: str) -> int:
        response = client.get(url, params={**params, **extra})
        assert response.status_code == 200, response.text
        groups = response.json()["data"]
        return int(groups[0]["count"]) if groups else 0

    seeded = count()
    created = client.post("/v1/statistics", json=NEW_STATISTIC, headers=write_headers)
    assert created.status_code == 201, created.text
    assert count() == seeded + 1
    before_retract = moment()
    change(client, "DELETE", f"/v1/statistics/{NEW_STATISTIC['id']}", write_headers,
           params={"reason": "counted twice"})  # fmt: skip
    assert count() == seeded
    assert count(include_retracted="true") == seeded + 1
    assert count(as_of=before_retract) == seeded + 1
