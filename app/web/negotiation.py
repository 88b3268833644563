"""Response formats of lists: Accept negotiation, and CSV / NDJSON streamed row by row."""

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from app.web.problems import ApiError

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "jsonld": "application/ld+json",
}
STREAMED = {"csv", "ndjson"}

# CSV columns per resource, in their documented, stable order. Nested objects are flattened
# with `_` (span -> span_start, span_end) and lists are joined with `;`.
META_COLUMNS = ("version", "created_at", "updated_at", "retracted_at")
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "claims": (
        "id", "kind", "text", "span_start", "span_end", "speaker_id", "source_id", "topics",
        *META_COLUMNS,
    ),
    "statistics": (
        "id", "indicator", "entity", "value", "unit", "display", "period_label",
        "period_start", "period_end", "span_start", "span_end", "claim_id", "speaker_id",
        "source_id", *META_COLUMNS,
    ),
    "speakers": ("id", "name", "title", "affiliation", "country", *META_COLUMNS),
    "sources": (
        "id", "title", "standfirst", "publisher", "authors", "editors", "published_on",
        "language", "url", "text", "sha256", *META_COLUMNS,
    ),
    "topics": ("id", "name", *META_COLUMNS),
}  # fmt: skip


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float
    position: int

    def specificity(self, media_type: str) -> int:
        """How precisely this range names `media_type`: -1 not at all, 0 `*/*` ... 2 exact."""
        kind, subtype = media_type.split("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == subtype else -1


def _quality(parameters: Sequence[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


def parse_accept(header: str) -> list[MediaRange]:
    ranges = []
    for position, item in enumerate(header.split(",")):
        media_type, *parameters = item.split(";")
        kind, slash, subtype = media_type.strip().lower().partition("/")
        if kind and slash and subtype:
            ranges.append(MediaRange(kind, subtype, _quality(parameters), position))
    return ranges


def negotiate(accept: str | None, format_param: str | None) -> str:
    """The format to answer with: `format` wins, then the best-rated type of Accept
    (most specific range decides a type's quality; ties go to the one listed first)."""
    if format_param is not None:
        return format_param
    if accept is None or not accept.strip():
        return "json"
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for name, media_type in MEDIA_TYPES.items():
        matching = [(r.specificity(media_type), r) for r in ranges]
        matching = [(specificity, r) for specificity, r in matching if specificity >= 0]
        if not matching:
            continue
        specificity, decisive = max(matching, key=lambda pair: pair[0])
        rank = (decisive.quality, specificity, -decisive.position)
        if decisive.quality > 0 and (best is None or rank > best):
            best, chosen = rank, name
    if chosen is None:
        raise ApiError(
            406,
            "not-acceptable",
            "Not acceptable",
            f"Lists are served as {', '.join(MEDIA_TYPES.values())}; the Accept header "
            f"{accept!r} allows none of them. `?format=` selects one explicitly.",
        )
    return chosen


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ";".join(map(_cell, value))
    # Numbers, booleans, dates and datetimes are written exactly as in the JSON documents.
    return orjson.dumps(value).decode().strip('"')


# What csv.writer already writes as the JSON documents do (None as an empty cell).
_WRITTEN_AS_IS = {str, int, type(None)}
# What the JSON documents hold as strings (or null), so one orjson round trip converts it.
_JSON_STRINGS = {datetime, date, type(None)}


def _cells(values: Sequence[Any]) -> Sequence[Any]:
    """One column of a batch, ready for csv.writer: converted only when it holds something
    csv.writer would write otherwise (timestamps, dates, floats, lists, booleans)."""
    kinds = set(map(type, values))
    if kinds <= _WRITTEN_AS_IS:
        return values
    if kinds <= _JSON_STRINGS:
        # The whole column in one call, a third of the cost of formatting value by value.
        texts: list[str | None] = orjson.loads(orjson.dumps(values))
        return texts
    return [_cell(value) for value in values]


def csv_lines(
    columns: Sequence[str], batches: Iterable[Mapping[str, Sequence[Any]]]
) -> Iterator[bytes]:
    """The header, then one RFC 4180 line (CRLF, quoted as needed) per record. Each batch
    comes column by column (name -> one value per record) and leaves as one chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    writer.writerow(columns)
    yield take()
    for batch in batches:
        writer.writerows(zip(*(_cells(batch[column]) for column in columns), strict=True))
        yield take()


def ndjson_lines(batches: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    for documents in batches:
        yield b"".join(orjson.dumps(document) + b"\n" for document in documents)
