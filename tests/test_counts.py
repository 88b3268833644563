"""count=true: `total` is the number of records the list walks through, for every filter."""

from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.helpers import DUNFORD, walk

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
