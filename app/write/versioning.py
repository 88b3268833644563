"""Writing versions: every create, update and retraction, from the API or the seed, goes
through here, so the current row, the history tables and the change feed always agree.

An update is `UPDATE ... WHERE id = :id AND version = :expected`: if another writer got there
first nothing matches and the whole transaction is rolled back (optimistic concurrency that
works the same on SQLite and PostgreSQL).
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, delete, insert, select, update

from app.store.models import (
    NOT_VERSIONED,
    Change,
    ChangeOperation,
    claim_topic,
    claim_topic_history,
    utc_now,
)
from app.store.temporal import RESOURCE_TABLES

Row = dict[str, Any]
# A record as read: a RowMapping, or a plain dict.
Record = Mapping[Any, Any]
CHUNK = 1000
# Rows per statement on the generic path, and the batch size from which PostgreSQL gets a COPY.
BULK_CHUNK = 10_000
COPY_THRESHOLD = 100
# Bound parameters per statement that SQLite accepts (its default limit since 3.32).
SQLITE_MAX_PARAMETERS = 32_766
# Columns a version carries that are not editable fields of the record.
BOOKKEEPING = {"id", "version", "created_at", "updated_at", "seed_hash"}
# The claim's columns that its claim_topic rows carry a copy of.
LINK_COPIES = ("speaker_id", "retracted_at")
# Who the seed loader writes versions as (its first load creates records as `seed`).
SEED_AUTHOR = "seed"
SYNTHETIC_AUTHOR = "synthetic"
# The loaders' authors: their creates are a seed load (Change.seed_load).
SEED_AUTHORS = (SEED_AUTHOR, SYNTHETIC_AUTHOR)
# How row columns are named in documents (and so in `changed_fields`).
FIELD_NAMES = {
    "span_start": "span",
    "span_end": "span",
    "period_label": "period",
    "period_start": "period",
    "period_end": "period",
    "outline": "text",  # a source's outline is written with its text
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


def _change_table() -> Table:
    table = Change.__table__
    assert isinstance(table, Table)
    return table


def record_changes(connection: Connection, changes: Sequence[Row]) -> None:
    for chunk in chunks(changes):
        connection.execute(insert(Change), list(chunk))


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
        "seed_load": operation is ChangeOperation.create and author in SEED_AUTHORS,
    }


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """`items` in slices of `size`, so one statement never binds an unbounded list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(
    connection: Connection, table: Table, rows: Sequence[Row], stamp: Row | None = None
) -> None:
    """Inserts new `rows` (all with the same keys), each completed by the columns of `stamp`,
    through each database's fastest path: COPY on PostgreSQL for batches of `COPY_THRESHOLD`
    rows or more, multi-row INSERTs on SQLite (see `_insert_multirow`)."""
    if not rows:
        return
    stamp = stamp or {}
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy_rows(connection, table, rows, stamp)
    elif connection.dialect.name == "sqlite":
        _insert_multirow(connection, table, rows, stamp)
    else:
        for chunk in chunks(rows, BULK_CHUNK):
            connection.execute(insert(table), [{**row, **stamp} for row in chunk])


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
    values_of = _values_getter(names[:width])
    for chunk in chunks(rows, per_statement):
        values: list[Any] = []
        for row in chunk:
            raw = values_of(row)
            if converted:
                raw = list(raw)
                for index, process in converted:
                    raw[index] = process(raw[index])
            values += raw
            values += stamped
        connection.exec_driver_sql(head + ", ".join(one_row for _ in chunk), tuple(values))


def _values_getter(names: Sequence[str]) -> Callable[[Row], Sequence[Any]]:
    """A row's values in the order of `names`, picked in C (itemgetter) rather than by a loop;
    itemgetter of one name gives the bare value, hence the one-name case."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)


def _copy_rows(connection: Connection, table: Table, rows: Sequence[Row], stamp: Row) -> None:
    """COPY FROM STDIN: PostgreSQL's fastest way in, typed by psycopg as it writes."""
    # Imported here, not at the top: a worker on SQLite never loads psycopg (about 10 MB).
    from psycopg.types.json import Json

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
    change row each (no history row: a new record has no superseded version).

    The one path every new record takes (API creates, the seed loader, the synthetic corpus),
    so the change feed and the FTS index (kept by triggers or a generated column) always see
    them. Rows must be new (their ids unused).
    """
    table = RESOURCE_TABLES[resource][0]
    insert_rows(connection, table, rows, {"version": 1, "created_at": at, "updated_at": at})
    claims = {row["id"]: row for row in rows} if links else {}
    insert_rows(
        connection,
        claim_topic,
        [{**link, **link_copies(claims[link["claim_id"]])} for link in links],
    )
    # Every change row is the record's id and the same stamp: the bulk insert binds one value
    # per record, which is cheaper than looking each record up again (insert ... select).
    stamp = change_row(resource, "", 1, ChangeOperation.create, at, author, reason, [])
    stamp.pop("record_id")  # each row's own
    insert_rows(connection, _change_table(), [{"record_id": row["id"]} for row in rows], stamp)


def link_copies(claim: Record) -> Row:
    """What each claim_topic row copies from its claim (see app.store.models.claim_topic)."""
    return {name: claim.get(name) for name in LINK_COPIES}


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
    copies = link_copies({**current, **new})
    if topics is not None and topics != old_topics:
        connection.execute(delete(claim_topic).where(claim_topic.c.claim_id == current["id"]))
        if topics:
            connection.execute(
                insert(claim_topic),
                [{"claim_id": current["id"], "topic_id": t, **copies} for t in topics],
            )
    elif resource == "claim" and copies != link_copies(current):
        connection.execute(
            update(claim_topic).where(claim_topic.c.claim_id == current["id"]).values(copies)
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
