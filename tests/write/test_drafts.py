"""POST /v1/drafts on both databases: the draft of the curated article in the API's shapes,
every text verbatim at its span, nothing stored, the same draft twice, and a problem for
every bad request."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.resources import RESOURCES, SCHEMAS
from app.resources.kernel import RecordMeta
from app.routes.drafts import MAX_DRAFT_TEXT
from seed.bundle import DATA_DIR
from tests.support.helpers import DUNFORD, SOURCE_ID, assert_problem

ARTICLE = (DATA_DIR / "sources" / f"{SOURCE_ID}.txt").read_text(encoding="utf-8")
DRAFTS = "/v1/drafts"


def drafted(client: TestClient, headers: dict[str, str], body: Any = None, **kw: Any) -> Any:
    response = client.post(DRAFTS, json=body if body is not None else {"text": ARTICLE},
                           headers=headers, **kw)  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def served_fields(name: str) -> set[str]:
    """The fields a draft of `name` carries: the read model's, less what only a stored record
    has (its location is computed from its stored source), plus the notes."""
    resource = RESOURCES[name]
    computed = {f.name for f in resource.fields if f.computed is not None}
    dropped = {
        *RecordMeta.model_fields,
        *(r.name for r in resource.relations),
        *resource.annotations,
        *computed,
        "snippet",
    }
    return {*SCHEMAS[name].read.model_fields} - dropped | {"notes"}


def test_the_draft_of_the_curated_article(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    draft = drafted(client, write_headers, {"text": ARTICLE, "source_id": SOURCE_ID})
    assert draft["source"] == {
        **draft["source"],
        "id": SOURCE_ID,
        "title": "New quality productive forces to fuel global industrial progress",
        "publisher": "Chinese Social Sciences Today",
        "authors": ["Bai Le"],
        "editors": ["Chen Mirong"],
        "published_on": "2024-05-20",
        "language": "en",
    }
    assert len(draft["claims"]) == 34
    for claim in draft["claims"]:
        assert ARTICLE[claim["span"]["start"] : claim["span"]["end"]] == claim["text"]
        assert claim["source_id"] == SOURCE_ID
    for statistic in draft["statistics"]:
        assert (
            ARTICLE[statistic["span"]["start"] : statistic["span"]["end"]] == statistic["display"]
        )
    figures = {s["display"]: s for s in draft["statistics"]}
    assert {k: figures["7.6 million pieces"][k] for k in ("value", "unit", "modality")} == {
        "value": 7_600_000, "unit": "wafers_per_month", "modality": "asserted"
    }  # fmt: skip
    assert figures["5nm"]["modality"] == "possible"
    assert [s["id"] for s in draft["speakers"]] == [DUNFORD]
    assert draft["speakers"][0]["affiliation"] == "University of Sussex"


@pytest.mark.parametrize(
    ("part", "name", "extra"),
    [("claims", "claim", {"occurrence"}), ("statistics", "statistic", set()),
     ("speakers", "speaker", set())],
)  # fmt: skip
def test_drafts_have_the_api_s_own_shapes(
    client: TestClient, write_headers: dict[str, str], part: str, name: str, extra: set[str]
) -> None:
    for document in drafted(client, write_headers)[part]:
        assert set(document) == served_fields(name) | extra


def test_nothing_is_stored_and_the_same_text_gives_the_same_draft(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    before = client.get("/v1/changes").json()["data"]
    claims = client.get("/v1/claims?count=true&limit=1").json()["total"]
    first = drafted(client, write_headers, {"text": ARTICLE, "source_id": "another-source"})
    assert drafted(client, write_headers, {"text": ARTICLE, "source_id": "another-source"}) == first
    assert client.get("/v1/changes").json()["data"] == before
    assert client.get("/v1/claims?count=true&limit=1").json()["total"] == claims
    assert client.get("/v1/sources/another-source").status_code == 404


def test_metadata_given_wins_over_the_header(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    body = {"text": ARTICLE, "publisher": "CSST", "published_on": "2024-05-21",
            "authors": ["Bai Le", "Someone Else"], "url": "https://example.org/a"}  # fmt: skip
    source = drafted(client, write_headers, body)["source"]
    assert (source["publisher"], source["published_on"]) == ("CSST", "2024-05-21")
    assert (source["authors"], source["url"]) == (body["authors"], body["url"])


def test_author_statements_are_optional(client: TestClient, write_headers: dict[str, str]) -> None:
    claims = drafted(client, write_headers, {"text": ARTICLE, "author_statements": False})["claims"]
    assert claims
    assert "author_statement" not in {claim["kind"] for claim in claims}


JSON = {"Content-Type": "application/json"}
BAD_REQUESTS: list[tuple[str, bytes, dict[str, str], int, str, str | None]] = [
    ("empty text", b'{"text": ""}', JSON, 422, "invalid-body", "text"),
    ("blank text", b'{"text": " \\n\\t "}', JSON, 422, "invalid-body", "text"),
    ("no text", b'{"title": "A"}', JSON, 422, "invalid-body", "text"),
    ("text over the limit", b'{"text": "' + b"a" * (MAX_DRAFT_TEXT + 1) + b'"}', JSON, 422,
     "invalid-body", "text"),
    ("control character", b'{"text": "a\\u0000b"}', JSON, 422, "invalid-body", "text"),
    ("lone surrogate", b'{"text": "a\\ud800b"}', JSON, 422, "invalid-body", "text"),
    ("unknown field", b'{"text": "a", "kind": "x"}', JSON, 422, "invalid-body", "kind"),
    ("bad source id", b'{"text": "a", "source_id": "Not A Slug"}', JSON, 422, "invalid-body",
     "source_id"),
    ("bad date", b'{"text": "a", "published_on": "20 May"}', JSON, 422, "invalid-body",
     "published_on"),
    ("JSON not UTF-8", b'{"text": "caf\xe9"}', JSON, 400, "invalid-body", "body"),
    ("not JSON", b"{text", JSON, 400, "invalid-body", "body"),
    ("text/plain", b"Title\n\nSome text.", {"Content-Type": "text/plain"}, 415,
     "unsupported-media-type", None),
    ("another media type", b"<a/>", {"Content-Type": "application/xml"}, 415,
     "unsupported-media-type", None),
    ("no media type", b'{"text": "a"}', {}, 415, "unsupported-media-type", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "headers", "status", "slug", "field"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_requests_are_problems(
    client: TestClient,
    write_headers: dict[str, str],
    body: bytes,
    headers: dict[str, str],
    status: int,
    slug: str,
    field: str | None,
) -> None:
    response = client.post(DRAFTS, content=body, headers={**write_headers, **headers})
    assert_problem(response, status, slug, field)


def test_a_write_key_is_needed(client: TestClient, read_headers: dict[str, str]) -> None:
    assert_problem(client.post(DRAFTS, json={"text": ARTICLE}), 401, "unauthorized")
    assert_problem(
        client.post(DRAFTS, json={"text": ARTICLE}, headers=read_headers), 403, "forbidden"
    )
