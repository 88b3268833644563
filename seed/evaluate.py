"""`make eval` (`python -m seed.evaluate`): the drafter measured against articles annotated by
hand: the curated seed article and the test articles in seed/eval/articles/ (each `.txt`
with its expected `.toml`: claims and statistics in the seed's format).

Per article and in total: precision and recall of direct quotes and paraphrases (exact text,
span and speaker), and of figures (exact display at the same place), and the share of the
expected figures found with value, unit and modality all right. tests/seed/test_draft_quality.py
keeps every number above its floor."""

import math
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.draft import Draft, DraftStatistic, draft_article
from app.write.validation import find_span
from seed.bundle import DATA_DIR

EVAL_DIR = Path(__file__).resolve().parent / "eval" / "articles"
CURATED = DATA_DIR / "sources" / "csst-2024-05-20-new-quality-productive-forces.toml"
KINDS = ("direct_quote", "paraphrase")
Item = tuple[int, int, str | None]


@dataclass
class Score:
    """Found, expected and matched counts of one kind of item."""

    found: int = 0
    expected: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    def add(self, other: "Score") -> None:
        self.found += other.found
        self.expected += other.expected
        self.matched += other.matched


@dataclass
class Result:
    article: str
    scores: dict[str, Score] = field(default_factory=dict)
    # Expected figures found with value, unit and modality all right.
    figures_right: Score = field(default_factory=Score)
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    @property
    def right_share(self) -> float:
        return self.figures_right.recall


def articles() -> list[tuple[str, Path, Path]]:
    """(name, text, expected) of every annotated article: the curated seed's first."""
    found = [(CURATED.stem, CURATED.with_suffix(".txt"), CURATED)]
    for expected in sorted(EVAL_DIR.glob("*.toml")):
        found.append((expected.stem, expected.with_suffix(".txt"), expected))
    return found


def _expected(text: str, path: Path) -> tuple[dict[str, set[Item]], dict[Item, dict[str, Any]]]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    claims: dict[str, set[Item]] = {kind: set() for kind in KINDS}
    spans: dict[str, tuple[int, str]] = {}
    for claim in document.get("claims", []):
        span = find_span(text, claim["text"], claim.get("occurrence"))
        if isinstance(span, str):
            raise ValueError(f"{path}: claim {claim['id']!r} {span}")
        spans[claim["id"]] = (span[0], claim["text"])
        if claim["kind"] in claims:
            claims[claim["kind"]].add((span[0], span[1], claim.get("speaker")))
    figures: dict[Item, dict[str, Any]] = {}
    for statistic in document.get("statistics", []):
        start, claim_text = spans[statistic["claim"]]
        offset = find_span(claim_text, statistic["display"], None)
        if isinstance(offset, str):
            raise ValueError(f"{path}: statistic {statistic['display']!r} {offset}")
        figures[(start + offset[0], start + offset[1], None)] = statistic
    return claims, figures


def _score(found: set[Item], expected: set[Item]) -> Score:
    return Score(len(found), len(expected), len(found & expected))


def evaluate(name: str, text_path: Path, expected_path: Path) -> Result:
    text = text_path.read_text(encoding="utf-8")
    claims, figures = _expected(text, expected_path)
    started = time.perf_counter()
    draft = draft_article(text)
    result = Result(name, seconds=time.perf_counter() - started)
    drafted = _drafted(draft)
    for kind in KINDS:
        result.scores[kind] = _score(drafted[kind], claims[kind])
        result.misses += [
            f"{kind} missed: {text[s:e]!r} ({who})" for s, e, who in claims[kind] - drafted[kind]
        ]
        result.misses += [
            f"{kind} extra: {text[s:e]!r} ({who})" for s, e, who in drafted[kind] - claims[kind]
        ]
    found: dict[Item, DraftStatistic] = {(s.start, s.end, None): s for s in draft.statistics}
    result.scores["figures"] = _score(set(found), set(figures))
    right = 0
    for span, statistic in figures.items():
        got = found.get(span)
        if got is None:
            result.misses.append(f"figure missed: {statistic['display']!r}")
            continue
        same = (
            math.isclose(got.value, statistic["value"], rel_tol=1e-9)
            and got.unit == statistic["unit"]
            and got.modality.value == statistic["modality"]
        )
        right += same
        if not same:
            result.misses.append(
                f"figure {statistic['display']!r}: drafted {got.value:g} {got.unit} "
                f"{got.modality.value}, expected {statistic['value']:g} {statistic['unit']} "
                f"{statistic['modality']}"
            )
    result.misses += [f"figure extra: {text[s:e]!r}" for s, e, _ in set(found) - set(figures)]
    result.figures_right = Score(len(figures), len(figures), right)
    return result


def _drafted(draft: Draft) -> dict[str, set[Item]]:
    drafted: dict[str, set[Item]] = {kind: set() for kind in KINDS}
    for claim in draft.claims:
        if claim.kind.value in drafted:
            drafted[claim.kind.value].add((claim.start, claim.end, claim.speaker_id))
    return drafted


def total(results: list[Result]) -> Result:
    summed = Result("total", seconds=sum(r.seconds for r in results))
    for name in (*KINDS, "figures"):
        summed.scores[name] = Score()
        for result in results:
            summed.scores[name].add(result.scores[name])
    for result in results:
        summed.figures_right.add(result.figures_right)
    return summed


def evaluate_all() -> list[Result]:
    results = [evaluate(*article) for article in articles()]
    return [*results, total(results)]


def table(results: list[Result]) -> str:
    header = (
        f"{'article':<48} {'quotes P/R':>11} {'paraphr. P/R':>13} {'figures P/R':>12} "
        f"{'v+u+m right':>11} {'ms':>5}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        cells = [
            f"{result.scores[name].precision:.2f}/{result.scores[name].recall:.2f}"
            for name in (*KINDS, "figures")
        ]
        lines.append(
            f"{result.article[:48]:<48} {cells[0]:>11} {cells[1]:>13} {cells[2]:>12} "
            f"{result.right_share:>11.2f} {result.seconds * 1000:>5.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    results = evaluate_all()
    print(table(results))
    if "--misses" in (argv if argv is not None else sys.argv[1:]):
        for result in results[:-1]:
            print(f"\n{result.article}:")
            for miss in result.misses:
                print(f"  {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
