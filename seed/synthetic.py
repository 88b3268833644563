"""A deterministic, realistic synthetic corpus of any size, streamed in batches of sources.

Distributions follow `../shared/bench/make_db.py` (the benchmark's reference data, whose
vocabulary is adapted here): speakers have Zipf-like popularity (speaker 1 is the most
quoted), topics have unequal weights, and about one statistic comes with every two claims.
Every source file passes through `seed.bundle.add_source`, the validation the real seed
files get: claims are verbatim in the source text with computed spans, figures' display
strings inside their claim.
"""

import random
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from app.write.validation import find_span
from seed.bundle import Findings, Ids, SeedBundle, add_source
from seed.format import SourceFile
from seed.vocabulary import (
    AFFILIATIONS,
    CLOSERS,
    COUNTRIES,
    ENTITIES,
    ENTITY_CODES,
    FILLERS,
    FIRST,
    GENERIC,
    INDICATORS,
    INDICATORS_BY_TOPIC,
    LAST,
    OPENERS,
    PUBLISHERS,
    SOURCE_KINDS,
    TITLES,
    TOPICS,
    VERBS_DOWN,
    VERBS_UP,
)

ORIGIN = Path("synthetic")
BATCH_CLAIMS = 20_000
ID_DIGITS = 8


def record_id(prefix: str, number: int) -> str:
    # Zero-padded, so that id order (string order in the database) is creation order.
    return f"{prefix}-{number:0{ID_DIGITS}d}"


UNIT_LABELS = {"usd": "US dollars", "usd_bn": "Billions of US dollars", "mt": "Million tonnes"}
UNIT_DIMENSIONS = {"percent": "ratio", "percent_of_gdp": "ratio", "years": "time", "days": "time"}
UNIT_DIMENSIONS |= {"usd": "currency", "usd_bn": "currency", "mt": "mass", "index": "ratio"}
UNIT_DIMENSIONS |= {"per_100k": "rate", "usd_per_mwh": "rate"}


def zipf_cum_weights(count: int, exponent: float = 0.9) -> list[float]:
    return list(accumulate(1.0 / rank**exponent for rank in range(1, count + 1)))


def _display(value: float, unit: str, decimals: int) -> tuple[float, str]:
    value = round(value, decimals) if decimals else float(round(value))
    text = f"{value:,.{decimals}f}"
    if unit == "percent" or unit == "percent_of_gdp":
        suffix = " percent" if unit == "percent" else " percent of GDP"
        return value, text + suffix
    if unit in ("usd", "usd_bn"):
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        return value, f"{sign}${digits}" + (" billion" if unit == "usd_bn" else "")
    names = {"per_100k": "per 100,000 people", "usd_per_mwh": "dollars per MWh", "mt": "Mt"}
    return value, f"{text} {names.get(unit, unit)}"


def _period(rng: random.Random) -> dict[str, Any]:
    year = rng.randint(2000, 2024)
    draw = rng.random()
    if draw < 0.55:
        return {"label": str(year), "start": date(year, 1, 1), "end": date(year, 12, 31)}
    if draw < 0.85:
        quarter = rng.randint(1, 4)
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + quarter // 4, (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
        return {"label": f"{year}-Q{quarter}", "start": start, "end": end}
    month = rng.randint(1, 12)
    end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return {"label": f"{year}-{month:02d}", "start": date(year, month, 1), "end": end}


