"""Writes a validated bundle in one transaction: new records are created, changed ones get a
new version, identical ones are left alone, so a second run changes nothing."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from psycopg.types.json import Json
from sqlalchemy import JSON, Connection, Engine, Table, delete, insert, select, update

from app.models import Claim, Source, Speaker, Statistic, Topic, claim_topic, utc_now
from seed.bundle import Row, SeedBundle, SeedError
from seed.synthetic import ORIGIN, Generator, record_id

CHUNK = 1000
# Rows per statement on the generic path, and the batch size from which PostgreSQL gets a COPY.
BULK_CHUNK = 10_000
COPY_THRESHOLD = 100
# Bound parameters per statement that SQLite accepts (its default limit since 3.32).
SQLITE_MAX_PARAMETERS = 32_766


@dataclass
class TableReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _versioned(table: Table) -> bool:
    return "version" in table.c


def insert_new_records(
    connection: Connection, table: Table, rows: Sequence[Row], now: datetime
) -> int:
    """Creates `rows` as version 1 of new records: the one path every new record takes (the
    seed loader, the synthetic corpus), so it is also where a change log hooks in.

    Rows must be new (their ids unused). Large batches go through each driver's bulk path:
    COPY on PostgreSQL, multi-row INSERTs on SQLite (see `_insert_multirow`).
    """
    if not rows:
        return 0
    stamp = {"version": 1, "created_at": now, "updated_at": now} if _versioned(table) else {}
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy_rows(connection, table, rows, stamp)
    elif connection.dialect.name == "sqlite":
        _insert_multirow(connection, table, rows, stamp)
    else:
        for chunk in _chunks(rows, BULK_CHUNK):
            connection.execute(insert(table), [{**row, **stamp} for row in chunk])
    return len(rows)


def _insert_multirow(connection: Connection, table: Table, rows: Sequence[Row], stamp: Row) -> None:
    """Many rows per INSERT statement, values typed by SQLAlchemy's own column processors
    (dates, UTC datetimes, JSON) without its per-row parameter bookkeeping.

    Many rows per statement because each statement makes the claims' FTS5 index flush its
    pending terms: one statement per row costs that index about four times as much (see
    bench/fts_insert.py).
    """
    names = [*rows[0], *stamp]
    quote = connection.dialect.identifier_preparer.quote
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    width = len(rows[0])
    stamped = tuple(
        value if process is None else process(value)
        for value, process in zip(stamp.values(), processors[width:], strict=True)
    )
    converted = [(index, process) for index, process in enumerate(processors[:width]) if process]
    per_statement = max(1, SQLITE_MAX_PARAMETERS // len(names))
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) VALUES "
    one_row = f"({', '.join('?' for _ in names)})"
    for chunk in _chunks(rows, per_statement):
        values: list[Any] = []
        for row in chunk:
            raw = [row[name] for name in names[:width]]
            for index, process in converted:
                raw[index] = process(raw[index])
            values.extend(raw)
            values.extend(stamped)
        connection.exec_driver_sql(head + ", ".join(one_row for _ in chunk), tuple(values))


def _copy_rows(connection: Connection, table: Table, rows: Sequence[Row], stamp: Row) -> None:
    """COPY FROM STDIN: PostgreSQL's fastest way in, typed by psycopg as it writes."""
    names = [*rows[0], *stamp]
    json_columns = {column.name for column in table.c if isinstance(column.type, JSON)}
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            values = {**row, **stamp}
            copy.write_row(
                [Json(values[name]) if name in json_columns else values[name] for name in names]
            )


