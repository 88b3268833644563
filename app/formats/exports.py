"""Exports: a whole filtered list streamed as CSV or NDJSON, read in keyset batches.

CSV is written from the rows column by column rather than from the documents: a flattened
document's fields are its row's columns by name (`span.start` is `span_start`), so only what
a row does not hold itself is looked up, once per batch. NDJSON writes the documents.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.resources.documents import claim_origins, claim_topics
from app.resources.kernel import Documents
from app.store.temporal import Tables
from app.web.negotiation import CSV_COLUMNS, csv_lines, ndjson_lines

# Rows read per statement and written per chunk. Measured on SQLite (100k claims, A/B):
# 5,000 cost ~25 % more CPU per row than 1,000 (a batch no longer stays in the CPU caches)
# and 100 ~10 % more (statements); 500 saved ~10 % but doubles the statements, and each
# statement of a `q` export ranks all its matches again.
EXPORT_BATCH_ROWS = 1000

Rows = Sequence[Row[Any]]
Columns = dict[str, Sequence[Any]]


def _claim_columns(session: Session, t: Tables, columns: Columns) -> Columns:
    topics = claim_topics(session, t, columns["id"])
    return {"topics": [topics.get(claim_id, []) for claim_id in columns["id"]]}


def _statistic_columns(session: Session, t: Tables, columns: Columns) -> Columns:
    origins = claim_origins(session, t, columns["claim_id"])
    claims = [origins[claim_id] for claim_id in columns["claim_id"]]
    return {
        "speaker_id": [claim["speaker_id"] for claim in claims],
        "source_id": [claim["source_id"] for claim in claims],
    }


# The CSV columns that a resource's rows do not hold themselves, from a batch's own columns.
DERIVED_COLUMNS: dict[str, Callable[[Session, Tables, Columns], Columns]] = {
    "claims": _claim_columns,
    "statistics": _statistic_columns,
}


def csv_export(
    session: Session, t: Tables, resource: str, batches: Iterable[Rows]
) -> Iterator[bytes]:
    derive = DERIVED_COLUMNS.get(resource)

    def columns(rows: Rows) -> Columns:
        own: Columns = dict(zip(rows[0]._fields, zip(*rows, strict=True), strict=True))
        return own if derive is None else {**own, **derive(session, t, own)}

    return csv_lines(CSV_COLUMNS[resource], map(columns, batches))


def ndjson_export(
    session: Session, t: Tables, documents: Documents, batches: Iterable[Rows]
) -> Iterator[bytes]:
    return ndjson_lines(
        documents(session, t, [row._mapping for row in rows], set()) for rows in batches
    )
