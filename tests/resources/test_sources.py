"""GET /v1/sources and /v1/sources/{id}: metadata, text integrity, filters, sorts, 404."""

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from seed.bundle import DATA_DIR
from tests.support.helpers import SOURCE_ID, add_records, assert_problem, expected_order, field, ids

ALL = "/v1/sources?limit=500"


@pytest.fixture
def more(client: TestClient, session: Session) -> TestClient:
    add_records(session)
    return client


def test_seeded_source_metadata(client: TestClient) -> None:
    response = client.get(f"/v1/sources/{SOURCE_ID}")
    assert response.status_code == 200
    source = response.json()
    assert source == {
        **source,
        "title": "New quality productive forces to fuel global industrial progress",
        "publisher": "Chinese Social Sciences Today",
        "authors": ["Bai Le"],
        "editors": ["Chen Mirong"],
        "published_on": "2024-05-20",
        "language": "en",
        "url": None,
        "version": 1,
    }
    assert source["standfirst"].startswith("China\u2019s focus on new quality productive forces")


def test_text_is_the_file_and_sha256_matches(client: TestClient) -> None:
    source = client.get(f"/v1/sources/{SOURCE_ID}").json()
    on_disk = (DATA_DIR / "sources" / f"{SOURCE_ID}.txt").read_text(encoding="utf-8")
    assert source["text"] == on_disk
    assert source["sha256"] == hashlib.sha256(source["text"].encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("publisher=Chinese%20Social%20Sciences%20Today", [SOURCE_ID, "z-2024-note"]),
        ("publisher=Example%20Press,Nobody", ["a-2023-report"]),
        ("language=zh", ["a-2023-report"]),
        ("language=en,zh", ["a-2023-report", SOURCE_ID, "z-2024-note"]),
        ("published_after=2024-05-19", [SOURCE_ID, "z-2024-note"]),
        ("published_after=2024-05-20", []),
        ("published_before=2024-05-20", ["a-2023-report"]),
        ("published_after=2023-01-01&published_before=2024-01-01", ["a-2023-report"]),
        ("q=PRODUCTIVE", [SOURCE_ID]),
        ("q=note", ["z-2024-note"]),
        ("q=_", []),
        ("language=en&q=trade", ["z-2024-note"]),
    ],
)
def test_filters(more: TestClient, query: str, expected: list[str]) -> None:
    assert ids(more.get(f"{ALL}&{query}")) == expected


@pytest.mark.parametrize(
    "sort",
    ["id", "-id", "published_on", "-published_on", "title", "-title", "-published_on,title"],
)
def test_sorts(more: TestClient, sort: str) -> None:
    everything = more.get(ALL).json()["data"]
    assert len(everything) == 3
    assert ids(more.get(f"{ALL}&sort={sort}")) == expected_order(everything, sort, field)


def test_missing_source_is_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/sources/nothing-here"), 404, "not-found")
    assert "nothing-here" in body["detail"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/sources?sort=publisher", "sort"),
        ("/v1/sources?published_after=yesterday", "published_after"),
        ("/v1/sources?language=e%20n", "language"),
        ("/v1/sources?publisher=%01", "publisher"),
        (f"/v1/sources/{SOURCE_ID}?include=claims", "include"),
    ],
)
def test_bad_parameters_are_400(client: TestClient, url: str, parameter: str) -> None:
    assert_problem(client.get(url), 400, "invalid-parameter", parameter)
