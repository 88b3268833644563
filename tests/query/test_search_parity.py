"""Search parity: one tokenization rule on SQLite FTS5 and PostgreSQL full-text search
(docs/reference.md#search). Each query of the table finds exactly the same claims on both
engines (the fixtures run every test on each): the set the article holds, pinned here and
checked against the rule itself, read in Python from the claims' text. Ranking may differ,
so sets are compared."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.query.search import WORD, parse_query, stem
from seed.bundle import read_bundle

BUNDLE = read_bundle()
TEXTS = {claim["id"]: claim["text"] for claim in BUNDLE.claims}
FIGURES = {statistic["id"]: statistic["claim_id"] for statistic in BUNDLE.statistics}


def nqpf(*numbers: int) -> set[str]:
    return {f"nqpf-{number:02d}" for number in numbers}


# q -> the claims whose text holds it, by the rule.
PARITY: list[tuple[str, set[str]]] = [
    # Decimals, percentages and numbers with units: words joined by punctuation are a phrase.
    ("7.6", nqpf(21)),
    ("7.6 million", nqpf(21)),
    ("7.6 million pieces", nqpf(21)),
    ("25.7%", nqpf(21)),
    ("25.7", nqpf(21)),
    ("5.2%", nqpf(11)),
    ("5.2", nqpf(11)),
    ("2023", nqpf(11)),
    ("growth in 2023", nqpf(11)),
    ("5nm", nqpf(21)),
    ("7nm", nqpf(21)),
    ("5G", nqpf(30)),
    ("1949", nqpf(26)),
    ("14th", nqpf(5)),
    ("18th", nqpf(33)),
    ("2021\u20132025", nqpf(5)),  # an en dash
    ("COVID-19", nqpf(10, 20)),
    ("covid 19", nqpf(10, 20)),
    ("global semiconductor capacity", nqpf(21)),
    # Stop words are words like any other.
    ("not growth", set()),
    ("not", nqpf(2, 6, 18, 23, 33)),
    ("does not", nqpf(23, 33)),
    ("not just", nqpf(6, 33)),
    ("will", nqpf(6, 23, 24)),
    ("it", nqpf(2, 5, 11, 13, 14, 16, 18, 19, 21, 24, 28, 30, 32, 33)),
    ("is a", nqpf(4, 6, 11, 15, 16, 18, 24, 31, 33)),
    # Words of one or two letters are not stemmed: `as` is not `a`.
    ("as", nqpf(2, 5, 16, 19, 20, 24, 27, 28, 33)),
    ("a", nqpf(2, 4, 5, 6, 9, 11, 15, 16, 18, 21, 23, 24, 26, 31, 32, 33, 34)),
    ("establish the new", nqpf(16, 17)),
    ("of the", nqpf(3, 4, 5, 6, 8, 9, 12, 13, 15, 18, 19, 21, 24, 25, 26, 27, 28, 31, 34)),
    # Punctuation separates words, in the text and in `q` alike.
    ("self-reliance", nqpf(20, 24)),
    ("self reliance", nqpf(20, 24)),
    ("China\u2019s", nqpf(1, 4, 5, 11, 16, 21, 24, 25, 32, 34)),
    ("China's", nqpf(1, 4, 5, 11, 16, 21, 24, 25, 32, 34)),
    ("china s", nqpf(1, 4, 5, 11, 12, 16, 21, 24, 25, 26, 32, 34)),
    ("supply-side", nqpf(5, 6)),
    ("Israeli-Palestinian", nqpf(20)),
    ("value-added", nqpf(28)),
    ("U.S.", set()),
    # Stems.
    ("semiconductor", nqpf(19, 21)),
    ("wafers", nqpf(21)),
    ("Xi Jinping", nqpf(14)),
]


def by_the_rule(q: str) -> set[str]:
    """The claims `q` finds by the documented rule: each term's words, Porter-stemmed, stand
    in a row among the text's words (letters and digits), stop words included."""
    found = set()
    for claim_id, text in TEXTS.items():
        words = [stem(word.lower()) for word in WORD.findall(text)]
        wanted = [[stem(word) for word in term.words] for term in parse_query(q).terms]
        if all(
            any(words[i : i + len(phrase)] == phrase for i in range(len(words)))
            for phrase in wanted
        ):
            found.add(claim_id)
    return found


def test_the_table_is_long_enough_and_pins_what_the_rule_finds() -> None:
    assert len(PARITY) >= 30
    for q, want in PARITY:
        assert by_the_rule(q) == want, q


@pytest.mark.parametrize(("q", "want"), PARITY, ids=[q for q, _ in PARITY])
def test_claims_q_finds_the_same_set_on_every_engine(
    client: TestClient, q: str, want: set[str]
) -> None:
    response = client.get("/v1/claims", params={"q": q, "limit": 500})
    assert response.status_code == 200, response.text
    assert {claim["id"] for claim in response.json()["data"]} == want


@pytest.mark.parametrize(("q", "want"), PARITY, ids=[q for q, _ in PARITY])
def test_statistics_and_search_find_the_same_set_on_every_engine(
    client: TestClient, q: str, want: set[str]
) -> None:
    figures = {figure for figure, claim in FIGURES.items() if claim in want}
    listed = client.get("/v1/statistics", params={"q": q, "limit": 500})
    assert listed.status_code == 200, listed.text
    assert {statistic["id"] for statistic in listed.json()["data"]} == figures
    found: dict[str, Any] = client.get("/v1/search", params={"q": q, "limit": 50}).json()
    assert {claim["id"] for claim in found["claims"]} == want
    assert {statistic["id"] for statistic in found["statistics"]} == figures


@pytest.mark.parametrize(
    ("q", "marked"),
    [("7.6 million", ["7", "6", "million"]), ("not", ["not"]), ("wafers", ["wafer"])],
)
def test_snippets_mark_the_words_that_matched(
    client: TestClient, q: str, marked: list[str]
) -> None:
    [claim] = client.get("/v1/claims", params={"q": q, "kind": "direct_quote", "limit": 1}).json()[
        "data"
    ]
    for word in marked:
        assert f"<mark>{word}</mark>" in claim["snippet"]
