"""The drafter on small texts, no database: who said what (quotes, reported speech, the
publication's voice), speakers, figures and what is not one, the header, and determinism.
Each case is a body paragraph under a one-line headline."""

import time
from datetime import date
from typing import Any

import pytest

from app.draft import Metadata, draft_article
from app.draft.text import paragraphs
from app.store.models import ClaimKind, Modality
from seed.bundle import DATA_DIR
from tests.support.helpers import SOURCE_ID

Q, P, A = ClaimKind.direct_quote, ClaimKind.paraphrase, ClaimKind.author_statement
INTRO = "Jane Doe, chief economist at the Example Bank in Kenya, spoke to reporters. "


def claims_of(body: str) -> list[tuple[ClaimKind, str, str | None]]:
    draft = draft_article(f"Headline\n\n{body}\n")
    return [(c.kind, c.text, c.speaker_id) for c in draft.claims]


# body -> the claims drafted: (kind, text, speaker)
CLAIMS: list[tuple[str, list[tuple[ClaimKind, str, str | None]]]] = [
    (INTRO + "\u201cGrowth is slowing,\u201d Doe said.",
     [(A, INTRO.strip(), None), (Q, "Growth is slowing", "jane-doe")]),
    (INTRO + '"Growth is slowing. Prices are not," she said.',
     [(A, INTRO.strip(), None), (Q, "Growth is slowing. Prices are not", "jane-doe")]),
    ("\u201cExports will recover,\u201d said John Smith, a trader at Acme Grain.",
     [(Q, "Exports will recover", "john-smith")]),
    ("John Smith said: \u201cExports will recover.\u201d",
     [(Q, "Exports will recover.", "john-smith")]),
    ("\u201cOne,\u201d John Smith said. \u201cTwo.\u201d",
     [(Q, "One", "john-smith"), (Q, "Two.", "john-smith")]),
    (INTRO + "Doe noted that inflation had peaked. It will fall next year.",
     [(A, INTRO.strip(), None), (P, "inflation had peaked", "jane-doe"),
      (P, "It will fall next year", "jane-doe")]),
    (INTRO + "According to Doe, rates will stay high.",
     [(A, INTRO.strip(), None), (P, "rates will stay high", "jane-doe")]),
    (INTRO + "As Doe pointed out, rates will stay high.",
     [(A, INTRO.strip(), None), (P, "rates will stay high", "jane-doe")]),
    (INTRO + "Rates will stay high. Banks will lend less, she said.",
     [(A, INTRO.strip(), None), (P, "Rates will stay high", "jane-doe"),
      (P, "Banks will lend less", "jane-doe")]),
    (INTRO + "Rates will stay high, according to Doe.",
     [(A, INTRO.strip(), None), (P, "Rates will stay high", "jane-doe")]),
    (INTRO + "Rates will stay high, Doe said, but she warned that banks may fail.",
     [(A, INTRO.strip(), None), (P, "Rates will stay high", "jane-doe"),
      (P, "banks may fail", "jane-doe")]),
    ("The World Bank said that growth would slow. The bank expects trade to shrink.",
     [(P, "growth would slow", "world-bank"), (P, "trade to shrink", "world-bank")]),
    ("The plan, termed \u201cgreen growth,\u201d was approved.",
     [(A, "The plan, termed \u201cgreen growth,\u201d was approved.", None)]),
    (INTRO + "Doe said the goal was to \u201cbuild before we break.\u201d",
     [(A, INTRO.strip(), None),
      (P, "the goal was to \u201cbuild before we break.\u201d", "jane-doe"),
      (Q, "build before we break.", "jane-doe")]),
    ("Nobody said anything here. The market closed higher.",
     [(A, "Nobody said anything here.", None), (A, "The market closed higher.", None)]),
]  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), CLAIMS, ids=[c[0][:50] for c in CLAIMS])
def test_who_said_what(body: str, expected: list[tuple[ClaimKind, str, str | None]]) -> None:
    assert claims_of(body) == expected


