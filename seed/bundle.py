"""Reads and validates the seed files into rows; nothing here touches the database.

Every check happens before a single row is written, so a bad file leaves the database as it was.
"""

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.write.validation import find_span
from seed.format import SourceFile, SpeakersFile, TopicsFile

DATA_DIR = Path(__file__).resolve().parent / "data"
Row = dict[str, Any]
FileModel = TypeVar("FileModel", bound=BaseModel)


class SeedError(Exception):
    """A seed file is wrong: names the file, the record and the problem."""

    def __init__(self, path: Path, record: str, problem: str) -> None:
        super().__init__(f"{_shown(path)}: {record}: {problem}")
        self.parts = (path, record, problem)

    def __reduce__(self) -> tuple[type["SeedError"], tuple[Path, str, str]]:
        # Rebuilt from its parts, not its message, when it crosses a process boundary.
        return SeedError, self.parts


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
    claims: list[Row] = field(default_factory=list)
    claim_topics: list[Row] = field(default_factory=list)
    statistics: list[Row] = field(default_factory=list)


def _record_name(raw: Any, loc: tuple[int | str, ...]) -> str:
    """`claims[3] 'nqpf-04'` for an error located inside the fourth claim."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        try:
            record_id = raw[loc[0]][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            record_id = None
        name = f"{loc[0]}[{loc[1]}]"
        return f"{name} {record_id!r}" if record_id else name
    return str(loc[0]) if loc else "file"


def parse_file(path: Path, model: type[FileModel]) -> FileModel:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError(path, "file", f"cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SeedError(path, "file", f"is not valid TOML: {error}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        field_path = ".".join(str(part) for part in loc[2:] if not isinstance(part, int))
        problem = f"{field_path}: {first['msg']}" if field_path else first["msg"]
        raise SeedError(path, _record_name(raw, loc), problem) from None


class Ids:
    """Refuses an id seen before, in any file."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seen: dict[str, Path] = {}

    def add(self, path: Path, record_id: str) -> None:
        if record_id in self.seen:
            raise SeedError(
                path,
                f"{self.kind} {record_id!r}",
                f"id already used in {_shown(self.seen[record_id])}",
            )
        self.seen[record_id] = path


def read_bundle(data_dir: Path = DATA_DIR) -> SeedBundle:
    bundle = SeedBundle()
    ids = {kind: Ids(kind) for kind in ("speaker", "topic", "source", "claim", "statistic")}

    speakers_path = data_dir / "speakers.toml"
    for speaker in parse_file(speakers_path, SpeakersFile).speakers:
        ids["speaker"].add(speakers_path, speaker.id)
        bundle.speakers.append(speaker.model_dump())

    topics_path = data_dir / "topics.toml"
    for topic in parse_file(topics_path, TopicsFile).topics:
        ids["topic"].add(topics_path, topic.id)
        bundle.topics.append(topic.model_dump())

    for path in sorted((data_dir / "sources").glob("*.toml")):
        _read_source_file(path, bundle, ids)
    return bundle


def _require(path: Path, record: str, ok: bool, problem: str) -> None:
    if not ok:
        raise SeedError(path, record, problem)


def _read_source_file(path: Path, bundle: SeedBundle, ids: dict[str, Ids]) -> None:
    parsed = parse_file(path, SourceFile)
    source = parsed.source
    record = f"source {source.id!r}"
    _require(path, record, path.stem == source.id, "the file must be named after the source id")
    text_path = path.parent / source.text_file
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError(path, record, f"text_file cannot be read: {error}") from None
    add_source(path, parsed, text, bundle, ids)


def add_source(
    path: Path, parsed: SourceFile, text: str, bundle: SeedBundle, ids: dict[str, Ids]
) -> None:
    """Checks one parsed source file against its text and appends its rows to `bundle`.

    The one validation path for every corpus: the seed files and the synthetic generator.
    """
    source = parsed.source
    ids["source"].add(path, source.id)
    bundle.sources.append(
        {
            **source.model_dump(exclude={"text_file"}),
            "text": text,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
    )

    claim_texts: dict[str, tuple[str, int]] = {}
    for claim in parsed.claims:
        record = f"claim {claim.id!r}"
        ids["claim"].add(path, claim.id)
        _check_known(path, record, "speaker", ids["speaker"], [claim.speaker])
        _check_known(path, record, "topic", ids["topic"], claim.topics)
        span = find_span(text, claim.text, claim.occurrence)
        if isinstance(span, str):
            raise SeedError(path, record, span)
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

    for statistic in parsed.statistics:
        record = f"statistic {statistic.id!r}"
        ids["statistic"].add(path, statistic.id)
        _require(
            path,
            record,
            statistic.claim in claim_texts,
            f"claim {statistic.claim!r} is not in this file",
        )
        claim_text, claim_start = claim_texts[statistic.claim]
        offset = find_span(claim_text, statistic.display, None)
        if isinstance(offset, str):
            raise SeedError(path, record, offset.replace("source", f"claim {statistic.claim!r}"))
        bundle.statistics.append(
            {
                **statistic.model_dump(exclude={"claim", "period"}),
                "claim_id": statistic.claim,
                "period_label": statistic.period.label,
                "period_start": statistic.period.start,
                "period_end": statistic.period.end,
                "span_start": claim_start + offset[0],
                "span_end": claim_start + offset[1],
            }
        )


def _check_known(
    path: Path, record: str, kind: str, known: Ids, wanted: list[str | None] | list[str]
) -> None:
    for value in wanted:
        if value is not None and value not in known.seen:
            raise SeedError(path, record, f"unknown {kind} {value!r}")
