"""POST, PATCH (merge patch) and DELETE (retract): validation like the seed, one transaction
per write, and nothing written on any error."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import (
    DUNFORD,
    SOURCE_ID,
    WAFERS,
    assert_problem,
    change_count,
    etag_of,
    ids,
)

PRESENCE = "China does already have a very important presence in this sector."
NEW_CLAIM: dict[str, Any] = {
    "id": "presence",
    "source_id": SOURCE_ID,
    "speaker_id": DUNFORD,
    "kind": "direct_quote",
    "topics": ["semiconductors", "technology"],
    "text": PRESENCE,
    "reason": "missed by the first extraction",
}
NEW_STATISTIC: dict[str, Any] = {
    "id": "chn-semiconductor-share-again",
    "claim_id": "nqpf-21",
    "indicator": "share_of_global_semiconductor_capacity",
    "entity": "CHN",
    "value": 25.7,
    "unit": "percent",
    "display": "25.7%",
    "period": {"label": "2024", "start": "2024-01-01", "end": "2024-12-31"},
    "reason": "r",
}
NEW_RECORDS: list[tuple[str, dict[str, Any]]] = [
    ("topics", {"id": "chips", "name": "Chips", "reason": "new subject"}),
    ("speakers", {"id": "jane-doe", "name": "Jane Doe", "country": "GBR", "reason": "r"}),
    ("claims", NEW_CLAIM),
    (
        "sources",
        {
            "id": "short-note",
            "title": "A note",
            "publisher": "Example",
            "authors": ["A. Writer"],
            "published_on": "2026-01-02",
            "language": "en",
            "text": "Output rose 3% in 2025.",
            "reason": "r",
        },
    ),
]


def patch(client: TestClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.patch(url, json=body, headers={**headers, "If-Match": etag_of(client, url)})


@pytest.mark.parametrize(("plural", "body"), NEW_RECORDS)
def test_create_returns_201_with_version_1_and_location(
    client: TestClient, write_headers: dict[str, str], plural: str, body: dict[str, Any]
) -> None:
    response = client.post(f"/v1/{plural}", json=body, headers=write_headers)
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["id"] == body["id"]
    assert document["version"] == 1
    assert document["retracted_at"] is None
    assert "reason" not in document
    assert response.headers["location"].endswith(f"/v1/{plural}/{body['id']}")
    assert response.headers["etag"] == f'"{plural[:-1]}-{body["id"]}-v1"'
    assert client.get(f"/v1/{plural}/{body['id']}").json() == document
    versions = client.get(f"/v1/{plural}/{body['id']}/versions").json()["data"]
    assert [(v["version"], v["operation"], v["author"], v["reason"]) for v in versions] == [
        (1, "create", "editor", body["reason"])
    ]


def test_created_claim_gets_its_span_recomputed(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    claim = client.post("/v1/claims", json=NEW_CLAIM, headers=write_headers).json()
    text = client.get(f"/v1/sources/{SOURCE_ID}").json()["text"]
    assert text[claim["span"]["start"] : claim["span"]["end"]] == PRESENCE
    assert claim["topics"] == ["semiconductors", "technology"]


def test_created_statistic_is_placed_in_its_claim(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    statistic = client.post("/v1/statistics", json=NEW_STATISTIC, headers=write_headers).json()
    text = client.get(f"/v1/sources/{SOURCE_ID}").json()["text"]
    assert text[statistic["span"]["start"] : statistic["span"]["end"]] == "25.7%"
    assert statistic["speaker_id"] == DUNFORD


@pytest.mark.parametrize(
    ("plural", "body", "status", "slug", "field"),
    [
        ("claims", {**NEW_CLAIM, "text": "Not in the article."}, 422, "invalid-body", "text"),
        ("claims", {**NEW_CLAIM, "source_id": "nope"}, 422, "invalid-body", "source_id"),
        ("claims", {**NEW_CLAIM, "speaker_id": "nobody"}, 422, "invalid-body", "speaker_id"),
        ("claims", {**NEW_CLAIM, "topics": ["nope"]}, 422, "invalid-body", "topics"),
        ("claims", {**NEW_CLAIM, "kind": "author_statement"}, 422, "invalid-body", "body"),
        ("claims", {**NEW_CLAIM, "colour": "red"}, 422, "invalid-body", "colour"),
        (
            "claims",
            {k: v for k, v in NEW_CLAIM.items() if k != "reason"},
            422,
            "invalid-body",
            "reason",
        ),
        ("claims", {**NEW_CLAIM, "id": "nqpf-21"}, 409, "conflict", None),
        ("claims", {**NEW_CLAIM, "text": "China"}, 422, "invalid-body", "text"),
        ("topics", {"id": "Bad Id", "name": "x", "reason": "r"}, 422, "invalid-body", "id"),
        ("statistics", {**NEW_STATISTIC, "id": "summary"}, 422, "invalid-body", "id"),
        ("statistics", {**NEW_STATISTIC, "display": "99.9%"}, 422, "invalid-body", "display"),
        ("statistics", {**NEW_STATISTIC, "value": "many"}, 422, "invalid-body", "value"),
        ("statistics", {**NEW_STATISTIC, "claim_id": "nope"}, 422, "invalid-body", "claim_id"),
        (
            "statistics",
            {**NEW_STATISTIC, "period": {"label": "x", "start": "2024-12-31", "end": "2024-01-01"}},
            422,
            "invalid-body",
            "period",
        ),
    ],
)
def test_bad_creates_are_refused_and_write_nothing(
    client: TestClient,
    write_headers: dict[str, str],
    plural: str,
    body: dict[str, Any],
    status: int,
    slug: str,
    field: str | None,
) -> None:
    before = change_count(client)
    problem = assert_problem(
        client.post(f"/v1/{plural}", json=body, headers=write_headers), status, slug
    )
    if field is not None:
        assert field in [error["name"] for error in problem["errors"]], problem
    assert change_count(client) == before
    if status == 422 and field != "id":
        assert client.get(f"/v1/{plural}/{body['id']}").status_code == 404


def test_merge_patch_changes_only_what_it_names(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = f"/v1/statistics/{WAFERS}"
    old = client.get(url).json()
    response = patch(
        client, url, {"period": {"label": "May 2024"}, "reason": "label it"}, write_headers
    )
    assert response.status_code == 200, response.text
    new = response.json()
    assert new["period"] == {**old["period"], "label": "May 2024"}
    assert new["version"] == 2
    assert {k: v for k, v in new.items() if k not in ("period", "version", "updated_at")} == {
        k: v for k, v in old.items() if k not in ("period", "version", "updated_at")
    }
    versions = client.get(f"{url}/versions").json()["data"]
    assert versions[0]["changed_fields"] == ["period"]
    assert versions[0]["reason"] == "label it"


def test_merge_patch_null_removes_an_optional_field(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = f"/v1/speakers/{DUNFORD}"
    response = patch(client, url, {"title": None, "reason": "unknown title"}, write_headers)
    assert response.status_code == 200, response.text
    assert response.json()["title"] is None
    required = patch(client, url, {"name": None, "reason": "r"}, write_headers)
    assert_problem(required, 422, "invalid-body", "name")


def test_patch_that_changes_nothing_makes_no_version(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = f"/v1/statistics/{WAFERS}"
    response = patch(client, url, {"value": 7600000, "reason": "same"}, write_headers)
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert len(client.get(f"{url}/versions").json()["data"]) == 1


def test_patch_refuses_changing_the_id(client: TestClient, write_headers: dict[str, str]) -> None:
    url = "/v1/topics/trade"
    assert_problem(
        patch(client, url, {"id": "commerce", "reason": "r"}, write_headers),
        422,
        "invalid-body",
        "id",
    )


def test_changing_claim_text_respans_and_versions_its_statistics(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = "/v1/claims/nqpf-21"
    old = client.get(f"{url}?include=statistics").json()
    shorter = old["text"][old["text"].index("the revocation") :]
    response = patch(client, url, {"text": shorter, "reason": "quote starts later"}, write_headers)
    assert response.status_code == 200, response.text
    claim = client.get(f"{url}?include=statistics").json()
    source = client.get(f"/v1/sources/{SOURCE_ID}").json()["text"]
    assert source[claim["span"]["start"] : claim["span"]["end"]] == shorter
    assert len(claim["statistics"]) == len(old["statistics"]) == 4
    for statistic, before in zip(claim["statistics"], old["statistics"], strict=True):
        assert source[statistic["span"]["start"] : statistic["span"]["end"]] == statistic["display"]
        assert statistic["span"] == before["span"]  # the same words, so the same place
        assert statistic["version"] == 1


def test_claim_text_that_drops_a_figure_is_409_and_writes_nothing(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    before = change_count(client)
    url = "/v1/claims/nqpf-21"
    response = patch(client, url, {"text": PRESENCE, "reason": "r"}, write_headers)
    body = assert_problem(response, 409, "conflict")
    assert "asml-restricted-process-node" in body["detail"]
    assert change_count(client) == before
    assert client.get(url).json()["version"] == 1


def test_source_text_that_moves_claims_is_409(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = f"/v1/sources/{SOURCE_ID}"
    text = client.get(url).json()["text"]
    assert_problem(
        patch(client, url, {"text": "Preface. " + text, "reason": "r"}, write_headers),
        409,
        "conflict",
    )
    appended = patch(
        client, url, {"text": text + "\nCorrection appended.", "reason": "r"}, write_headers
    )
    assert appended.status_code == 200, appended.text
    assert appended.json()["version"] == 2


def test_retract_hides_from_lists_and_answers_410(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = f"/v1/statistics/{WAFERS}"
    response = client.delete(
        url,
        params={"reason": "duplicate"},
        headers={**write_headers, "If-Match": etag_of(client, url)},
    )
    assert response.status_code == 200, response.text
    assert response.json()["retracted_at"] is not None
    assert response.json()["version"] == 2
    gone = assert_problem(client.get(url), 410, "gone")
    assert gone["retracted_by"] == "editor"
    assert gone["reason"] == "duplicate"
    assert gone["retracted_at"] == response.json()["retracted_at"]
    assert WAFERS not in ids(client.get("/v1/statistics"))
    assert WAFERS in ids(client.get("/v1/statistics?include_retracted=true"))
    claim = client.get("/v1/claims/nqpf-21?include=statistics").json()
    assert WAFERS not in [s["id"] for s in claim["statistics"]]
    versions = client.get(f"{url}/versions").json()["data"]
    assert [v["operation"] for v in versions] == ["retract", "create"]
    assert client.get(f"{url}/versions/1").json()["retracted_at"] is None
    # A retracted record cannot be written to.
    assert_problem(
        client.patch(
            url, json={"value": 1, "reason": "r"}, headers={**write_headers, "If-Match": "*"}
        ),
        410,
        "gone",
    )


@pytest.mark.parametrize(
    ("url", "blocker"),
    [
        ("/v1/claims/nqpf-21", "statistic"),
        (f"/v1/sources/{SOURCE_ID}", "claim"),
        (f"/v1/speakers/{DUNFORD}", "claim"),
        ("/v1/topics/semiconductors", "claim"),
    ],
)
def test_retracting_a_record_others_depend_on_is_409(
    client: TestClient, write_headers: dict[str, str], url: str, blocker: str
) -> None:
    before = change_count(client)
    response = client.delete(
        url, params={"reason": "r"}, headers={**write_headers, "If-Match": etag_of(client, url)}
    )
    assert blocker in assert_problem(response, 409, "conflict")["detail"]
    assert change_count(client) == before


@pytest.mark.parametrize("params", [{}, {"reason": ""}, {"reason": "r", "cascade": "true"}])
def test_retract_needs_a_reason(
    client: TestClient, write_headers: dict[str, str], params: dict[str, str]
) -> None:
    url = f"/v1/statistics/{WAFERS}"
    response = client.delete(
        url, params=params, headers={**write_headers, "If-Match": etag_of(client, url)}
    )
    assert_problem(response, 400, "invalid-parameter")
    assert client.get(url).status_code == 200


def test_writes_to_missing_records_are_404(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    headers = {**write_headers, "If-Match": "*"}
    assert_problem(
        client.patch("/v1/claims/nope", json={"reason": "r"}, headers=headers), 404, "not-found"
    )
    assert_problem(
        client.delete("/v1/claims/nope", params={"reason": "r"}, headers=headers), 404, "not-found"
    )


def test_idempotency_key_replays_and_refuses_another_body(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    headers = {**write_headers, "Idempotency-Key": "create-chips-1"}
    body = {"id": "chips", "name": "Chips", "reason": "r"}
    first = client.post("/v1/topics", json=body, headers=headers)
    assert first.status_code == 201
    before = change_count(client)
    again = client.post("/v1/topics", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert change_count(client) == before
    other = client.post("/v1/topics", json={**body, "name": "Other"}, headers=headers)
    assert_problem(other, 409, "idempotency-key-reused")
    assert client.get("/v1/topics/chips").json()["name"] == "Chips"
    assert change_count(client) == before
    # Without the key, the same body is a second create of a taken id.
    assert_problem(client.post("/v1/topics", json=body, headers=write_headers), 409, "conflict")


def test_a_claim_moved_to_another_occurrence_moves_its_figures_in_new_versions(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    sentence = "Output rose 3% in 2025."
    source = {"id": "twice", "title": "t", "publisher": "p", "authors": [], "language": "en",
              "published_on": "2026-01-02", "text": f"{sentence} {sentence}",
              "reason": "r"}  # fmt: skip
    claim = {"id": "rise", "source_id": "twice", "kind": "author_statement",
             "text": sentence, "occurrence": 1, "reason": "r"}  # fmt: skip
    figure = {**NEW_STATISTIC, "id": "rise-3", "claim_id": "rise", "display": "3%", "value": 3}
    for plural, body in (("sources", source), ("claims", claim), ("statistics", figure)):
        assert client.post(f"/v1/{plural}", json=body, headers=write_headers).status_code == 201
    assert client.get("/v1/statistics/rise-3").json()["span"] == {"start": 12, "end": 14}
    moved = patch(
        client, "/v1/claims/rise", {"occurrence": 2, "reason": "the second one"}, write_headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["span"] == {"start": 24, "end": 47}
    statistic = client.get("/v1/statistics/rise-3").json()
    assert statistic["span"] == {"start": 36, "end": 38}
    assert statistic["version"] == 2
    history = client.get("/v1/statistics/rise-3/versions").json()["data"][0]
    assert (history["changed_fields"], history["reason"]) == (["span"], "the second one")
    ambiguous = {**claim, "id": "rise-again", "occurrence": None}
    assert_problem(
        client.post("/v1/claims", json=ambiguous, headers=write_headers),
        422,
        "invalid-body",
        "text",
    )


def test_a_created_statistic_is_asserted_unless_it_says_otherwise(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    created = client.post("/v1/statistics", json=NEW_STATISTIC, headers=write_headers)
    assert created.json()["modality"] == "asserted"
    hedged = {**NEW_STATISTIC, "id": "chn-5nm-again", "display": "5nm", "value": 5,
              "unit": "nanometres", "modality": "possible"}  # fmt: skip
    response = client.post("/v1/statistics", json=hedged, headers=write_headers)
    assert response.status_code == 201, response.text
    assert client.get("/v1/statistics/chn-5nm-again").json()["modality"] == "possible"


WAFER_URL = f"/v1/statistics/{WAFERS}"
# A figure's words and its value, unit and modality must agree, on every write. Each case: the
# body (a create) or the patch of the wafer figure, and the fields the 422 must name.
DISAGREEING_CREATES: list[tuple[dict[str, Any], set[str]]] = [
    ({**NEW_STATISTIC, "value": 25.8}, {"value", "display"}),
    ({**NEW_STATISTIC, "value": 0.257}, {"value", "display"}),
    ({**NEW_STATISTIC, "unit": "nanometres"}, {"unit", "display"}),
    ({**NEW_STATISTIC, "display": "7nm", "value": 7}, {"unit", "display"}),
    ({**NEW_STATISTIC, "display": "7.6 million pieces", "value": 7.6}, {"value", "display"}),
    ({**NEW_STATISTIC, "modality": "likely"}, {"modality"}),
]
DISAGREEING_PATCHES: list[tuple[dict[str, Any], set[str]]] = [
    ({"value": 7_650_000}, {"value", "display"}),  # the display still says 7.6 million
    ({"value": 7.6}, {"value", "display"}),
    ({"display": "25.7%"}, {"value", "unit", "display"}),
    ({"display": "7.65 million pieces", "value": 7_650_000}, {"display"}),  # not in the claim
    ({"unit": "percent"}, set()),  # the display states no unit: the context decides
    ({"modality": "sure"}, {"modality"}),
]


@pytest.mark.parametrize(("body", "fields"), DISAGREEING_CREATES)
def test_a_figure_that_disagrees_with_its_display_is_not_created(
    client: TestClient, write_headers: dict[str, str], body: dict[str, Any], fields: set[str]
) -> None:
    before = change_count(client)
    problem = assert_problem(
        client.post("/v1/statistics", json=body, headers=write_headers), 422, "invalid-body"
    )
    assert {error["name"] for error in problem["errors"]} == fields, problem
    assert change_count(client) == before
    assert_problem(client.get(f"/v1/statistics/{body['id']}"), 404, "not-found")


@pytest.mark.parametrize(("body", "fields"), DISAGREEING_PATCHES)
def test_a_figure_is_corrected_only_toward_its_words(
    client: TestClient, write_headers: dict[str, str], body: dict[str, Any], fields: set[str]
) -> None:
    before, old = change_count(client), client.get(WAFER_URL).json()
    response = patch(client, WAFER_URL, {**body, "reason": "r"}, write_headers)
    if not fields:
        assert response.status_code == 200, response.text
        return
    problem = assert_problem(response, 422, "invalid-body")
    assert {error["name"] for error in problem["errors"]} == fields, problem
    assert change_count(client) == before
    assert client.get(WAFER_URL).json() == old


def test_the_problem_names_value_and_display_with_what_each_says(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    response = patch(client, WAFER_URL, {"value": 7_650_000, "reason": "r"}, write_headers)
    errors = {error["name"]: error["message"] for error in response.json()["errors"]}
    assert errors == {
        "value": "is 7650000 but `display` ('7.6 million pieces') states 7600000",
        "display": "'7.6 million pieces' states 7600000, not `value` 7650000",
    }


def test_words_that_hedge_cannot_be_asserted(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    source = {"id": "hedged", "title": "t", "publisher": "p", "authors": [], "language": "en",
              "published_on": "2026-01-02", "text": "Output was about 40,000 tonnes in 2025.",
              "reason": "r"}  # fmt: skip
    claim = {"id": "output", "source_id": "hedged", "kind": "author_statement",
             "text": source["text"], "reason": "r"}  # fmt: skip
    for plural, body in (("sources", source), ("claims", claim)):
        assert client.post(f"/v1/{plural}", json=body, headers=write_headers).status_code == 201
    figure = {**NEW_STATISTIC, "id": "output-2025", "claim_id": "output",
              "display": "about 40,000 tonnes", "value": 40_000, "unit": "tonnes"}  # fmt: skip
    asserted = client.post("/v1/statistics", json=figure, headers=write_headers)
    problem = assert_problem(asserted, 422, "invalid-body")
    assert {error["name"] for error in problem["errors"]} == {"modality", "display"}
    assert "say 'approximate'" in problem["detail"]
    approximate = {**figure, "modality": "approximate"}
    created = client.post("/v1/statistics", json=approximate, headers=write_headers)
    assert created.status_code == 201, created.text
    # The record follows its words: both change together, or not at all.
    url = "/v1/statistics/output-2025"
    assert_problem(patch(client, url, {"modality": "asserted", "reason": "r"}, write_headers),
                   422, "invalid-body", "modality")  # fmt: skip
    corrected = {"display": "40,000 tonnes", "modality": "asserted", "reason": "exact"}
    assert patch(client, url, corrected, write_headers).json()["version"] == 2


def test_cross_origin_writes_are_not_offered_to_browsers(client: TestClient) -> None:
    preflight = client.options(
        f"/v1/statistics/{WAFERS}",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "PATCH"},
    )
    assert preflight.status_code == 400
    assert "PATCH" not in preflight.headers.get("access-control-allow-methods", "")
    read = client.options(
        "/v1/claims",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert read.status_code == 200