class Generator:
    """Yields validated bundles of about `BATCH_CLAIMS` claims, `claims` in all."""

    def __init__(self, claims: int, seed: int = 42) -> None:
        self.claims = claims
        self.rng = random.Random(seed)
        self.speaker_count = max(1, claims // 50)
        self.source_count = 0
        self.claim_count = 0
        self.statistic_count = 0
        self.speakers = [self._speaker(number) for number in range(1, self.speaker_count + 1)]
        self.speaker_ids = [speaker["id"] for speaker in self.speakers]
        self.speaker_cum = zipf_cum_weights(self.speaker_count)
        self.topic_ids = list(TOPICS)
        self.topic_cum = list(accumulate(weight for _name, weight in TOPICS.values()))
        self.ids = {kind: Ids(kind) for kind in ("speaker", "topic", "source", "claim")}
        self.ids["speaker"].seen = dict.fromkeys(self.speaker_ids, ORIGIN)
        self.ids["topic"].seen = dict.fromkeys(TOPICS, ORIGIN)
        for kind, rows in self.vocabularies().items():
            self.ids[kind] = Ids(kind)
            self.ids[kind].seen = dict.fromkeys((row["id"] for row in rows), ORIGIN)

    def topics(self) -> list[dict[str, Any]]:
        return [{"id": topic_id, "name": name} for topic_id, (name, _w) in TOPICS.items()]

    @staticmethod
    def vocabularies() -> dict[str, list[dict[str, Any]]]:
        """The units, entities and indicators the corpus's figures name, by kind."""
        units = sorted({indicator.unit for indicator in INDICATORS.values()})
        return {
            "unit": [
                {"id": unit, "label": UNIT_LABELS.get(unit, unit.replace("_", " ").capitalize()),
                 "symbol": None, "dimension": UNIT_DIMENSIONS.get(unit, "quantity")}
                for unit in units
            ],
            "entity": [
                {"id": code, "name": name.removeprefix("the "),
                 "kind": "country" if code in COUNTRIES else "region",
                 "iso_code": code if code in COUNTRIES else None}
                for code, name in ENTITIES.items()
            ],
            "indicator": [
                {"id": name, "label": indicator.phrase.removeprefix("the ").capitalize(),
                 "description": None, "unit": indicator.unit}
                for name, indicator in INDICATORS.items()
            ],
        }  # fmt: skip

    def _speaker(self, number: int) -> dict[str, Any]:
        rng = self.rng
        return {
            "id": record_id("speaker", number),
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "title": rng.choice(TITLES),
            "affiliation": rng.choice(AFFILIATIONS),
            "country": rng.choice(COUNTRIES),
        }

    def batches(self) -> Iterator[SeedBundle]:
        while self.claim_count < self.claims:
            bundle = SeedBundle()
            # Claim and statistic ids only need to be unique within a source file here: they
            # are numbered, so a fresh registry per batch keeps memory flat at any size.
            self.ids["claim"] = Ids("claim")
            self.ids["statistic"] = Ids("statistic")
            start = self.claim_count
            while self.claim_count < self.claims and self.claim_count - start < BATCH_CLAIMS:
                parsed, text = self._source()
                findings = Findings()
                add_source(ORIGIN, parsed, text, bundle, self.ids, findings)
                findings.check()
            yield bundle

    def _source(self) -> tuple[SourceFile, str]:
        rng = self.rng
        self.source_count += 1
        source_id = record_id("source", self.source_count)
        published = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        size = min(rng.randint(5, 35), self.claims - self.claim_count)
        speakers = rng.choices(self.speaker_ids, cum_weights=self.speaker_cum, k=size)
        topics = rng.choices(self.topic_ids, cum_weights=self.topic_cum, k=size)
        title = f"{rng.choice(SOURCE_KINDS)} on {TOPICS[topics[0]][0].lower()}"
        paragraphs = [title + ".", rng.choice(FILLERS)]
        claims: list[dict[str, Any]] = []
        statistics: list[dict[str, Any]] = []
        seen: set[str] = set()
        for speaker, topic in zip(speakers, topics, strict=True):
            claim, figures = self._claim(speaker, topic, seen)
            claims.append(claim)
            statistics.extend(figures)
            if claim["kind"] == "direct_quote":
                paragraphs.append(f'{rng.choice(LAST)} was quoted: "{claim["text"]}"')
            else:
                paragraphs.append(claim["text"])
            if rng.random() < 0.3:
                paragraphs.append(rng.choice(FILLERS))
        text = "\n\n".join(paragraphs) + "\n"
        for claim in claims:
            # A short claim can recur inside a longer one: name which occurrence is meant.
            if text.count(claim["text"]) > 1:
                claim["occurrence"] = self._occurrence(text, claim["text"], paragraphs)
        parsed = SourceFile.model_validate(
            {
                "source": {
                    "id": source_id,
                    "text_file": f"{source_id}.txt",
                    "title": title,
                    "publisher": rng.choice(PUBLISHERS),
                    "authors": [f"{rng.choice(FIRST)} {rng.choice(LAST)}"],
                    "published_on": published,
                    "language": "en",
                    "url": f"https://news.example/{published.year}/{source_id}",
                },
                "claims": claims,
                "statistics": statistics,
            }
        )
        return parsed, text

    @staticmethod
    def _occurrence(text: str, claim_text: str, paragraphs: list[str]) -> int:
        # The claim's own paragraph is the one that ends with it (or with it quoted).
        offset = 0
        for paragraph in paragraphs:
            if paragraph == claim_text or paragraph.endswith(f'"{claim_text}"'):
                at = offset + len(paragraph) - len(claim_text) - paragraph.endswith('"')
                return text[:at].count(claim_text) + 1
            offset += len(paragraph) + 2
        raise AssertionError("claim not placed in its source")

    def _claim(
        self, speaker: str, topic: str, seen: set[str]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        self.claim_count += 1
        claim_id = record_id("claim", self.claim_count)
        draw = rng.random()
        kind = "direct_quote" if draw < 0.45 else "paraphrase" if draw < 0.9 else "author_statement"
        figure_count = 2 if rng.random() < 0.075 else 1 if rng.random() < 0.38 else 0
        text, figures = self._text(kind, topic, figure_count)
        while text in seen:  # one source does not report the same sentence twice
            text, figures = self._text(kind, topic, figure_count)
        seen.add(text)
        topics = [topic]
        if rng.random() < 0.15:
            extra = rng.choice(self.topic_ids)
            topics = sorted({topic, extra})
        claim = {
            "id": claim_id,
            "kind": kind,
            "speaker": None if kind == "author_statement" else speaker,
            "topics": topics,
            "text": text,
        }
        statistics = []
        for figure in figures:
            self.statistic_count += 1
            statistics.append(
                {"id": record_id("statistic", self.statistic_count), "claim": claim_id, **figure}
            )
        return claim, statistics

    def _text(self, kind: str, topic: str, figure_count: int) -> tuple[str, list[dict[str, Any]]]:
        rng = self.rng
        entity = rng.choice(ENTITY_CODES)
        if not figure_count or topic not in INDICATORS_BY_TOPIC:
            text = rng.choice(GENERIC).format(topic=TOPICS[topic][0].lower(), entity=entity)
            text = text.replace(entity, ENTITIES[entity])
            text = text[0].upper() + text[1:]
            if kind == "paraphrase":
                text = "The speaker said that " + text[0].lower() + text[1:]
            return text, []
        while True:  # rare: a display string recurs in the text; draw again
            indicator_name = rng.choice(INDICATORS_BY_TOPIC[topic])
            indicator = INDICATORS[indicator_name]
            figures: list[dict[str, Any]] = []
            sentences: list[str] = []
            for index in range(figure_count):
                code = entity if index == 0 else rng.choice(ENTITY_CODES)
                value, display = _display(
                    rng.uniform(indicator.low, indicator.high), indicator.unit, indicator.decimals
                )
                # One figure in ten is hedged, as in real reporting ("about 4.2 percent").
                hedged = rng.random() < 0.1
                display = f"about {display}" if hedged else display
                period = _period(rng)
                verb = rng.choice(VERBS_UP if rng.random() < 0.55 else VERBS_DOWN)
                sentences.append(
                    f"{indicator.phrase} in {ENTITIES[code]} {verb} {display} in {period['label']}"
                )
                figures.append(
                    {
                        "indicator": indicator_name,
                        "entity": code,
                        "value": value,
                        "unit": indicator.unit,
                        "display": display,
                        "modality": "approximate" if hedged else "asserted",
                        "period": period,
                    }
                )
            text = f"{rng.choice(OPENERS)} {sentences[0]}, {rng.choice(CLOSERS)}"
            if kind == "paraphrase":
                text = f"The speaker said that {sentences[0]}."
            if len(sentences) > 1:
                text += f" They added that {sentences[1]}."
            text = text[0].upper() + text[1:]
            if all(isinstance(find_span(text, f["display"], None), tuple) for f in figures):
                return text, figures
