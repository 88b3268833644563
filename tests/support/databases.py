"""Real throwaway databases for tests: a SQLite file, or a fresh PostgreSQL database."""

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.support.helpers import skip_outside_ci

# The server that PostgreSQL tests create their databases on (any database works as admin).
POSTGRES_URL = os.environ.get(
    "CLAIMBASE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except OperationalError as error:
        return f"no PostgreSQL server at {make_url(POSTGRES_URL).render_as_string()}: {error.orig}"
    finally:
        engine.dispose()


def require_backend(backend: str) -> None:
    if backend != "postgresql":
        return
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    skip_outside_ci(f"{reason} (set CLAIMBASE_TEST_POSTGRES_URL to run them)")


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'claimbase-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"claimbase_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        # Byte-order collation, as SQLite's: tests compute expected text order in Python.
        connection.execute(
            text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'")
        )
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def dump_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (migrations' own included), in a stable order."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return dump


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
