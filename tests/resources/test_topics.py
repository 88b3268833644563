"""GET /v1/topics and /v1/topics/{id}: the seeded topics, sorts, get, 404."""

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import assert_problem, expected_order, field, ids

ALL = "/v1/topics?limit=500"
SEEDED = {
    "new-quality-productive-forces": "New quality productive forces",
    "economic-growth": "Economic growth",
    "technology": "Technology",
    "semiconductors": "Semiconductors",
    "trade": "Trade",
    "sanctions": "Sanctions and export controls",
    "technological-self-reliance": "Technological self-reliance",
    "industrial-policy": "Industrial policy",
    "structural-reform": "Structural reform",
    "global-south": "Global South",
    "industrial-revolution": "Industrial revolution",
    "history": "History",
}


def test_all_topics_listed_in_id_order(client: TestClient) -> None:
    data = client.get("/v1/topics").json()["data"]
    assert {topic["id"]: topic["name"] for topic in data} == SEEDED
    assert [topic["id"] for topic in data] == sorted(SEEDED)


def test_get_topic(client: TestClient) -> None:
    response = client.get("/v1/topics/semiconductors")
    assert response.status_code == 200
    topic = response.json()
    assert set(topic) == {"id", "name", "version", "created_at", "updated_at", "retracted_at"}
    assert (topic["id"], topic["name"], topic["version"]) == ("semiconductors", "Semiconductors", 1)
    assert topic["retracted_at"] is None


def test_every_topic_is_used_by_a_claim(client: TestClient) -> None:
    for topic_id in SEEDED:
        assert ids(client.get(f"/v1/claims?topic={topic_id}")), topic_id


@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name", "-name,-id"])
def test_sorts(client: TestClient, sort: str) -> None:
    everything = client.get(ALL).json()["data"]
    assert ids(client.get(f"{ALL}&sort={sort}")) == expected_order(everything, sort, field)


def test_missing_topic_is_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/topics/astrology"), 404, "not-found")
    assert "astrology" in body["detail"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/topics?sort=claims", "sort"),
        ("/v1/topics?q=trade", "q"),
        ("/v1/topics?name=Trade", "name"),
        ("/v1/topics/trade?sort=id", "sort"),
    ],
)
def test_bad_parameters_are_400(client: TestClient, url: str, parameter: str) -> None:
    assert_problem(client.get(url), 400, "invalid-parameter", parameter)
