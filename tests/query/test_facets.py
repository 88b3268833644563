"""Facets on /v1/claims and /v1/statistics: counts under the current filters, each bucket
selecting exactly its count."""

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import assert_problem

# facet -> the records' field it counts (a list field counts each element)
CLAIM_FACETS = {"speaker": "speaker_id", "topic": "topics", "kind": "kind"}
STATISTIC_FACETS = {"indicator": "indicator", "entity": "entity", "unit": "unit"}


def expected_counts(records: list[dict[str, Any]], field: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in records:
        value = record[field]
        counts.update(value if isinstance(value, list) else [value] if value else [])
    return counts


def check_facets(
    client: TestClient, path: str, filters: str, facets: dict[str, str]
) -> dict[str, Any]:
    records = client.get(f"{path}?limit=500&{filters}").json()["data"]
    body = client.get(f"{path}?limit=1&{filters}&facets={','.join(facets)}").json()
    assert list(body["facets"]) == list(facets)
    for name, field in facets.items():
        buckets = body["facets"][name]
        assert {b["value"]: b["count"] for b in buckets} == dict(expected_counts(records, field))
        assert buckets == sorted(buckets, key=lambda b: (-b["count"], b["value"]))
        # A bucket of a facet whose own filter is set is selected by that filter already.
        for bucket in [] if f"{name}=" in filters else buckets:
            selected = client.get(f"{path}?limit=1&count=true&{filters}&{name}={bucket['value']}")
            assert selected.json()["total"] == bucket["count"], (name, bucket)
    facets_body: dict[str, Any] = body["facets"]
    return facets_body


@pytest.mark.parametrize(
    "filters",
    ["", "kind=direct_quote", "topic=semiconductors", "q=china", "q=china&kind=paraphrase"],
)
def test_claim_facets_count_under_the_filters(client: TestClient, filters: str) -> None:
    check_facets(client, "/v1/claims", filters, CLAIM_FACETS)


@pytest.mark.parametrize("filters", ["", "entity=CHN", "unit=percent", "q=semiconductor"])
def test_statistic_facets_count_under_the_filters(client: TestClient, filters: str) -> None:
    check_facets(client, "/v1/statistics", filters, STATISTIC_FACETS)


def test_facet_labels_are_names(client: TestClient) -> None:
    facets = client.get("/v1/claims?facets=speaker,topic,kind").json()["facets"]
    topics = {t["id"]: t["name"] for t in client.get("/v1/topics?limit=500").json()["data"]}
    speakers = {s["id"]: s["name"] for s in client.get("/v1/speakers?limit=500").json()["data"]}
    assert {b["value"]: b["label"] for b in facets["topic"]} == {
        value: topics[value] for value in (b["value"] for b in facets["topic"])
    }
    assert {b["value"]: b["label"] for b in facets["speaker"]} == {
        value: speakers[value] for value in (b["value"] for b in facets["speaker"])
    }
    assert {"value": "michael-dunford", "label": "Michael Dunford"}.items() <= next(
        b for b in facets["speaker"] if b["value"] == "michael-dunford"
    ).items()
    assert all(b["label"] == b["value"] for b in facets["kind"])


def test_author_statements_are_no_speaker_bucket(client: TestClient) -> None:
    facets = client.get("/v1/claims?kind=author_statement&facets=speaker,kind").json()["facets"]
    assert facets["speaker"] == []
    assert facets["kind"] == [
        {"value": "author_statement", "label": "author_statement", "count": 7}
    ]


def test_only_the_facets_asked_are_counted(client: TestClient) -> None:
    assert "facets" not in client.get("/v1/claims").json()
    assert list(client.get("/v1/statistics?facets=unit").json()["facets"]) == ["unit"]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/claims?facets=",
        "/v1/claims?facets=indicator",
        "/v1/claims?facets=speaker,,kind",
        "/v1/claims?facets=speaker;kind",
        "/v1/statistics?facets=speaker",
        "/v1/speakers?facets=country",
        "/v1/statistics/summary?group_by=unit&facets=unit",
    ],
)
def test_unknown_facets_are_400(client: TestClient, url: str) -> None:
    assert_problem(client.get(url), 400, "invalid-parameter", "facets")
