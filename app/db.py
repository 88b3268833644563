"""The database: declarative `Base`, one engine per URL, and the request-scoped session."""

import os
import sqlite3
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.config import get_settings

# Stable constraint names on every database, so migrations can address them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Execution option marking a connection that will write (see `on_begin`).
WRITE_OPTION = "claimbase_write"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _file_identity(path: str) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino


def _configure_sqlite(engine: Engine, path: str | None) -> None:
    # pysqlite opens transactions lazily and never emits BEGIN itself, which breaks SAVEPOINT
    # (and so rolled-back test transactions); SQLAlchemy's documented fix is to emit it here.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        if path is not None:
            record.info["file"] = _file_identity(path)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A write takes SQLite's write lock up front: a deferred transaction that read first
        # could not upgrade once another writer committed (SQLITE_BUSY_SNAPSHOT), whereas an
        # immediate one simply waits its turn (busy_timeout) and then reads the fresh row.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if path is None:
        return

    # An open SQLite connection keeps reading a file that was moved or replaced; the pool's
    # "pre-ping" for SQLite is to check the path still names the file it opened.
    @event.listens_for(engine, "checkout")
    def on_checkout(_connection: Any, record: Any, _proxy: Any) -> None:
        try:
            same = _file_identity(path) == record.info.get("file")
        except OSError:
            same = False
        if not same:
            raise DisconnectionError("the SQLite database file was moved or replaced")


def _sqlite_engine(database: str | None, url: str, create_missing: bool) -> Engine:
    path = database if database and database != ":memory:" else None
    if path is None or create_missing:
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
    else:
        # mode=rw: a missing file is an unavailable database, not a new empty one. Spelled as
        # a file URL (not a `creator`) so SQLAlchemy still picks its file-database pool.
        engine = create_engine(
            f"sqlite:///file:{Path(path).resolve().as_posix()}?mode=rw&uri=true",
            connect_args={"check_same_thread": False},
        )
    _configure_sqlite(engine, path)
    return engine


def build_engine(
    url: str, *, pool_size: int = 5, max_overflow: int = 5, create_missing: bool = True
) -> Engine:
    """An engine for `url`; `create_missing=False` refuses to create a missing SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed.database, url, create_missing)
    return create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return build_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        create_missing=False,
    )


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def session_scope(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """A session that commits when the request succeeds and rolls back when it fails; a write
    takes the database's write lock up front (see on_begin)."""
    with factory() as session:
        if write:
            session.connection(execution_options={WRITE_OPTION: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; it owns commit and rollback, nothing else commits."""
    yield from session_scope(_session_factory(), write=request.method not in READ_METHODS)


# SQLite result codes (primary, low byte) that mean "the file cannot be used right now".
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CANTOPEN,
}
# PostgreSQL SQLSTATEs of a lost or refused connection: class 08, shutdowns, too many clients.
_POSTGRES_UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "53300")


def is_unavailable(error: SQLAlchemyError) -> bool:
    """The database cannot be reached (retry later), as opposed to a bug in a statement."""
    if isinstance(error, PoolTimeoutError | DisconnectionError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    if not isinstance(original, psycopg.Error):
        return False
    # psycopg raises connection failures (refused, reset, timed out) without a SQLSTATE.
    if original.sqlstate is None:
        return isinstance(original, psycopg.OperationalError)
    return original.sqlstate.startswith(_POSTGRES_UNAVAILABLE)


SessionDep = Annotated[Session, Depends(get_session)]
