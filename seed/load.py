"""Writes a validated bundle in one transaction: new records are created, changed ones get a
new version, identical ones are left alone, so a second run changes nothing."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from app.models import Claim, Source, Speaker, Statistic, Topic, claim_topic, utc_now
from seed.bundle import Row, SeedBundle

CHUNK = 1000


@dataclass
class TableReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(connection: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Inserts `rows` in chunks, each in as few statements as the database makes cheapest.

    On SQLite each INSERT statement makes the FTS5 index of claims flush its pending terms,
    so one statement per row (plain executemany) costs the index about four times as much
    (see bench/fts_insert.py): there RETURNING makes SQLAlchemy batch the rows into
    multi-row statements ("insertmanyvalues") with the compiled statement still cached.
    PostgreSQL has no such cost and psycopg's pipelined executemany is faster.
    """
    key = next(iter(table.primary_key.columns))
    for chunk in _chunks(rows):
        if connection.dialect.name == "sqlite":
            connection.execute(insert(table).returning(key), list(chunk)).all()
        else:
            connection.execute(insert(table), list(chunk))


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
            fresh.append({**row, "version": 1, "created_at": now, "updated_at": now})
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
    insert_rows(connection, table, fresh)
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
        insert_rows(connection, claim_topic, links)

        statistics = Statistic.__table__
        assert isinstance(statistics, Table)
        reports["statistics"], _ = _upsert(connection, statistics, bundle.statistics, now)
    return reports
