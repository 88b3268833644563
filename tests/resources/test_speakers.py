"""GET /v1/speakers and /v1/speakers/{id}: filters, sorts, get, 404."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.helpers import DUNFORD, add_records, assert_problem, expected_order, field, ids

ALL = "/v1/speakers?limit=500"


@pytest.fixture
def more(client: TestClient, session: Session) -> TestClient:
    add_records(session)
    return client


def test_seeded_speaker(client: TestClient) -> None:
    response = client.get(f"/v1/speakers/{DUNFORD}")
    assert response.status_code == 200
    speaker = response.json()
    assert speaker == {
        **speaker,
        "id": DUNFORD,
        "name": "Michael Dunford",
        "title": "Emeritus Professor",
        "affiliation": "University of Sussex",
        "country": "GBR",
        "version": 1,
        "retracted_at": None,
    }
    assert set(speaker) == {
        "id", "name", "title", "affiliation", "country", "version", "created_at", "updated_at",
        "retracted_at",
    }  # fmt: skip
    assert client.get("/v1/speakers").json() == {"data": [speaker], "next_cursor": None}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=GBR", ["ada-lovelace", "ada-lovelace-2", DUNFORD]),
        ("country=CHN", ["zhang-wei"]),
        ("country=CHN,GBR", ["ada-lovelace", "ada-lovelace-2", DUNFORD, "zhang-wei"]),
        ("country=USA", []),
        ("q=ADA", ["ada-lovelace", "ada-lovelace-2"]),
        ("q=dunford", [DUNFORD]),
        ("q=%25", []),
        ("country=GBR&q=love", ["ada-lovelace", "ada-lovelace-2"]),
        ("country=CHN&q=love", []),
    ],
)
def test_filters(more: TestClient, query: str, expected: list[str]) -> None:
    assert ids(more.get(f"{ALL}&{query}")) == expected


@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name", "-name,id", "name,-id"])
def test_sorts(more: TestClient, sort: str) -> None:
    everything = more.get(ALL).json()["data"]
    assert len(everything) == 4
    assert ids(more.get(f"{ALL}&sort={sort}")) == expected_order(everything, sort, field)


def test_missing_speaker_is_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/speakers/nobody"), 404, "not-found")
    assert "nobody" in body["detail"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/speakers?sort=country", "sort"),
        ("/v1/speakers?country=G%20B", "country"),
        ("/v1/speakers?q=", "q"),
        ("/v1/speakers?include=source", "include"),
        (f"/v1/speakers/{DUNFORD}?include=claims", "include"),
        ("/v1/speakers/bad%20id", "speaker_id"),
    ],
)
def test_bad_parameters_are_400(client: TestClient, url: str, parameter: str) -> None:
    assert_problem(client.get(url), 400, "invalid-parameter", parameter)