def test_a_quote_continues_with_the_last_speaker_and_says_so() -> None:
    draft = draft_article("H\n\n\u201cOne,\u201d Jane Doe said. \u201cTwo.\u201d\n")
    assert draft.claims[1].notes == [
        "no attribution of its own: read as Jane Doe's, who spoke last"
    ]


def test_he_is_the_last_named_speaker_and_the_note_says_so_when_two_were_named() -> None:
    body = "\u201cA,\u201d said Jane Doe. \u201cB,\u201d said John Smith. \u201cC,\u201d he said."
    draft = draft_article(f"H\n\n{body}\n")
    assert [c.speaker_id for c in draft.claims] == ["jane-doe", "john-smith", "john-smith"]
    assert draft.claims[2].notes == ["'he' read as the last named speaker, John Smith"]


def test_interviews_answers_are_the_interviewee_s_words() -> None:
    text = ("H\n\nWe spoke with Jane Doe, director of the Heat Lab at the University of Lagos.\n\n"
            "Q: Is it hot?\n\nA: Very. It is 2 degrees warmer.\n\nIt will get worse.\n\n"
            "Q: And?\n\nA: That is all.\n")  # fmt: skip
    claims = [(c.kind, c.text, c.speaker_id) for c in draft_article(text).claims]
    assert claims[1:] == [
        (Q, "Very. It is 2 degrees warmer.", "jane-doe"),
        (Q, "It will get worse.", "jane-doe"),
        (Q, "That is all.", "jane-doe"),
    ]


def test_speakers_carry_the_title_and_affiliation_of_their_first_mention() -> None:
    body = (
        INTRO
        + "Doe said that rates rose. \u201cYes,\u201d said IEA Executive Director Fatih Birol."
    )
    speakers = {s.id: s for s in draft_article(f"H\n\n{body}\n").speakers}
    doe, birol = speakers["jane-doe"], speakers["fatih-birol"]
    assert (doe.name, doe.title, doe.affiliation, doe.country) == (
        "Jane Doe", "Chief Economist", "Example Bank", "KEN"
    )  # fmt: skip
    assert (birol.title, birol.affiliation) == ("Executive Director", "IEA")


def figures_of(sentence: str, published_on: date | None = date(2024, 5, 20)) -> list[Any]:
    draft = draft_article(f"H\n\n{sentence}\n", metadata=Metadata(published_on=published_on))
    return [(s.display, s.value, s.unit, s.modality) for s in draft.statistics]


AS, APPROX, PROJ, POSS = (Modality.asserted, Modality.approximate, Modality.projected,
                          Modality.possible)  # fmt: skip
# sentence -> (display, value, unit, modality) of each figure
FIGURES: list[tuple[str, list[tuple[str, float, str, Modality]]]] = [
    ("China's GDP grew 5.2% in 2023.", [("5.2%", 5.2, "percent", AS)]),
    ("Monthly wafer production capacity has reached 7.6 million pieces.",
     [("7.6 million pieces", 7_600_000, "wafers_per_month", AS)]),
    ("Output rose to 3.2 trillion yuan.", [("3.2 trillion yuan", 3.2e12, "cny", AS)]),
    ("About a quarter of firms export.", [("About a quarter", 25, "percent", APPROX)]),
    ("Nine provinces signed up.", [("Nine provinces", 9, "provinces", AS)]),
    ("Sales were about 40,000 tonnes.", [("about 40,000 tonnes", 40_000, "tonnes", APPROX)]),
    ("The share is expected to reach 30% by 2030.", [("30%", 30, "percent", PROJ)]),
    ("It may one day use the 5nm process.", [("5nm", 5, "nanometres", POSS)]),
    ("Rice sold at $682 a tonne.", [("$682", 682, "usd_per_tonne", AS)]),
    ("Maybe two in three factories get built.", [("two in three", 200 / 3, "percent", POSS)]),
    ("It is the world\u2019s largest exporter.",
     [("world\u2019s largest exporter", 1, "rank", AS)]),
    # Not figures: time references, ordinals naming eras, numerals in names.
    ("In 2023 and in January 2024 the late 1970s came back.", []),
    ("The 14th Five-Year Plan (2021\u20132025) began.", []),
    ("The COVID-19 pandemic hit 5G and G20 plans.", []),
    ("A fourth industrial revolution began in the 18th century.", []),
    ("Sales rose in the first five months of the 2025/26 season.", []),
    ("A Boeing 737 landed on May 20.", []),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "expected"), FIGURES, ids=[f[0][:50] for f in FIGURES])
