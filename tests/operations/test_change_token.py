"""The change token on every backend: each write answers with `Claimbase-Change`, the id of the
change it committed; a read may send it back as `Claimbase-Min-Change` (served by the primary
when there are no replicas); a malformed one is a 400. With replicas: tests/test_replicas.py."""

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.models import Change
from tests.support.helpers import WAFERS, assert_problem, etag_of

NEW_TOPIC = {"id": "chips", "name": "Chips", "reason": "a new topic"}


def committed(session: Session, response: httpx.Response) -> Change:
    """The change row the response's Claimbase-Change names, which must be the newest."""
    assert response.status_code in (200, 201), response.text
    change_id = int(response.headers["claimbase-change"])
    assert change_id == session.execute(select(func.max(Change.id))).scalar()
    change = session.get(Change, change_id)
    assert change is not None
    return change


def test_every_write_names_the_change_it_committed(
    client: TestClient, session: Session, write_headers: dict[str, str]
) -> None:
    created = client.post("/v1/topics", json=NEW_TOPIC, headers=write_headers)
    change = committed(session, created)
    assert (change.resource, change.record_id, change.operation) == ("topic", "chips", "create")

    url = f"/v1/statistics/{WAFERS}"
    headers = {**write_headers, "If-Match": etag_of(client, url)}
    updated = client.patch(url, json={"modality": "approximate", "reason": "r"}, headers=headers)
    change = committed(session, updated)
    assert (change.record_id, change.version, change.operation) == (WAFERS, 2, "update")
    assert int(updated.headers["claimbase-change"]) > int(created.headers["claimbase-change"])

    headers = {**write_headers, "If-Match": updated.headers["etag"]}
    retracted = client.delete(url, params={"reason": "r"}, headers=headers)
    change = committed(session, retracted)
    assert (change.record_id, change.version, change.operation) == (WAFERS, 3, "retract")


def test_a_write_that_changes_nothing_names_the_current_head(
    client: TestClient, session: Session, write_headers: dict[str, str]
) -> None:
    url = "/v1/claims/nqpf-21"
    before = session.execute(select(func.max(Change.id))).scalar()
    headers = {**write_headers, "If-Match": etag_of(client, url)}
    same = client.patch(url, json={"reason": "nothing to change"}, headers=headers)
    assert same.status_code == 200
    assert int(same.headers["claimbase-change"]) == before


def test_an_idempotent_replay_names_the_first_change(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    headers = {**write_headers, "Idempotency-Key": "token-1"}
    first = client.post("/v1/topics", json=NEW_TOPIC, headers=headers)
    again = client.post("/v1/topics", json=NEW_TOPIC, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["claimbase-change"] == first.headers["claimbase-change"]


def test_failed_writes_name_no_change(client: TestClient, write_headers: dict[str, str]) -> None:
    taken = client.post("/v1/topics", json={**NEW_TOPIC, "id": "trade"}, headers=write_headers)
    assert_problem(taken, 409, "conflict")
    assert "claimbase-change" not in taken.headers


@pytest.mark.parametrize("url", ["/v1/claims/nqpf-21", "/v1/claims?limit=2", "/v1/changes"])
@pytest.mark.parametrize("token", ["0", "1", "999999999999999999"])
def test_without_replicas_the_primary_serves_any_change_token(
    client: TestClient, url: str, token: str
) -> None:
    plain = client.get(url)
    with_token = client.get(url, headers={"Claimbase-Min-Change": token})
    assert with_token.status_code == 200
    assert with_token.json() == plain.json()


@pytest.mark.parametrize(
    "token",
    ["", "abc", "-1", "+1", "1.5", "1e3", "0x10", " 1", "1 ", "\u0661", "9999999999999999999"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_malformed_change_token_is_a_400_naming_the_header(
    client: TestClient, token: str, method: str
) -> None:
    response = client.request(
        method, "/v1/claims/nqpf-21", headers={"Claimbase-Min-Change": token.encode()}
    )
    assert response.status_code == 400
    if method == "GET":
        assert_problem(response, 400, "invalid-parameter", "claimbase-min-change")


def test_the_change_token_is_a_read_header_only(client: TestClient) -> None:
    # Probes and documents ignore it: they are not reads of the data.
    assert client.get("/healthz", headers={"Claimbase-Min-Change": "x"}).status_code == 200
