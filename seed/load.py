"""Writes a validated bundle in one transaction, as versions authored by `seed`: new records
are created, records whose seed entry changed get a new version, the rest are left alone.

Each record remembers the hash of the seed entry it was last loaded from (`seed_hash`), so a
record corrected through the API keeps its correction until its seed entry itself changes, and
a retracted record stays retracted.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, select, update

from app.db import WRITE_OPTION
from app.models import utc_now
from app.tables import RESOURCE_TABLES
from app.versioning import changed_fields, insert_new_records, topics_of, update_record
from seed.bundle import Row, SeedBundle

CHUNK = 1000
AUTHOR = "seed"
CREATE_REASON = "loaded from the seed files"
UPDATE_REASON = "the seed file changed"


@dataclass
class TableReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def seed_hash(row: Row, topics: list[str] | None = None) -> str:
    entry = {**row, "topics": topics} if topics is not None else row
    return hashlib.sha256(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _existing(connection: Connection, table: Table, ids: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(ids):
        for row in connection.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[row["id"]] = row
    return found


def insert_new_records_from_seed(
    connection: Connection, resource: str, rows: Sequence[Row], at: datetime, links: Sequence[Row]
) -> None:
    insert_new_records(
        connection, resource, rows, at=at, author=AUTHOR, reason=CREATE_REASON, links=links
    )


def _load(
    connection: Connection,
    resource: str,
    rows: list[Row],
    now: datetime,
    topics: dict[str, list[str]] | None = None,
) -> TableReport:
    report = TableReport()
    table = RESOURCE_TABLES[resource][0]
    existing = _existing(connection, table, [row["id"] for row in rows])
    fresh: list[Row] = []
    links: list[Row] = []
    for row in rows:
        wanted_topics = None if topics is None else sorted(topics[row["id"]])
        digest = seed_hash(row, wanted_topics)
        current = existing.get(row["id"])
        if current is None:
            fresh.append({**row, "seed_hash": digest})
            links += [{"claim_id": row["id"], "topic_id": t} for t in wanted_topics or []]
            continue
        if current["seed_hash"] == digest or current["retracted_at"] is not None:
            report.unchanged += 1
            continue
        same_topics = wanted_topics is None or wanted_topics == topics_of(connection, row["id"])
        if not changed_fields(current, row) and same_topics:
            # Already holds exactly this entry (a first load before seed hashes, or an API
            # correction identical to the new file): remember the entry, make no version.
            connection.execute(
                update(table).where(table.c.id == row["id"]).values(seed_hash=digest)
            )
            report.unchanged += 1
            continue
        update_record(
            connection,
            resource,
            current,
            {**row, "seed_hash": digest},
            author=AUTHOR,
            reason=UPDATE_REASON,
            topics=wanted_topics,
        )
        report.updated += 1
    insert_new_records_from_seed(connection, resource, fresh, now, links)
    report.created = len(fresh)
    return report


def write_bundle(engine: Engine, bundle: SeedBundle) -> dict[str, TableReport]:
    """All or nothing: any failure rolls the whole load back."""
    now = utc_now()
    topics: dict[str, list[str]] = defaultdict(list)
    for link in bundle.claim_topics:
        topics[link["claim_id"]].append(link["topic_id"])
    # Marked as a write so SQLite takes its write lock up front, like an API write.
    with (
        engine.connect().execution_options(**{WRITE_OPTION: True}) as connection,
        connection.begin(),
    ):
        return {
            "sources": _load(connection, "source", bundle.sources, now),
            "speakers": _load(connection, "speaker", bundle.speakers, now),
            "topics": _load(connection, "topic", bundle.topics, now),
            "claims": _load(connection, "claim", bundle.claims, now, topics),
            "statistics": _load(connection, "statistic", bundle.statistics, now),
        }
