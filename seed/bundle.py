"""Reads and validates the seed files into rows; nothing here touches the database.

Every check happens before a single row is written, so a bad file leaves the database as it
was; and every problem is found in one pass (`python -m seed check` lists them all), each
naming its file, record and field.
"""

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from app.resources.citations import outline
from app.write.figures import disagreements
from app.write.validation import find_span
from seed.format import (
    ClaimEntry,
    EntityEntry,
    IndicatorEntry,
    ReviewEntry,
    SourceEntry,
    SourceFile,
    SpeakerEntry,
    StatisticEntry,
    TopicEntry,
    UnitEntry,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
Row = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a seed file: where (file, record, field) and what."""

    path: Path
    record: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{_shown(self.path)}: {self.record}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class SeedError(Exception):
    """The seed files are wrong: every problem found, one per line."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type["SeedError"], tuple[Problem, ...]]:
        # Rebuilt from its problems, not its message, when it crosses a process boundary.
        return SeedError, self.problems


class Findings:
    """The problems found so far; reading goes on after each, to report them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: Path, record: str, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(path, record, message, field))

    def check(self) -> None:
        if self.problems:
            raise SeedError(*self.problems)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class SeedBundle:
    """Rows for every table, ready to write; ids are unique across all files."""

    sources: list[Row] = field(default_factory=list)
    speakers: list[Row] = field(default_factory=list)
    topics: list[Row] = field(default_factory=list)
    units: list[Row] = field(default_factory=list)
    entities: list[Row] = field(default_factory=list)
    indicators: list[Row] = field(default_factory=list)
    claims: list[Row] = field(default_factory=list)
    claim_topics: list[Row] = field(default_factory=list)
    statistics: list[Row] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)


class Ids:
    """The ids seen so far of one kind, in any file; `complete` is False when a file of them
    could not be read, so that references to them are not reported as unknown."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seen: dict[str, Path] = {}
        self.complete = True

    def add(self, path: Path, record_id: str, findings: Findings) -> bool:
        if record_id in self.seen:
            record = f"{self.kind} {record_id!r}"
            findings.add(path, record, f"id already used in {_shown(self.seen[record_id])}", "id")
            return False
        self.seen[record_id] = path
        return True


# --- reading TOML into entries, every problem found --------------------------------------

TOML_PLACE = re.compile(r"\(at line (\d+), column \d+\)")
TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z_]+)\s*\]\]?")
KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
ID_LINE = re.compile(r"^\s*id\s*=\s*\"([^\"]*)\"")
SINGULAR = {"speakers": "speaker", "topics": "topic", "claims": "claim", "statistics": "statistic"}
# Every kind of record the files hold, in the order they are read.
KINDS = (
    "speaker",
    "topic",
    "unit",
    "entity",
    "indicator",
    "source",
    "claim",
    "statistic",
    "review",
)
SINGULAR |= {"units": "unit", "entities": "entity", "indicators": "indicator", "reviews": "review"}


def _toml_place(text: str, error: tomllib.TOMLDecodeError) -> tuple[str, str | None]:
    """The record and the field a TOML syntax error is in: the key on its line, the table
    it belongs to and that table's id."""
    found = TOML_PLACE.search(str(error))
    if found is None:
        return "file", None
    lines = text.splitlines()
    number = int(found.group(1)) - 1
    line = lines[number] if number < len(lines) else ""
    key = KEY.match(line)
    start = next((n for n in range(number, -1, -1) if TABLE_HEADER.match(lines[n])), None)
    if start is None:
        return "file", key.group(1) if key else None
    end = next((n for n in range(start + 1, len(lines)) if TABLE_HEADER.match(lines[n])), None)
    table = TABLE_HEADER.match(lines[start])
    assert table is not None
    kind = SINGULAR.get(table.group(1), table.group(1))
    ids = [m.group(1) for m in map(ID_LINE.match, lines[start:end]) if m]
    return (f"{kind} {ids[0]!r}" if ids else kind), (key.group(1) if key else None)


def read_toml(path: Path, findings: Findings) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        findings.add(path, "file", f"cannot be read: {error}")
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        record, key = _toml_place(text, error)
        findings.add(path, record, f"is not valid TOML: {error}", key)
        return None


def _message(error: ErrorDetails) -> str:
    """pydantic's message, with the value it refused ("Input should be a valid date (got
    'May 2024')")."""
    kind, message, given = error["type"], error["msg"], error.get("input")
    if kind == "extra_forbidden":
        return "unknown field"
    message = message.removeprefix("Value error, ")
    if kind != "missing" and isinstance(given, str | int | float) and not isinstance(given, bool):
        message += f" (got {given!r})"
    return message


