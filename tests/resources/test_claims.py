"""GET /v1/claims and /v1/claims/{id}: filters, combinations, includes."""

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import DUNFORD, SOURCE_ID, assert_problem, ids, walk

ALL = "/v1/claims?limit=500"


def test_list_returns_envelope_in_id_order(client: TestClient) -> None:
    response = client.get("/v1/claims")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"data", "next_cursor"}
    assert body["next_cursor"] is None
    claim_ids = [claim["id"] for claim in body["data"]]
    assert claim_ids == sorted(claim_ids)
    assert len(claim_ids) == 34


def test_claim_document_shape(client: TestClient) -> None:
    claim = client.get("/v1/claims/nqpf-21").json()
    assert claim["kind"] == "direct_quote"
    assert claim["speaker_id"] == DUNFORD
    assert claim["source_id"] == SOURCE_ID
    assert "7.6 million pieces" in claim["text"]
    assert claim["topics"] == sorted(claim["topics"])
    assert "semiconductors" in claim["topics"]
    assert claim["version"] == 1
    assert set(claim) == {
        "id", "kind", "text", "span", "section", "paragraph", "citation", "speaker_id",
        "source_id", "topics", "version", "created_at", "updated_at", "retracted_at",
    }  # fmt: skip


def test_every_claim_text_is_verbatim_at_its_span(client: TestClient) -> None:
    text = client.get(f"/v1/sources/{SOURCE_ID}").json()["text"]
    for claim in client.get(ALL).json()["data"]:
        assert text[claim["span"]["start"] : claim["span"]["end"]] == claim["text"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("speaker=michael-dunford", lambda c: c["speaker_id"] == DUNFORD),
        ("speaker=nobody", lambda c: False),
        (f"source={SOURCE_ID}", lambda c: True),
        ("kind=direct_quote", lambda c: c["kind"] == "direct_quote"),
        ("kind=paraphrase,author_statement", lambda c: c["kind"] != "direct_quote"),
        ("topic=semiconductors", lambda c: "semiconductors" in c["topics"]),
        ("topic=trade,semiconductors", lambda c: {"trade", "semiconductors"} & set(c["topics"])),
        ("q=SEMICONDUCTOR&sort=id", lambda c: "semiconductor" in c["text"].lower()),
        ("published_after=2024-05-19", lambda c: True),
        ("published_after=2024-05-20", lambda c: False),
        ("published_before=2024-05-21", lambda c: True),
        ("published_before=2024-05-20", lambda c: False),
        (
            "kind=direct_quote&topic=semiconductors",
            lambda c: c["kind"] == "direct_quote" and "semiconductors" in c["topics"],
        ),
        (
            "speaker=michael-dunford&kind=paraphrase&q=china&sort=id",
            lambda c: c["kind"] == "paraphrase" and "china" in c["text"].lower(),
        ),
    ],
)
def test_filters_select_exactly_the_matching_claims(
    client: TestClient, query: str, expected: object
) -> None:
    assert callable(expected)
    everything = client.get(ALL).json()["data"]
    want = [claim["id"] for claim in everything if expected(claim)]
    assert ids(client.get(f"{ALL}&{query}")) == want


def test_filters_are_not_trivial(client: TestClient) -> None:
    counts = {
        query: len(ids(client.get(f"{ALL}&{query}")))
        for query in ("kind=direct_quote", "kind=paraphrase", "kind=author_statement",
                      "topic=semiconductors", "q=semiconductor")
    }  # fmt: skip
    assert counts == {
        "kind=direct_quote": 11,
        "kind=paraphrase": 16,
        "kind=author_statement": 7,
        "topic=semiconductors": counts["topic=semiconductors"],
        "q=semiconductor": 2,
    }
    assert 0 < counts["topic=semiconductors"] < 34


def test_author_statements_have_no_speaker(client: TestClient) -> None:
    for claim in client.get(f"{ALL}&kind=author_statement").json()["data"]:
        assert claim["speaker_id"] is None


def test_include_embeds_speaker_source_and_statistics(client: TestClient) -> None:
    claim = client.get("/v1/claims/nqpf-21?include=speaker,source,statistics").json()
    assert claim["speaker"]["name"] == "Michael Dunford"
    assert claim["source"]["id"] == SOURCE_ID
    figures = {s["id"]: s["value"] for s in claim["statistics"]}
    assert figures["chn-monthly-wafer-capacity"] == 7_600_000
    assert figures["chn-global-semiconductor-capacity-share"] == 25.7
    assert all(s["claim_id"] == "nqpf-21" for s in claim["statistics"])


def test_include_in_lists_embeds_per_record(client: TestClient) -> None:
    records = walk(client, "/v1/claims?limit=7&include=speaker,statistics")
    assert len(records) == 34
    for claim in records:
        assert (claim["speaker"] is None) == (claim["speaker_id"] is None)
        assert "source" not in claim
        assert all(s["claim_id"] == claim["id"] for s in claim["statistics"])
    assert sum(len(claim["statistics"]) for claim in records) == 7


def test_get_missing_claim_is_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/claims/nqpf-99"), 404, "not-found")
    assert "nqpf-99" in body["detail"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/claims?kind=quote", "kind"),
        ("/v1/claims?include=speakers", "include"),
        ("/v1/claims?published_after=2023-02-30", "published_after"),
        ("/v1/claims?speaker=a%20b", "speaker"),
        ("/v1/claims?q=", "q"),
        ("/v1/claims?foo=bar", "foo"),
        ("/v1/claims/nqpf-21?include=topics", "include"),
        ("/v1/claims/nqpf-21?limit=3", "limit"),
    ],
)
def test_bad_claim_parameters_are_400(client: TestClient, url: str, parameter: str) -> None:
    assert_problem(client.get(url), 400, "invalid-parameter", parameter)
