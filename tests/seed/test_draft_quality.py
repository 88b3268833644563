"""The drafter's quality, measured by seed/evaluate.py (`make eval`), never below the floors it
reached: per article and in total, precision and recall of direct quotes, paraphrases and
figures, and the share of expected figures whose value, unit and modality are all right. On
the curated article: at least 90% of quotes exact, 60% of paraphrases, and the three headline
figures exact. Raise a floor when the drafter gets better; never lower one to let a change in."""

import math
import tomllib

import pytest

from app.draft import draft_article
from seed.evaluate import CURATED, Result, evaluate_all

# article -> (quotes P, R), (paraphrases P, R), (figures P, R), figures all right
FLOORS: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float], float]] = {
    "csst-2024-05-20-new-quality-productive-forces": ((1.0, 1.0), (1.0, 1.0), (1.0, 1.0), 1.0),
    "feature-port-automation": ((1.0, 1.0), (1.0, 0.83), (0.71, 0.83), 0.66),
    "interview-urban-heat": ((1.0, 1.0), (1.0, 1.0), (1.0, 1.0), 0.9),
    "report-battery-demand": ((1.0, 1.0), (1.0, 1.0), (1.0, 1.0), 1.0),
    "wire-rice-prices": ((1.0, 1.0), (1.0, 1.0), (1.0, 1.0), 0.91),
    "total": ((1.0, 1.0), (1.0, 0.97), (0.95, 0.97), 0.91),
}
HEADLINE_FIGURES = (
    "chn-gdp-growth-2023",
    "chn-monthly-wafer-capacity",
    "chn-global-semiconductor-capacity-share",
)


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    return {result.article: result for result in evaluate_all()}


def test_every_article_is_measured(results: dict[str, Result]) -> None:
    assert set(results) == set(FLOORS)


@pytest.mark.parametrize("article", sorted(FLOORS))
def test_quality_stays_above_its_floor(results: dict[str, Result], article: str) -> None:
    result = results[article]
    quotes, paraphrases, figures, right = FLOORS[article]
    measured = {
        "quotes": (result.scores["direct_quote"].precision, result.scores["direct_quote"].recall),
        "paraphrases": (result.scores["paraphrase"].precision, result.scores["paraphrase"].recall),
        "figures": (result.scores["figures"].precision, result.scores["figures"].recall),
    }
    floors = {"quotes": quotes, "paraphrases": paraphrases, "figures": figures}
    for name, (precision, recall) in measured.items():
        assert precision >= floors[name][0], (name, result.misses)
        assert recall >= floors[name][1], (name, result.misses)
    assert result.right_share >= right, result.misses


def test_the_curated_article_meets_the_issue_s_bar(results: dict[str, Result]) -> None:
    curated = results[CURATED.stem]
    assert curated.scores["direct_quote"].recall >= 0.9
    assert curated.scores["paraphrase"].recall >= 0.6
    assert curated.seconds < 1.0


@pytest.mark.parametrize("statistic_id", HEADLINE_FIGURES)
def test_the_headline_figures_are_exact(statistic_id: str) -> None:
    seed = tomllib.loads(CURATED.read_text(encoding="utf-8"))
    expected = next(s for s in seed["statistics"] if s["id"] == statistic_id)
    draft = draft_article(CURATED.with_suffix(".txt").read_text(encoding="utf-8"))
    claim_texts = {c["id"]: c["text"] for c in seed["claims"]}
    drafted = [
        s
        for s in draft.statistics
        if s.display == expected["display"]
        and claim_texts[expected["claim"]]
        == next(c.text for c in draft.claims if c.id == s.claim_id)
    ]
    assert len(drafted) == 1
    figure = drafted[0]
    assert math.isclose(figure.value, expected["value"])
    assert (figure.unit, figure.modality.value) == (expected["unit"], expected["modality"])
