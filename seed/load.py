"""Writes a validated bundle in one transaction, as versions authored by `seed`: new records
are created, records whose seed entry changed get a new version, the rest are left alone.

Each record remembers the hash of the seed entry it was last loaded from (`seed_hash`), so a
record corrected through the API keeps its correction until its seed entry itself changes, and
a retracted record stays retracted.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Engine, Table, func, select, update

from app.store.engine import WRITE_OPTION
from app.store.models import Change, Claim, Source, Statistic, Topic, claim_topic, utc_now
from app.store.temporal import RESOURCE_TABLES
from app.write.versioning import (
    changed_fields,
    chunks,
    insert_new_records,
    topics_of,
    update_record,
)
from seed.background import generated_batches
from seed.bulk import derived_structures_rebuilt_after, prepare_connection
from seed.bundle import Row, SeedBundle, SeedError
from seed.synthetic import ORIGIN, Generator, record_id

AUTHOR = "seed"
CREATE_REASON = "loaded from the seed files"
UPDATE_REASON = "the seed file changed"
SYNTHETIC_AUTHOR = "synthetic"
SYNTHETIC_REASON = "synthetic corpus for benchmarks"


@dataclass
class TableReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def seed_hash(row: Row, topics: list[str] | None = None) -> str:
    entry = {**row, "topics": topics} if topics is not None else row
    return hashlib.sha256(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _existing(connection: Connection, table: Table, ids: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in chunks(ids):
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


def write_new_bundle(connection: Connection, bundle: SeedBundle) -> None:
    """Creates every record of `bundle`, which must all be new (the synthetic corpus), as
    version 1 with its `create` change, like any other new record."""
    now = utc_now()
    for resource, rows in (
        ("speaker", bundle.speakers),
        ("topic", bundle.topics),
        ("source", bundle.sources),
        ("claim", bundle.claims),
        ("statistic", bundle.statistics),
    ):
        links = bundle.claim_topics if resource == "claim" else ()
        insert_new_records(
            connection,
            resource,
            rows,
            at=now,
            author=SYNTHETIC_AUTHOR,
            reason=SYNTHETIC_REASON,
            links=links,
        )


# The tables a synthetic corpus fills in bulk (speakers and topics are few, loaded first).
BULK_TABLES: tuple[Table, ...] = (
    cast(Table, Source.__table__),
    cast(Table, Claim.__table__),
    claim_topic,
    cast(Table, Statistic.__table__),
    cast(Table, Change.__table__),
)


def load_synthetic(engine: Engine, claims: int, seed: int) -> dict[str, int]:
    """Streams a synthetic corpus into the database in one transaction: all or nothing.

    Memory stays flat at any size: a batch is generated, validated, written and dropped.
    """
    generator = Generator(claims, seed)
    counts = {"speakers": 0, "topics": 0, "sources": 0, "claims": 0, "statistics": 0}
    # A writer like any other (see app.store.engine on_begin): SQLite's write lock and PostgreSQL's
    # writer lock are taken when the transaction begins.
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection:
        prepare_connection(connection)
        with connection.begin():
            first_claim = select(Claim.id).where(Claim.id == record_id("claim", 1))
            if connection.execute(first_claim).first():
                raise SeedError(ORIGIN, "claims", "a synthetic corpus is loaded already")
            # Rebuilding what derives from the tables re-reads the rows already there: worth it
            # when the load at least doubles them (always, into an empty database).
            existing = connection.execute(select(func.count()).select_from(Claim)).scalar_one()
            in_bulk = [table.name for table in BULK_TABLES] if existing <= claims else []
            known = set(connection.execute(select(Topic.id)).scalars())
            first = SeedBundle(
                speakers=generator.speakers,
                topics=[topic for topic in generator.topics() if topic["id"] not in known],
            )
            write_new_bundle(connection, first)
            counts["speakers"], counts["topics"] = len(first.speakers), len(first.topics)
            with derived_structures_rebuilt_after(connection, in_bulk):
                for bundle in generated_batches(claims, seed):
                    write_new_bundle(connection, bundle)
                    counts["sources"] += len(bundle.sources)
                    counts["claims"] += len(bundle.claims)
                    counts["statistics"] += len(bundle.statistics)
            # Fresh statistics, so the planner knows how selective each index now is.
            connection.exec_driver_sql("ANALYZE")
        if connection.dialect.name == "postgresql":
            # Sets the visibility map, without which an index-only scan (a count on an
            # indexed filter) still visits every row's page. VACUUM needs autocommit.
            vacuum = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in BULK_TABLES:
                vacuum.exec_driver_sql(f'VACUUM "{table.name}"')
    return counts
