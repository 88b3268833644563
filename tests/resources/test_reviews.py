"""/v1/reviews: fact-checkers' verdicts on claims and their figures (schema.org ClaimReview),
listed on their own, under a claim or a statistic, embedded with `include=reviews`, exported
as ClaimReview JSON-LD, and written with a key, a reason and If-Match."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import WAFERS, assert_problem, etag_of, ids, retract

EXAMPLE = "example-chn-gdp-growth-2023"
NEW_REVIEW: dict[str, Any] = {
    "id": "wafers-check",
    "claim_id": "nqpf-21",
    "statistic_id": WAFERS,
    "rating": "unverifiable",
    "reviewer": "Test Desk",
    "reviewed_on": "2026-12-01",
    "url": "https://factcheck.example/wafers",
    "explanation": "No public series of monthly wafer capacity to check it against.",
    "reason": "a test review",
}


def test_the_seeded_review_is_an_editorial_example(client: TestClient) -> None:
    review = client.get(f"/v1/reviews/{EXAMPLE}").json()
    assert (review["claim_id"], review["statistic_id"], review["rating"]) == (
        "nqpf-11", "chn-gdp-growth-2023", "accurate"
    )  # fmt: skip
    assert "editorial example" in review["reviewer"]
    assert "not a published fact-check" in review["explanation"]
    assert review["reference_value"] == 5.2
    assert review["reference_source"].startswith("National Bureau of Statistics of China")


def test_a_claim_and_a_statistic_list_their_reviews(client: TestClient) -> None:
    assert ids(client.get("/v1/claims/nqpf-11/reviews")) == [EXAMPLE]
    assert ids(client.get("/v1/statistics/chn-gdp-growth-2023/reviews")) == [EXAMPLE]
    assert ids(client.get("/v1/claims/nqpf-21/reviews")) == []
    assert ids(client.get("/v1/reviews?rating=accurate")) == [EXAMPLE]
    assert ids(client.get("/v1/reviews?rating=misleading")) == []


def test_the_nested_lists_refuse_what_the_path_gives_and_missing_owners(
    client: TestClient,
) -> None:
    assert_problem(client.get("/v1/claims/nqpf-11/reviews?claim=nqpf-21"), 400, "invalid-parameter")
    assert_problem(client.get("/v1/claims/nope/reviews"), 404, "not-found")
    assert_problem(client.get("/v1/statistics/nope/reviews"), 404, "not-found")


def test_include_reviews_embeds_them(client: TestClient) -> None:
    claim = client.get("/v1/claims/nqpf-11?include=reviews").json()
    assert [review["id"] for review in claim["reviews"]] == [EXAMPLE]
    listed = client.get("/v1/statistics?include=reviews&limit=500").json()["data"]
    reviewed = {s["id"]: [r["id"] for r in s["reviews"]] for s in listed if s["reviews"]}
    assert reviewed == {"chn-gdp-growth-2023": [EXAMPLE]}


def test_json_ld_is_a_claim_review_of_the_claim_with_its_rating(client: TestClient) -> None:
    graph = client.get("/v1/reviews?format=jsonld").json()["@graph"]
    [node] = graph
    assert node["@type"] == "ClaimReview"
    assert node["itemReviewed"]["@type"] == "Claim"
    assert node["itemReviewed"]["@id"].endswith("/v1/claims/nqpf-11")
    assert "5.2%" in node["claimReviewed"]
    assert node["reviewRating"] == {
        "@type": "Rating", "alternateName": "accurate", "ratingValue": 5, "bestRating": 5,
        "worstRating": 1,
    }  # fmt: skip
    assert node["author"] == {
        "@type": "Organization", "name": "claimbase editors (editorial example, not a fact-check)"
    }  # fmt: skip
    assert node["datePublished"] == "2026-12-06"
    assert node["about"]["@id"].endswith("/v1/statistics/chn-gdp-growth-2023")


def test_a_review_is_written_with_a_key_a_reason_and_if_match(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    assert_problem(client.post("/v1/reviews", json=NEW_REVIEW), 401, "unauthorized")
    created = client.post("/v1/reviews", json=NEW_REVIEW, headers=write_headers)
    assert created.status_code == 201, created.text
    assert ids(client.get(f"/v1/statistics/{WAFERS}/reviews")) == ["wafers-check"]
    url = "/v1/reviews/wafers-check"
    no_etag = client.patch(url, json={"rating": "misleading", "reason": "r"}, headers=write_headers)
    assert_problem(no_etag, 428, "precondition-required")
    patched = client.patch(
        url,
        json={"rating": "mostly-accurate", "reason": "a source found"},
        headers={**write_headers, "If-Match": etag_of(client, url)},
    )
    assert (patched.json()["rating"], patched.json()["version"]) == ("mostly-accurate", 2)
    node = client.get("/v1/reviews?format=jsonld&rating=mostly-accurate").json()["@graph"][0]
    assert node["reviewRating"]["ratingValue"] == 4
    versions = client.get(f"{url}/versions").json()["data"]
    assert [(v["version"], v["reason"]) for v in versions] == [
        (2, "a source found"), (1, "a test review")
    ]  # fmt: skip


def test_a_reviewed_claim_is_not_retracted_while_its_review_is_live(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    response = retract(client, "/v1/statistics/chn-gdp-growth-2023", write_headers)
    assert f"review {EXAMPLE}" in assert_problem(response, 409, "conflict")["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": "true"}, "rating"),
        ({"claim_id": "nope"}, "claim_id"),
        ({"statistic_id": "chn-gdp-growth-2023"}, "statistic_id"),  # a figure of nqpf-11
        ({"url": "javascript:alert(1)"}, "url"),
        ({"explanation": ""}, "explanation"),
        ({"reviewed_on": "last week"}, "reviewed_on"),
        ({"reference_value": 7.6e6}, "body"),  # without its source
        ({"statistic_id": None, "reference_value": 1.0, "reference_source": "x"}, "body"),
    ],
)
def test_bad_reviews_are_422_naming_the_field(
    client: TestClient, write_headers: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/reviews", json={**NEW_REVIEW, **change}, headers=write_headers)
    assert_problem(response, 422, "invalid-body", field)
