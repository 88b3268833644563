"""Exports: a whole filtered list streamed as CSV or NDJSON, read in keyset batches.

CSV is written from the rows column by column rather than from the documents: a flattened
document's fields are its row's columns by name (`span.start` is `span_start`), so only what
a row does not hold itself (a claim's topics, a figure's speaker) is looked up, once per
batch (`Resource.derived_columns`). NDJSON writes the documents.
"""

import csv
import ctypes
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from app.resources.kernel import Document, Resource
from app.store.temporal import Tables

# Rows read per statement and written per chunk. Measured on SQLite (100k claims, A/B):
# 5,000 cost ~25 % more CPU per row than 1,000 (a batch no longer stays in the CPU caches)
# and 100 ~10 % more (statements); 500 saved ~10 % but doubles the statements, and each
# statement of a `q` export ranks all its matches again.
EXPORT_BATCH_ROWS = 1000

# glibc's malloc_trim, where the C library has one (not musl, not macOS).
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None)

Rows = Sequence[Row[Any]]
Columns = dict[str, Sequence[Any]]


def csv_export(
    connect: Callable[[], Connection], t: Tables, resource: Resource, batches: Iterable[Rows]
) -> Iterator[bytes]:
    """The resource's CSV columns (its documents flattened), batch by batch, each batch's
    derived columns read on `connect()`."""

    def columns(rows: Rows) -> Columns:
        own: Columns = dict(zip(rows[0]._fields, zip(*rows, strict=True), strict=True))
        return {**own, **resource.derived_columns(connect(), t, own)}

    return csv_lines(resource.csv_columns(), map(columns, batches))


def ndjson_export(batches: Iterable[list[Document]]) -> Iterator[bytes]:
    written = 0
    for documents in batches:
        yield b"".join(orjson.dumps(document) + b"\n" for document in documents)
        written += 1
    _return_freed_memory(written)


def _return_freed_memory(batches_written: int) -> None:
    """After a whole export of several batches, gives the pages its batches were made in back
    to the system: glibc keeps freed pages in its heaps, and a full export of 1M claims left the
    worker ~8 MB bigger. A trim costs about a millisecond, so one-batch exports skip it. Called
    once the last batch is read, which is off the event loop; an export its client abandons
    is closed wherever its generator is let go, the loop included, so it skips the trim (the
    next whole export makes it)."""
    if batches_written > 1 and _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


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
    written = 0
    for batch in batches:
        writer.writerows(zip(*(_cells(batch[column]) for column in columns), strict=True))
        yield take()
        written += 1
    _return_freed_memory(written)
