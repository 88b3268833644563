"""Citations: each claim's and figure's section, paragraph and citation string, read from the
article (seed/data/sources/*.txt) by the rule of app/resources/citations.py; `include=context`
with the span marked; the same in CSV; and a write moves them with the text."""

import csv
import io

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.resources.citations import locate, outline, paragraphs
from app.resources.kernel import rows_by_id
from app.store.models import Source
from tests.support.helpers import SOURCE_ID, WAFERS, etag_of

ARTICLE = '"New quality productive forces to fuel global industrial progress"'
PUBLISHED = f"Bai Le, {ARTICLE}, Chinese Social Sciences Today, 2024-05-20"
TIMELY = "A timely measure"
COURAGE = "Displaying theoretical courage"
RELIANCE = "Increasing technological self-reliance"
BRACING = "Bracing for new industrial revolution"

# The direct quotes of Michael Dunford (the ten the article sets apart, and the slogan he
# quotes, nqpf-17): claim -> (section, paragraph).
DUNFORD_QUOTES = {
    "nqpf-04": (TIMELY, 3),
    "nqpf-06": (TIMELY, 5),
    "nqpf-12": (COURAGE, 7),
    "nqpf-13": (COURAGE, 7),
    "nqpf-14": (COURAGE, 8),
    "nqpf-17": (COURAGE, 9),
    "nqpf-21": (RELIANCE, 11),
    "nqpf-24": (RELIANCE, 13),
    "nqpf-28": (BRACING, 15),
    "nqpf-33": (BRACING, 16),
    "nqpf-34": (BRACING, 17),
}
# The three headline figures: id -> (display, value, unit, modality, section, paragraph).
HEADLINES = {
    "chn-gdp-growth-2023": ("5.2%", 5.2, "percent", "asserted", COURAGE, 6),
    WAFERS: ("7.6 million pieces", 7_600_000, "wafers_per_month", "asserted", RELIANCE, 11),
    "chn-global-semiconductor-capacity-share": (
        "25.7%", 25.7, "percent", "asserted", RELIANCE, 11
    ),
}  # fmt: skip


def test_the_ten_dunford_quotes_are_cited_with_section_and_paragraph(client: TestClient) -> None:
    quotes = client.get(
        "/v1/claims", params={"speaker": "michael-dunford", "kind": "direct_quote", "limit": 50}
    ).json()["data"]
    assert {quote["id"] for quote in quotes} == set(DUNFORD_QUOTES)
    for quote in quotes:
        section, paragraph = DUNFORD_QUOTES[quote["id"]]
        assert (quote["section"], quote["paragraph"]) == (section, paragraph), quote["id"]
        assert quote["citation"] == (
            f'Michael Dunford, quoted in {PUBLISHED}, section "{section}", paragraph {paragraph}.'
        )


@pytest.mark.parametrize("statistic_id", list(HEADLINES))
def test_the_headline_figures_words_values_modality_and_citation(
    client: TestClient, statistic_id: str
) -> None:
    display, value, unit, modality, section, paragraph = HEADLINES[statistic_id]
    figure = client.get(f"/v1/statistics/{statistic_id}?include=context").json()
    assert (figure["display"], figure["value"], figure["unit"], figure["modality"]) == (
        display, value, unit, modality
    )  # fmt: skip
    assert (figure["section"], figure["paragraph"]) == (section, paragraph)
    assert figure["citation"] == (
        f'Michael Dunford, in {PUBLISHED}, section "{section}", paragraph {paragraph}.'
    )
    context = figure["context"]
    inner = context["span"]
    assert context["text"][inner["start"] : inner["end"]] == display
    assert f"<mark>{display}</mark>" in context["marked"]
    assert context["start"] + inner["start"] == figure["span"]["start"]


def test_the_publication_s_own_voice_is_cited_from_its_authors(client: TestClient) -> None:
    claim = client.get("/v1/claims/nqpf-01").json()
    assert (claim["section"], claim["paragraph"]) == (None, 1)
    assert claim["citation"] == f"{PUBLISHED}, paragraph 1."


def test_context_is_the_paragraph_with_the_span_marked(client: TestClient) -> None:
    claim = client.get("/v1/claims/nqpf-21?include=context").json()
    source = client.get(f"/v1/sources/{claim['source_id']}").json()["text"]
    context = claim["context"]
    assert context["paragraph"] == 11
    assert source[context["start"] :].startswith(context["text"])
    assert context["text"].startswith("\u201cIn the semiconductor industry")
    assert context["text"].endswith("Dunford said.")
    assert context["marked"] == (
        "\u201c<mark>" + claim["text"].replace("\u2019", "\u2019") + "</mark>,\u201d Dunford said."
    )
    assert "context" not in client.get("/v1/claims/nqpf-21").json()
    listed = client.get("/v1/claims?include=context,speaker&limit=3").json()["data"]
    assert all(item["context"]["paragraph"] >= 1 for item in listed)