def test_figures(sentence: str, expected: list[tuple[str, float, str, Modality]]) -> None:
    assert figures_of(sentence) == pytest.approx(expected)


def test_a_figure_s_period_is_the_one_its_sentence_states_or_the_day_of_publication() -> None:
    draft = draft_article(
        "H\n\nGDP grew 5.2% in 2023. Capacity has reached 7.6 million pieces. "
        "In January 2024, 7nm chips were banned.\n",
        metadata=Metadata(published_on=date(2024, 5, 20)),
    )
    periods = [(s.display, s.period.label if s.period else None) for s in draft.statistics]
    assert periods == [("5.2%", "2023"), ("7.6 million pieces", "as of 2024-05-20"),
                       ("7nm", "2024-01")]  # fmt: skip


HEADERS: list[tuple[str, dict[str, Any]]] = [
    ("Title here\n\nBY BAI LE | 05-20-2024\nChinese Social Sciences Today\n\n",
     {"title": "Title here", "authors": ["Bai Le"], "published_on": date(2024, 5, 20),
      "publisher": "Chinese Social Sciences Today"}),
    ("Title here\n\nBy Jane Doe and John Smith | March 4, 2025\nThe Paper\n\n",
     {"authors": ["Jane Doe", "John Smith"], "published_on": date(2025, 3, 4),
      "publisher": "The Paper"}),
    ("Title here\n\n", {"authors": [], "published_on": None, "publisher": None}),
]  # fmt: skip


@pytest.mark.parametrize(("header", "expected"), HEADERS, ids=["csst", "two authors", "none"])
def test_the_header(header: str, expected: dict[str, Any]) -> None:
    body = "The economy grew faster than anyone in the region had expected this year.\n"
    source = draft_article(header + body + "\nEdited by CHEN MIRONG\n").source
    assert {name: getattr(source, name) for name in expected} == expected
    assert source.editors == ["Chen Mirong"]
    missing = {name for name in ("publisher", "published_on") if expected.get(name) is None}
    assert all("fill in" in source.notes[name] for name in missing)


def test_sentences_do_not_break_inside_quotes_or_after_abbreviations() -> None:
    text = "H\n\n\u201cA. B,\u201d Dr. Jane Doe said. The U.S. grew 5.2% in 2023. Done.\n"
    sentences = [text[s.start : s.end] for p in paragraphs(text)[1:] for s in p.sentences]
    assert sentences == [
        "\u201cA. B,\u201d Dr. Jane Doe said.",
        "The U.S. grew 5.2% in 2023.",
        "Done.",
    ]


def test_the_same_text_gives_the_same_draft_in_under_a_second() -> None:
    text = (DATA_DIR / "sources" / f"{SOURCE_ID}.txt").read_text(encoding="utf-8")
    started = time.perf_counter()
    first = draft_article(text)
    assert time.perf_counter() - started < 1.0
    assert draft_article(text) == first


@pytest.mark.parametrize(
    "body",
    [
        "\u201cA b c. D e f,\u201d Jane Doe said. " * 6000,
        "China\u2019s 5.2% of 7 million, 2023 was 3 in 4. " * 4400,
        "U.S. " * 39000,
    ],
    ids=["quotes", "figures", "abbreviations"],
)
def test_the_longest_text_the_api_takes_is_drafted_in_seconds(body: str) -> None:
    text = f"H\n\n{body}"[:200_000]
    started = time.perf_counter()
    draft_article(text)
    assert time.perf_counter() - started < 10
