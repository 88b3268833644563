"""Writing versions: every create, update and retraction, from the API or the seed, goes
through here, so the current row, the history tables and the change feed always agree.

An update is `UPDATE ... WHERE id = :id AND version = :expected`: if another writer got there
first nothing matches and the whole transaction is rolled back (optimistic concurrency that
works the same on SQLite and PostgreSQL).
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, literal, select, text, update

from app.models import (
    NOT_VERSIONED,
    Change,
    ChangeOperation,
    claim_topic,
    claim_topic_history,
    utc_now,
)
from app.tables import RESOURCE_TABLES

Row = dict[str, Any]
# A record as read: a RowMapping, or a plain dict.
Record = Mapping[Any, Any]
CHUNK = 1000
# Serializes change-feed inserts on PostgreSQL until commit, so feed order is commit order and
# a follower resuming from a cursor can never miss a change committed late with a lower id.
CHANGE_FEED_LOCK = 0x636C61696D
# Columns a version carries that are not editable fields of the record.
BOOKKEEPING = {"id", "version", "created_at", "updated_at", "seed_hash"}
# How row columns are named in documents (and so in `changed_fields`).
FIELD_NAMES = {
    "span_start": "span",
    "span_end": "span",
    "period_label": "period",
    "period_start": "period",
    "period_end": "period",
}


class StaleVersionError(Exception):
    """The record is no longer at the version the writer read."""


def moment_after(previous: datetime) -> datetime:
    """Now, but strictly after `previous`, so versions of one record never share a moment
    (as_of relies on each version's validity interval being non-empty)."""
    return max(utc_now(), previous + timedelta(microseconds=1))


def changed_fields(current: Record, values: Record) -> list[str]:
    names: set[str] = {
        FIELD_NAMES.get(str(name), str(name))
        for name, value in values.items()
        if name not in BOOKKEEPING and current[name] != value
    }
    return sorted(names)


def _lock_change_feed(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_FEED_LOCK})


def _change_table() -> Table:
    table = Change.__table__
    assert isinstance(table, Table)
    return table


def record_changes(connection: Connection, changes: Sequence[Row]) -> None:
    _lock_change_feed(connection)
    for start in range(0, len(changes), CHUNK):
        connection.execute(insert(Change), list(changes[start : start + CHUNK]))


def change_row(
    resource: str,
    record_id: str,
    version: int,
    operation: ChangeOperation,
    at: datetime,
    author: str,
    reason: str,
    fields: list[str],
) -> Row:
    return {
        "resource": resource,
        "record_id": record_id,
        "version": version,
        "operation": operation.value,
        "at": at,
        "author": author,
        "reason": reason,
        "changed_fields": fields,
    }


def insert_rows(connection: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Inserts `rows` in chunks, each in as few statements as the database makes cheapest.

    On SQLite each INSERT statement makes the FTS5 index of claims flush its pending terms,
    so one statement per row (plain executemany) costs the index about four times as much
    (see bench/fts_insert.py): there RETURNING makes SQLAlchemy batch the rows into
    multi-row statements ("insertmanyvalues") with the compiled statement still cached.
    PostgreSQL has no such cost and psycopg's pipelined executemany is faster.
    """
    key = next(iter(table.primary_key.columns))
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start : start + CHUNK])
        if connection.dialect.name == "sqlite":
            connection.execute(insert(table).returning(key), chunk).all()
        else:
            connection.execute(insert(table), chunk)


def insert_new_records(
    connection: Connection,
    resource: str,
    rows: Sequence[Row],
    *,
    at: datetime,
    author: str,
    reason: str,
    links: Sequence[Row] = (),
) -> None:
    """Bulk-creates records at version 1: one row each, its claim-topic links, and one narrow
    change row each (no history row: a new record has no superseded version)."""
    table = RESOURCE_TABLES[resource][0]
    fresh = [{**row, "version": 1, "created_at": at, "updated_at": at} for row in rows]
    insert_rows(connection, table, fresh)
    insert_rows(connection, claim_topic, links)
    # The change rows are copied inside the database from the rows just written: no Python
    # work per record, which keeps bulk loads close to a plain insert.
    _lock_change_feed(connection)
    changes = _change_table()
    columns = ["resource", "record_id", "version", "operation", "at", "author", "reason",
               "changed_fields"]  # fmt: skip
    for start in range(0, len(rows), CHUNK):
        chunk = [row["id"] for row in rows[start : start + CHUNK]]
        created = select(
            literal(resource, changes.c.resource.type),
            table.c.id,
            table.c.version,
            literal(ChangeOperation.create.value, changes.c.operation.type),
            table.c.created_at,
            literal(author, changes.c.author.type),
            literal(reason, changes.c.reason.type),
            literal([], changes.c.changed_fields.type),
        ).where(table.c.id.in_(chunk))
        connection.execute(insert(changes).from_select(columns, created))


def topics_of(connection: Connection, claim_id: str) -> list[str]:
    query = (
        select(claim_topic.c.topic_id)
        .where(claim_topic.c.claim_id == claim_id)
        .order_by(claim_topic.c.topic_id)
    )
    return list(connection.execute(query).scalars())


def update_record(
    connection: Connection,
    resource: str,
    current: Record,
    values: Row,
    *,
    author: str,
    reason: str,
    operation: ChangeOperation = ChangeOperation.update,
    topics: list[str] | None = None,
    at: datetime | None = None,
) -> Row:
    """Makes `values` the next version of the record read as `current`; keeps `current` whole
    in history. Raises StaleVersionError when the record moved on since `current` was read."""
    table, history = RESOURCE_TABLES[resource]
    version = current["version"]
    moment = moment_after(current["updated_at"]) if at is None else at
    fields = changed_fields(current, values)
    old_topics = topics_of(connection, current["id"]) if resource == "claim" else []
    if topics is not None and topics != old_topics:
        fields = sorted({*fields, "topics"})
    new = {**values, "version": version + 1, "updated_at": moment}
    result = connection.execute(
        update(table).where(table.c.id == current["id"], table.c.version == version).values(new)
    )
    if result.rowcount != 1:
        raise StaleVersionError(current["id"])
    _keep_history(connection, table, history, current, moment, old_topics)
    if topics is not None and topics != old_topics:
        connection.execute(delete(claim_topic).where(claim_topic.c.claim_id == current["id"]))
        if topics:
            connection.execute(
                insert(claim_topic), [{"claim_id": current["id"], "topic_id": t} for t in topics]
            )
    record_changes(
        connection,
        [
            change_row(
                resource, current["id"], version + 1, operation, moment, author, reason, fields
            )
        ],
    )
    return new


def _keep_history(
    connection: Connection,
    table: Table,
    history: Table,
    current: Record,
    valid_to: datetime,
    topics: list[str],
) -> None:
    kept = {
        column.name: current[column.name]
        for column in table.columns
        if column.name not in NOT_VERSIONED
    }
    connection.execute(insert(history).values(**kept, valid_to=valid_to))
    if table.name == "claim" and topics:
        connection.execute(
            insert(claim_topic_history),
            [
                {"claim_id": current["id"], "version": current["version"], "topic_id": t}
                for t in topics
            ],
        )


def retract_record(
    connection: Connection, resource: str, current: Record, *, author: str, reason: str
) -> Row:
    moment = moment_after(current["updated_at"])
    return update_record(
        connection,
        resource,
        current,
        {"retracted_at": moment},
        author=author,
        reason=reason,
        operation=ChangeOperation.retract,
        at=moment,
    )