def test_the_csv_carries_the_location_and_citation(client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/claims?format=csv").text)))
    quote = next(row for row in rows if row["id"] == "nqpf-04")
    assert (quote["section"], quote["paragraph"]) == (TIMELY, "3")
    assert quote["citation"].startswith("Michael Dunford, quoted in Bai Le,")
    figures = list(csv.DictReader(io.StringIO(client.get("/v1/statistics?format=csv").text)))
    wafers = next(row for row in figures if row["id"] == WAFERS)
    assert (wafers["section"], wafers["paragraph"]) == (RELIANCE, "11")


def test_a_correction_moves_the_location_with_the_text(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = "/v1/claims/nqpf-13"
    moved = "establish the new before abolishing the old."
    response = client.patch(
        url,
        json={"text": moved, "kind": "direct_quote", "reason": "the shorter quote"},
        headers={**write_headers, "If-Match": etag_of(client, url)},
    )
    assert response.status_code == 200, response.text
    claim = response.json()
    assert (claim["section"], claim["paragraph"]) == (COURAGE, 9)
    assert claim["citation"].endswith(f'section "{COURAGE}", paragraph 9.')


def test_the_rule_on_a_small_text() -> None:
    text = "Title line\n\nByline\nPublication\n\nFirst paragraph.\n\nA heading \n\nSecond one.\n"
    found = paragraphs(text)
    assert [(p.number, p.section, text[p.start : p.end]) for p in found] == [
        (1, None, "First paragraph."),
        (2, "A heading", "Second one."),
    ]
    stored = orjson.loads(outline(text))
    assert stored == [[p.start, p.end, p.section] for p in found]
    assert locate(stored, 0) is None
    assert locate(stored, text.index("Second")) == found[1]
    assert locate(stored, text.index("A heading")) is None


def test_every_source_stores_the_outline_of_its_text(session: Session) -> None:
    """Written with the text by every writer (here the seed loader, above the API's PATCH)."""
    rows = session.execute(select(Source.text, Source.outline)).all()
    assert rows
    assert all(row.outline == outline(row.text) for row in rows)


def test_rows_by_id_refuses_a_statement_that_would_read_a_whole_table() -> None:
    # A page's sources were once read with every source's text on each request.
    whole_table = select(Source.__table__.c.id)
    with (
        create_engine("sqlite://").connect() as connection,
        pytest.raises(ValueError, match="among"),
    ):
        rows_by_id(connection, whole_table, ["source-1"])


def test_a_new_text_moves_the_locations_its_outline_gives(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    """A source's text that turns a heading into a paragraph (same length, so every claim
    stays verbatim at its span): the outline is written with it, and the claims after the
    heading move; the version before keeps its own outline (`as_of`)."""
    url = f"/v1/sources/{SOURCE_ID}"
    text = client.get(url).json()["text"]
    before = client.get("/v1/claims/nqpf-04").json()
    assert (before["section"], before["paragraph"]) == (TIMELY, 3)
    heading = text.index(f"\n{TIMELY}\n") + 1
    new_text = text[:heading] + TIMELY[:-1] + "." + text[heading + len(TIMELY) :]
    response = client.patch(
        url,
        json={"text": new_text, "reason": "a heading read as a paragraph"},
        headers={**write_headers, "If-Match": etag_of(client, url)},
    )
    assert response.status_code == 200, response.text
    after = client.get("/v1/claims/nqpf-04").json()
    assert (after["section"], after["paragraph"]) == (None, 4)
    assert after["citation"].endswith("2024-05-20, paragraph 4.")
    context = client.get("/v1/claims/nqpf-04?include=context").json()["context"]
    assert context["paragraph"] == 4
    assert new_text[context["start"] :].startswith(context["text"])
    past = client.get("/v1/claims/nqpf-04", params={"as_of": before["updated_at"]}).json()
    assert (past["section"], past["paragraph"]) == (TIMELY, 3)
    # The outline is reported as the text it is written with.
    versions = client.get(f"{url}/versions").json()["data"]
    assert versions[0]["changed_fields"] == ["sha256", "text"]
