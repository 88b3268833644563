"""Bulk-load mode: the connection's settings for one big load, and the structures derived from
the loaded tables (secondary indexes, full-text indexes) built once at the end instead of
maintained row by row, which is several times cheaper for a large load.

The structures are read from the database's own catalogue, not from the models, so an index
or a full-text table that a migration adds is handled without touching this module. DDL is
transactional on both databases: a load that fails or is killed leaves them as they were.
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

# An external-content FTS5 table names the table it indexes: `content='claim'`.
FTS5_CONTENT = re.compile(r"USING\s+fts5\s*\(.*\bcontent\s*=\s*['\"]?(\w+)", re.I | re.S)
# Server-side memory for building the indexes at the end (PostgreSQL; this transaction only).
INDEX_BUILD_MEMORY = "256MB"


@dataclass
class DerivedStructures:
    """Statements that remove the derived structures before a load and rebuild them after."""

    drop: list[str] = field(default_factory=list)
    rebuild: list[str] = field(default_factory=list)


def prepare_connection(connection: Connection) -> None:
    """Bulk-load settings for this connection only; the API's connections keep theirs.
    Call it outside any transaction, which is where SQLite accepts them."""
    if connection.dialect.name == "sqlite":
        # WAL stays on; only fsync is skipped (a power cut may lose the newest batches, never
        # corrupt the file) and the page cache is big enough to keep the indexes' hot pages.
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


@contextmanager
def direct_writes_while_empty(connection: Connection, table: str) -> Iterator[None]:
    """SQLite, when `table` is empty (a fresh corpus): the load is written straight into the
    database file, under a rollback journal instead of the WAL, and WAL is back after it.

    A rollback journal keeps only the pages that existed before the transaction (here almost
    none), where WAL writes every page twice: into the log, then into the file when it is
    checkpointed. SQLite refuses the switch while another connection is open (the load then
    keeps WAL); one that connects during the load fails with `database is locked` (it cannot
    switch back to WAL) instead of reading the empty database. Call it outside any
    transaction."""
    driver = (
        connection.connection.driver_connection if connection.dialect.name == "sqlite" else None
    )
    if driver is None or driver.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
        yield
        return
    driver.execute("PRAGMA journal_mode = DELETE")
    try:
        yield
    finally:
        driver.execute("PRAGMA journal_mode = WAL")


@contextmanager
def derived_structures_rebuilt_after(
    connection: Connection, tables: Sequence[str]
) -> Iterator[None]:
    """Inside the load's transaction: drops what is derived from `tables`, runs the load, then
    rebuilds it all from the tables' final contents (rows already there included).

    On PostgreSQL, dropping an index locks its table until the load commits; on SQLite, readers
    keep seeing the database as it was before the load until then."""
    if connection.dialect.name == "sqlite":
        derived = _sqlite_derived(connection, tables)
    else:
        derived = _postgresql_derived(connection, tables)
    for statement in derived.drop:
        connection.exec_driver_sql(statement)
    yield
    for statement in derived.rebuild:
        connection.exec_driver_sql(statement)


def _sqlite_derived(connection: Connection, tables: Sequence[str]) -> DerivedStructures:
    derived = DerivedStructures()
    schema = connection.execute(
        text("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL")
    ).all()
    # Indexes with a definition (`sql`): the ones a UNIQUE or PRIMARY KEY constraint makes
    # have none, and stay.
    for kind, name, table, sql in schema:
        if kind == "index" and table in tables:
            derived.drop.append(f'DROP INDEX "{name}"')
            derived.rebuild.append(sql)
    # External-content FTS5 tables over `tables`: their triggers are dropped, and 'rebuild'
    # re-reads the whole content table, which is what the triggers would have inserted.
    for kind, name, _table, sql in schema:
        content = FTS5_CONTENT.search(sql) if kind == "table" else None
        if content is None or content.group(1) not in tables:
            continue
        for trigger_kind, trigger, trigger_table, trigger_sql in schema:
            if (
                trigger_kind == "trigger"
                and trigger_table == content.group(1)
                and re.search(rf"\b{re.escape(name)}\b", trigger_sql)
            ):
                derived.drop.append(f'DROP TRIGGER "{trigger}"')
                derived.rebuild.append(trigger_sql)
        derived.rebuild.append(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\')')
    return derived


def _postgresql_derived(connection: Connection, tables: Sequence[str]) -> DerivedStructures:
    # Every index of `tables` but those that back a constraint (primary key, unique), which
    # the load needs and other tables' foreign keys rely on. The GIN full-text index is one of
    # them; its generated tsvector column is filled as each row is written.
    indexes = connection.execute(
        text(
            "SELECT format('DROP INDEX %I.%I', n.nspname, i.relname),"
            " pg_get_indexdef(x.indexrelid)"
            " FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE t.relname = ANY(:tables) AND n.nspname = current_schema()"
            " AND NOT EXISTS (SELECT FROM pg_constraint c"
            "  WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)"
            " ORDER BY i.relname"
        ),
        {"tables": list(tables)},
    ).all()
    # Foreign keys of `tables`: checked row by row (a trigger per row) they cost more than
    # the insert itself; added back at the end, each is validated by one join of the tables.
    foreign_keys = connection.execute(
        text(
            "SELECT format('ALTER TABLE %I.%I DROP CONSTRAINT %I', n.nspname, t.relname,"
            " c.conname),"
            " format('ALTER TABLE %I.%I ADD CONSTRAINT %I ', n.nspname, t.relname, c.conname)"
            " || pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c"
            " JOIN pg_class t ON t.oid = c.conrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE c.contype = 'f' AND t.relname = ANY(:tables)"
            " AND n.nspname = current_schema()"
            " ORDER BY t.relname, c.conname"
        ),
        {"tables": list(tables)},
    ).all()
    structures = [*indexes, *foreign_keys]
    return DerivedStructures(
        drop=[drop for drop, _definition in structures],
        rebuild=[f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"]
        + [definition for _drop, definition in structures],
    )
