"""List statements are built once per query shape and kept (`shaped` in app/resources/kernel.py):
each request of a shape runs them with its own values, never with those of the request that
built them; its page, count, facets and export alike."""

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app.resources.kernel import without_values
from app.store.temporal import CURRENT
from tests.support.helpers import walk

# Lists of one shape (a kind and a topic; a unit and a range), each asked in turn with other
# values: the first builds the statements, the others run them.
KINDS = ["direct_quote", "paraphrase", "author_statement"]
RANGES = [("1", "5"), ("5", "100"), ("-10", "2")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_shape_runs_with_the_values_of_each_request(client: TestClient, kind: str) -> None:
    url = f"/v1/claims?kind={kind}"
    records = walk(client, f"{url}&limit=2")
    assert records, kind
    assert {record["kind"] for record in records} == {kind}
    counted = client.get(f"{url}&count=true&facets=kind&limit=2").json()
    assert counted["total"] == len(records)
    assert [bucket["value"] for bucket in counted["facets"]["kind"]] == [kind]
    exported = client.get(url.replace("/v1/claims", "/v1/claims.csv"))
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["id"] for row in rows] == [record["id"] for record in records]


@pytest.mark.parametrize(("low", "high"), RANGES)
def test_a_range_runs_with_its_own_bounds(client: TestClient, low: str, high: str) -> None:
    url = f"/v1/statistics?unit=percent&value_gte={low}&value_lt={high}&sort=-value"
    records = walk(client, f"{url}&limit=2")
    assert all(float(low) <= record["value"] < float(high) for record in records)
    every = walk(client, "/v1/statistics?unit=percent&limit=50")
    expected = [r["id"] for r in every if float(low) <= r["value"] < float(high)]
    assert sorted(record["id"] for record in records) == sorted(expected)
    assert client.get(f"{url}&count=true").json()["total"] == len(expected)


def test_a_kept_statement_needs_its_values(session: Session) -> None:
    claims = CURRENT.claim.c
    kept = without_values(select(claims.id).where(claims.speaker_id == bindparam("speaker", "x")))
    with pytest.raises(StatementError, match="A value is required for bind parameter 'speaker'"):
        session.connection().execute(kept)
    assert session.connection().execute(kept, {"speaker": "nobody"}).all() == []


def test_a_value_bound_by_no_name_is_refused() -> None:
    claims = CURRENT.claim.c
    with pytest.raises(ValueError, match="binds a value by no name"):
        without_values(select(claims.id).where(claims.speaker_id == "x"))