def _entry(
    path: Path, raw: Any, model: type[BaseModel], record: str, findings: Findings
) -> Any | None:
    """One entry validated by its model; each problem reported with its field's path."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or None
            findings.add(path, record, _message(problem), where)
        return None


def _record(section: str, index: int | None, raw: Any) -> str:
    """`claim 'nqpf-04'` for an entry with an id, else `claims[3]`."""
    record_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(record_id, str) and record_id:
        return f"{SINGULAR.get(section, section)} {record_id!r}"
    return section if index is None else f"{section}[{index}]"


def read_entries(
    path: Path, raw: dict[str, Any], sections: dict[str, type[BaseModel]], findings: Findings
) -> dict[str, list[Any]]:
    """Each section's valid entries (the others are reported); `source` is a table,
    every other section an array of tables. Unknown sections are problems too."""
    for unknown in sorted(set(raw) - set(sections)):
        findings.add(path, "file", f"unknown table [{unknown}]; expected {', '.join(sections)}")
    valid: dict[str, list[Any]] = {}
    for section, model in sections.items():
        given = raw.get(section)
        single = section == "source"
        if given is None:
            if single:
                findings.add(path, "file", "has no [source] table", "source")
            valid[section] = []
            continue
        items = [given] if single else given
        if not isinstance(items, list) or (single and not isinstance(given, dict)):
            findings.add(path, "file", f"[{section}] is not a table", section)
            valid[section] = []
            continue
        entries = []
        for index, item in enumerate(items):
            record = _record(section, None if single else index, item)
            entry = _entry(path, item, model, record, findings)
            if entry is not None:
                entries.append(entry)
        valid[section] = entries
    return valid


def _ids(raw: dict[str, Any] | None, section: str) -> set[str]:
    """The ids the entries of `section` give, valid or not."""
    items = (raw or {}).get(section)
    if not isinstance(items, list):
        return set()
    return {
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


# --- the files ----------------------------------------------------------------------------


def read_bundle(data_dir: Path = DATA_DIR) -> SeedBundle:
    """Every seed file, checked: the rows to write, or SeedError with every problem."""
    findings = Findings()
    bundle = SeedBundle()
    ids = {kind: Ids(kind) for kind in KINDS}
    for name, model, rows in (
        ("speakers", SpeakerEntry, bundle.speakers),
        ("topics", TopicEntry, bundle.topics),
        ("units", UnitEntry, bundle.units),
        ("entities", EntityEntry, bundle.entities),
        ("indicators", IndicatorEntry, bundle.indicators),
    ):
        path = data_dir / f"{name}.toml"
        raw = read_toml(path, findings)
        known = ids[SINGULAR[name]]
        known.complete = raw is not None
        for entry in read_entries(path, raw or {}, {name: model}, findings)[name]:
            unit = getattr(entry, "unit", None) if name == "indicators" else None
            record = f"indicator {entry.id!r}"
            if unit is not None and not _known(path, record, "unit", ids["unit"], [unit], findings):
                continue
            if known.add(path, entry.id, findings):
                rows.append(entry.model_dump(mode="json"))
        # An entry with problems of its own still answers to its id: no "unknown" for it.
        for record_id in _ids(raw, name) - set(known.seen):
            known.seen[record_id] = path
    for path in sorted((data_dir / "sources").glob("*.toml")):
        _read_source_file(path, bundle, ids, findings)
    findings.check()
    return bundle


SOURCE_SECTIONS: dict[str, type[BaseModel]] = {
    "source": SourceEntry,
    "claims": ClaimEntry,
    "statistics": StatisticEntry,
    "reviews": ReviewEntry,
}


def _read_source_file(
    path: Path, bundle: SeedBundle, ids: dict[str, Ids], findings: Findings
) -> None:
    raw = read_toml(path, findings)
    if raw is None:
        return
    entries = read_entries(path, raw, SOURCE_SECTIONS, findings)
    claims, statistics, reviews = entries["claims"], entries["statistics"], entries["reviews"]
    # Claims whose entries are wrong are reported already: their figures are not reported
    # again as naming an unknown claim.
    broken = _ids(raw, "claims") - {claim.id for claim in claims}
    if entries["source"]:
        source = entries["source"][0]
    else:
        # Its problems are reported; its claims and figures are still checked against the
        # text when the entry names it (the bundle is not written anyway).
        given = raw.get("source")
        if not isinstance(given, dict) or not all(
            isinstance(given.get(key), str) for key in ("id", "text_file")
        ):
            return
        source = SourceEntry.model_construct(**given)
    record = f"source {source.id!r}"
    if path.stem != source.id:
        findings.add(path, record, "the file must be named after the source id", "id")
    text_path = path.parent / source.text_file
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        findings.add(path, record, f"cannot be read: {error}", "text_file")
        return
    parsed = SourceFile.model_construct(
        source=source, claims=claims, statistics=statistics, reviews=reviews
    )
    add_source(path, parsed, text, bundle, ids, findings, broken)


def add_source(
    path: Path,
    parsed: SourceFile,
    text: str,
    bundle: SeedBundle,
    ids: dict[str, Ids],
    findings: Findings,
    broken_claims: set[str] | None = None,
) -> None:
    """Checks one parsed source file against its text and appends its rows to `bundle`;
    each problem goes to `findings` and its record is left out.

    The one validation path for every corpus: the seed files and the synthetic generator.
    """
    source = parsed.source
    if not ids["source"].add(path, source.id, findings):
        return
    bundle.sources.append(
        {
            # No warnings: an entry with problems of its own is checked on, never written.
            **source.model_dump(exclude={"text_file"}, warnings=False),
            "text": text,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "outline": outline(text),
        }
    )

    claim_texts: dict[str, tuple[str, int]] = {}
    for claim in parsed.claims:
        record = f"claim {claim.id!r}"
        if not ids["claim"].add(path, claim.id, findings):
            continue
        known = _known(path, record, "speaker", ids["speaker"], [claim.speaker], findings)
        known &= _known(path, record, "topics", ids["topic"], claim.topics, findings)
        span = find_span(text, claim.text, claim.occurrence)
        if isinstance(span, str):
            findings.add(path, record, span, "text")
            continue
        if not known:
            continue
        claim_texts[claim.id] = (claim.text, span[0])
        bundle.claims.append(
            {
                "id": claim.id,
                "source_id": source.id,
                "speaker_id": claim.speaker,
                "kind": claim.kind.value,
                "text": claim.text,
                "span_start": span[0],
                "span_end": span[1],
            }
        )
        bundle.claim_topics.extend({"claim_id": claim.id, "topic_id": t} for t in claim.topics)

    named = {claim.id for claim in parsed.claims} | (broken_claims or set())
    for statistic in parsed.statistics:
        record = f"statistic {statistic.id!r}"
        if not ids["statistic"].add(path, statistic.id, findings):
            continue
        if statistic.claim not in claim_texts:
            # A claim of this file with problems of its own is reported already.
            if statistic.claim not in named:
                findings.add(path, record, f"no claim {statistic.claim!r} in this file", "claim")
            continue
        stated_in_vocabularies = [
            _known(path, record, name, ids[name], [getattr(statistic, name)], findings)
            for name in ("entity", "indicator", "unit")
        ]
        if not all(stated_in_vocabularies):
            continue
        claim_text, claim_start = claim_texts[statistic.claim]
        offset = find_span(claim_text, statistic.display, None)
        if isinstance(offset, str):
            message = offset.replace("source text", f"text of claim {statistic.claim!r}")
            findings.add(path, record, message, "display")
            continue
        problems = disagreements(
            statistic.display,
            value=statistic.value,
            unit=statistic.unit,
            modality=statistic.modality,
        )
        for name, message in problems.items():
            findings.add(path, record, message, name)
        if problems:
            continue
        bundle.statistics.append(
            {
                **statistic.model_dump(exclude={"claim", "period", "modality"}),
                "modality": statistic.modality.value,
                "claim_id": statistic.claim,
                "period_label": statistic.period.label,
                "period_start": statistic.period.start,
                "period_end": statistic.period.end,
                "span_start": claim_start + offset[0],
                "span_end": claim_start + offset[1],
            }
        )
    _add_reviews(path, parsed, bundle, ids, findings)


def _add_reviews(
    path: Path, parsed: SourceFile, bundle: SeedBundle, ids: dict[str, Ids], findings: Findings
) -> None:
    """Each review names a claim of the file, and maybe one of that claim's figures."""
    figures = {statistic.id: statistic.claim for statistic in parsed.statistics}
    claims = {claim.id for claim in parsed.claims}
    for review in parsed.reviews:
        record = f"review {review.id!r}"
        if not ids["review"].add(path, review.id, findings):
            continue
        if review.claim not in claims:
            findings.add(path, record, f"no claim {review.claim!r} in this file", "claim")
            continue
        if review.statistic is not None and figures.get(review.statistic) != review.claim:
            message = f"no figure {review.statistic!r} of claim {review.claim!r} in this file"
            findings.add(path, record, message, "statistic")
            continue
        row = review.model_dump(exclude={"claim", "statistic", "rating"})
        bundle.reviews.append(
            {**row, "rating": review.rating.value, "claim_id": review.claim,
             "statistic_id": review.statistic}
        )  # fmt: skip


def _known(
    path: Path,
    record: str,
    field_name: str,
    known: Ids,
    wanted: Sequence[str | None],
    findings: Findings,
) -> bool:
    """Whether the record may be checked on: every id in `wanted` is known (each unknown one
    is a problem of `field_name`)."""
    unknown = [value for value in wanted if value is not None and value not in known.seen]
    if not known.complete:
        return True  # a file of them could not be read: checked again once it can
    for value in unknown:
        findings.add(path, record, f"unknown {known.kind} {value!r}", field_name)
    return not unknown