def _existing(connection: Connection, table: Table, ids: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for chunk in _chunks(ids):
        for row in connection.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[row["id"]] = dict(row)
    return found


def _existing_topics(connection: Connection, claim_ids: Sequence[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(claim_ids):
        query = select(claim_topic).where(claim_topic.c.claim_id.in_(chunk))
        for claim_id, topic_id in connection.execute(query):
            found[claim_id].add(topic_id)
    return found


def _upsert(
    connection: Connection,
    table: Table,
    rows: list[Row],
    now: datetime,
    also_changed: set[str] | None = None,
) -> tuple[TableReport, set[str]]:
    """Creates and versions `rows`; returns the report and the ids created or changed."""
    report = TableReport()
    existing = _existing(connection, table, [row["id"] for row in rows])
    fresh: list[Row] = []
    touched: set[str] = set()
    for row in rows:
        current = existing.get(row["id"])
        if current is None:
            fresh.append(row)
            touched.add(row["id"])
            continue
        differs = any(current[name] != value for name, value in row.items())
        if differs or row["id"] in (also_changed or set()):
            connection.execute(
                update(table)
                .where(table.c.id == row["id"])
                .values(**row, version=current["version"] + 1, updated_at=now)
            )
            report.updated += 1
            touched.add(row["id"])
        else:
            report.unchanged += 1
    insert_new_records(connection, table, fresh, now)
    report.created = len(fresh)
    return report, touched


def write_bundle(engine: Engine, bundle: SeedBundle) -> dict[str, TableReport]:
    """All or nothing: any failure rolls the whole load back."""
    now = utc_now()
    reports: dict[str, TableReport] = {}
    with engine.begin() as connection:
        for name, table, rows in (
            ("sources", Source.__table__, bundle.sources),
            ("speakers", Speaker.__table__, bundle.speakers),
            ("topics", Topic.__table__, bundle.topics),
        ):
            assert isinstance(table, Table)
            reports[name], _ = _upsert(connection, table, rows, now)

        wanted: dict[str, set[str]] = defaultdict(set)
        for link in bundle.claim_topics:
            wanted[link["claim_id"]].add(link["topic_id"])
        claim_ids = [row["id"] for row in bundle.claims]
        current_topics = _existing_topics(connection, claim_ids)
        retopiced = {
            claim_id for claim_id in claim_ids if current_topics[claim_id] != wanted[claim_id]
        }
        claims = Claim.__table__
        assert isinstance(claims, Table)
        reports["claims"], _ = _upsert(
            connection, claims, bundle.claims, now, also_changed=retopiced
        )
        # Claims that exist already and had other topics are versioned above; relink them.
        for chunk in _chunks(sorted(retopiced)):
            connection.execute(delete(claim_topic).where(claim_topic.c.claim_id.in_(chunk)))
        links = [
            {"claim_id": claim_id, "topic_id": topic_id}
            for claim_id in sorted(retopiced)
            for topic_id in sorted(wanted[claim_id])
        ]
        insert_new_records(connection, claim_topic, links, now)

        statistics = Statistic.__table__
        assert isinstance(statistics, Table)
        reports["statistics"], _ = _upsert(connection, statistics, bundle.statistics, now)
    return reports


def write_new_bundle(connection: Connection, bundle: SeedBundle) -> None:
    """Creates every record of `bundle`, which must all be new (the synthetic corpus)."""
    now = utc_now()
    for table, rows in (
        (Speaker.__table__, bundle.speakers),
        (Topic.__table__, bundle.topics),
        (Source.__table__, bundle.sources),
        (Claim.__table__, bundle.claims),
        (claim_topic, bundle.claim_topics),
        (Statistic.__table__, bundle.statistics),
    ):
        assert isinstance(table, Table)
        insert_new_records(connection, table, rows, now)


def _prepare_bulk_load(connection: Connection) -> None:
    """Bulk-load settings for this connection only; the API's connections keep theirs."""
    if connection.dialect.name == "sqlite":
        # WAL stays on; only fsync is skipped (a power cut may lose the newest batches, never
        # corrupt the file) and the page cache is big enough to keep the indexes' hot pages.
        # Outside any transaction, which is where SQLite accepts these.
        driver = connection.connection.driver_connection
        assert driver is not None
        for pragma in (
            "synchronous = OFF",
            "cache_size = -262144",
            "temp_store = MEMORY",
            "threads = 2",  # CREATE INDEX sorts on helper threads
        ):
            driver.execute(f"PRAGMA {pragma}")
    else:
        connection.exec_driver_sql("SET synchronous_commit = off")
        connection.commit()


BULK_TABLES: tuple[Table, ...] = (
    cast(Table, Source.__table__),
    cast(Table, Claim.__table__),
    claim_topic,
    cast(Table, Statistic.__table__),
)


@contextmanager
def _indexes_rebuilt_after(connection: Connection, fresh: bool) -> Iterator[None]:
    """Into empty tables, drop the secondary indexes and build them once at the end: sorting
    once is several times cheaper than a million random index inserts. DDL is transactional
    on both databases, so inside the load's transaction this is all or nothing."""
    indexes = [index for table in BULK_TABLES for index in table.indexes] if fresh else []
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)


def load_synthetic(engine: Engine, claims: int, seed: int) -> dict[str, int]:
    """Streams a synthetic corpus into the database in one transaction: all or nothing.

    Memory stays flat at any size: a batch is generated, validated, written and dropped.
    """
    generator = Generator(claims, seed)
    counts = {"speakers": 0, "topics": 0, "sources": 0, "claims": 0, "statistics": 0}
    with engine.connect() as connection:
        _prepare_bulk_load(connection)
        with connection.begin():
            first_claim = select(Claim.id).where(Claim.id == record_id("claim", 1))
            if connection.execute(first_claim).first():
                raise SeedError(ORIGIN, "claims", "a synthetic corpus is loaded already")
            fresh = connection.execute(select(Claim.id).limit(1)).first() is None
            known = set(connection.execute(select(Topic.id)).scalars())
            first = SeedBundle(
                speakers=generator.speakers,
                topics=[topic for topic in generator.topics() if topic["id"] not in known],
            )
            write_new_bundle(connection, first)
            counts["speakers"], counts["topics"] = len(first.speakers), len(first.topics)
            with _indexes_rebuilt_after(connection, fresh):
                for bundle in generator.batches():
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
