"""count=true: `total` is the number of records the list walks through, for every filter."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import DUNFORD, SOURCE_ID, etag_of, walk

LISTS = [
    "/v1/claims",
    "/v1/claims?topic=semiconductors",
    "/v1/claims?topic=semiconductors,trade",
    f"/v1/claims?speaker={DUNFORD}&topic=technology",
    "/v1/claims?kind=direct_quote&sort=-kind",
    "/v1/claims?q=semiconductor",
    "/v1/statistics",
    "/v1/statistics?topic=economic-growth",
    "/v1/statistics?unit=percent&value_gt=1&sort=-value",
    "/v1/statistics?q=growth&sort=-value",
    "/v1/speakers?sort=-name",
    "/v1/sources",
]
# Lists hide retracted records unless asked; the count follows the same filter either way.
LISTS += [f"{url}{'&' if '?' in url else '?'}include_retracted=true" for url in LISTS[:4]]


@pytest.mark.parametrize("url", LISTS)
def test_total_counts_every_record_listed(client: TestClient, url: str) -> None:
    separator = "&" if "?" in url else "?"
    records = walk(client, f"{url}{separator}limit=2")
    assert records, url
    response = client.get(f"{url}{separator}count=true&limit=2")
    assert response.status_code == 200, response.text
    assert response.json()["total"] == len(records)
    assert len({record["id"] for record in records}) == len(records)


def test_statistics_carry_their_claims_speaker_and_source(client: TestClient) -> None:
    statistics = walk(client, "/v1/statistics?limit=50")
    claims = {claim["id"]: claim for claim in walk(client, "/v1/claims?limit=50")}
    assert statistics
    for statistic in statistics:
        claim = claims[statistic["claim_id"]]
        assert statistic["speaker_id"] == claim["speaker_id"]
        assert statistic["source_id"] == claim["source_id"]


@pytest.mark.parametrize("url", LISTS[:10])
def test_as_of_now_lists_and_counts_what_the_current_tables_do(
    client: TestClient, url: str
) -> None:
    # The same filters, sorts and counts run over the tables as of a moment (live rows and
    # history twins): at a moment after every write they must agree with the current ones.
    separator = "&" if "?" in url else "?"
    now = datetime.now(UTC).isoformat()
    current = walk(client, f"{url}{separator}limit=3")
    past_url = f"{url}{separator}as_of={quote(now)}"
    past = walk(client, f"{past_url}&limit=3")
    assert [record["id"] for record in past] == [record["id"] for record in current]
    assert past == current
    response = client.get(f"{past_url}&count=true&limit=3")
    assert response.status_code == 200, response.text
    assert response.json()["total"] == len(current)


# Lists whose count=true is answered from claim_topic's copies of each claim's speaker and
# retraction, after the writes below moved claims between speakers, topics and retraction.
AFTER_WRITES = [
    f"/v1/claims?topic=semiconductors&speaker={DUNFORD}",
    "/v1/claims?topic=semiconductors&speaker=new-voice",
    "/v1/claims?topic=trade&speaker=new-voice",
    "/v1/claims?topic=trade",
    "/v1/claims?topic=semiconductors,trade",
    "/v1/claims?topic=sanctions&kind=direct_quote",
]
AFTER_WRITES += [f"{url}&include_retracted=true" for url in AFTER_WRITES]


def _write(
    client: TestClient, method: str, url: str, headers: dict[str, str], **kwargs: Any
) -> None:
    if method != "POST":
        headers = {**headers, "If-Match": etag_of(client, url)}
    response = client.request(method, url, headers=headers, **kwargs)
    assert response.status_code in {200, 201}, response.text


def test_topic_counts_follow_every_claim_write(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    speaker = {"id": "new-voice", "name": "New Voice", "reason": "r"}
    _write(client, "POST", "/v1/speakers", write_headers, json=speaker)
    claim = {
        "id": "presence",
        "source_id": SOURCE_ID,
        "speaker_id": DUNFORD,
        "kind": "direct_quote",
        "topics": ["semiconductors", "technology"],
        "text": "China does already have a very important presence in this sector.",
        "reason": "r",
    }
    _write(client, "POST", "/v1/claims", write_headers, json=claim)
    # Another speaker and other topics at once; another speaker alone; a retraction.
    moved = {"speaker_id": "new-voice", "topics": ["semiconductors", "trade"], "reason": "r"}
    _write(client, "PATCH", "/v1/claims/presence", write_headers, json=moved)
    voice = {"speaker_id": "new-voice", "reason": "r"}
    _write(client, "PATCH", "/v1/claims/nqpf-21", write_headers, json=voice)
    _write(client, "DELETE", "/v1/claims/presence", write_headers, params={"reason": "r"})
    for url in AFTER_WRITES:
        records = walk(client, f"{url}&limit=2")
        response = client.get(f"{url}&count=true&limit=2")
        assert response.status_code == 200, response.text
        assert response.json()["total"] == len(records), url
