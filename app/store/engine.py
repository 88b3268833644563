"""The database: declarative `Base`, one engine per URL, and the request's unit of work: a
Core connection for a read, an ORM session for a write."""

import os
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.config import Settings, get_settings
from app.store.replicas import ReadRoute, Replica, ReplicaSet, change_head, read_route

# Stable constraint names on every database, so migrations can address them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# The read pools (see Databases): one connection in use at a time, a few spare.
READ_POOL_SIZE = 2
READ_POOL_OVERFLOW = 4
# Seconds to wait for a replica to accept a connection: one that does not is skipped, and the
# request path must never wait long on one.
REPLICA_CONNECT_TIMEOUT = 2
PRIMARY = "primary"
# Execution option marking a connection that will write (see `on_begin`).
WRITE_OPTION = "claimbase_write"
# Execution option marking a connection of a read pool, which a read gives back before it goes
# off the event loop (see `end_read`).
READ_OPTION = "claimbase_read"


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
        if connection.get_execution_options().get(WRITE_OPTION, False):
            # Through SQLAlchemy: a lock not granted is its OperationalError (a 503).
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # A deferred BEGIN takes no lock. Straight to the driver: exec_driver_sql's
            # machinery costs more than the BEGIN itself, and every read pays it.
            connection.connection.driver_connection.execute("BEGIN")

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


# Any constant: the key of the advisory lock PostgreSQL writers take (see _configure_postgresql).
_WRITE_LOCK_KEY = 0x636C61696D


def _configure_postgresql(engine: Engine, *, reads_only: bool) -> None:
    if reads_only:

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.read_only = True

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # One writer at a time, as with SQLite's BEGIN IMMEDIATE: change ids are then handed
        # out in commit order, so the change feed never skips a late commit and the newest
        # change id names the database's state (list ETags, app.web.conditional.state_etag).
        if connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK_KEY})")


def _sqlite_engine(
    database: str | None, url: str, create_missing: bool, pool: dict[str, int]
) -> Engine:
    path = database if database and database != ":memory:" else None
    connect_args = {"check_same_thread": False}
    if path is None:
        engine = create_engine(url, connect_args=connect_args)
    elif create_missing:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args=connect_args, **pool)
    else:
        # mode=rw: a missing file is an unavailable database, not a new empty one. Spelled as
        # a file URL (not a `creator`) so SQLAlchemy still picks its file-database pool.
        engine = create_engine(
            f"sqlite:///file:{Path(path).resolve().as_posix()}?mode=rw&uri=true",
            connect_args=connect_args,
            **pool,
        )
    _configure_sqlite(engine, path)
    return engine


def build_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    create_missing: bool = True,
    connect_timeout: int | None = None,
    reads_only: bool = False,
) -> Engine:
    """An engine for `url`; `create_missing=False` refuses to create a missing SQLite file.

    Bound parameters are kept out of error messages (`hide_parameters`): an error is logged,
    and its parameters may hold a key's hash or a record's text.

    On an engine for `reads_only` (the API's reads), every statement of a transaction reads
    one snapshot of the database, as a read transaction does on SQLite: a record, its topics
    and its citation are of one moment, and so are a page's rows and what its documents
    borrow. On PostgreSQL its transactions are `REPEATABLE READ READ ONLY`, set on each
    connection once (a read-only transaction never fails to serialize on the primary; on a
    replica, a statement that blocks the replay longer than `max_standby_streaming_delay` is
    cancelled at any isolation level). Its connections carry READ_OPTION: a read request
    gives its connection back before it goes off the event loop (`end_read`)."""
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": max_overflow}
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed.database, url, create_missing, pool)
        engine.hide_parameters = True
    else:
        connect_args = {}
        if connect_timeout is not None and "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = connect_timeout
        snapshot = {"isolation_level": "REPEATABLE READ"} if reads_only else {}
        engine = create_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args=connect_args,
            **snapshot,
            **pool,
        )
        _configure_postgresql(engine, reads_only=reads_only)
    if reads_only:
        # On the engine itself: an engine of options (Engine.execution_options) would look
        # up its event listeners on every statement.
        engine.update_execution_options(**{READ_OPTION: True})
    return engine


def get_engine() -> Engine:
    """A new engine on DATABASE_URL with the write pool's size, for tools outside the app."""
    settings = get_settings()
    return build_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        create_missing=False,
    )


def session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`. A write session's first statement takes the database's write lock
    (see on_begin), so the lock is waited for where that statement runs: in a write endpoint's
    worker thread, never on the event loop."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


@dataclass(frozen=True)
class Pool:
    """One connection pool, as the metrics name it."""

    database: str  # primary, replica-1, ...
    role: str  # write, read
    engine: Engine
    capacity: int


class Databases:
    """The database connections of one app: the primary's two pools, and its read replicas.

    The write pool is the threads': writes (and any sync endpoint). The read pool is the event
    loop's own. Were it shared with the threads, a read could wait on the loop for a connection
    that only the loop can give back (a write's commit runs there): every request would stall
    until the pool's timeout. The loop runs one read at a time and gives its connection back
    before the response is sent, so few are needed. Each replica has a read pool of the same
    size; its monitor (app/store/replicas.py) borrows a connection of it for each check.

    Engines connect lazily: building this touches no database."""

    def __init__(self, settings: Settings) -> None:
        url = settings.database_url
        self.write_engine = build_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            create_missing=False,
        )
        self.read_engine = build_engine(
            url,
            pool_size=READ_POOL_SIZE,
            max_overflow=READ_POOL_OVERFLOW,
            create_missing=False,
            reads_only=True,
        )
        replicas = [
            Replica(
                f"replica-{number}",
                build_engine(
                    replica_url,
                    pool_size=READ_POOL_SIZE,
                    max_overflow=READ_POOL_OVERFLOW,
                    create_missing=False,
                    connect_timeout=REPLICA_CONNECT_TIMEOUT,
                    reads_only=True,
                ),
                settings.replica_max_lag_seconds,
            )
            for number, replica_url in enumerate(settings.database_replica_urls, start=1)
        ]
        self.replicas = ReplicaSet(
            self.write_engine,
            replicas,
            settings.replica_check_interval_seconds,
            settings.primary_read_share,
        )
        self.write_sessions = session_factory(self.write_engine, write=True)
        self._pools = [
            Pool(
                PRIMARY,
                "write",
                self.write_engine,
                settings.db_pool_size + settings.db_max_overflow,
            ),
            Pool(PRIMARY, "read", self.read_engine, READ_POOL_SIZE + READ_POOL_OVERFLOW),
            *(
                Pool(replica.name, "read", replica.engine, READ_POOL_SIZE + READ_POOL_OVERFLOW)
                for replica in replicas
            ),
        ]

    def pools(self) -> list[Pool]:
        return list(self._pools)

    def start(self) -> None:
        self.replicas.start()

    def close(self) -> None:
        """Stops the monitor and closes every pooled connection."""
        self.replicas.stop()
        for pool in self._pools:
            pool.engine.dispose()

    def read_connection(self, route: ReadRoute | None) -> Connection:
        """A connection to the database that should serve this read: a healthy replica that
        has the change the client asked for (Claimbase-Min-Change), else the primary. It is
        connected already, so a replica that went down since its last check is noticed here
        (the pool pings each connection it hands out) and the primary serves instead. Its
        transaction begins with its first statement (`on_begin` on SQLite)."""
        if route is None or not self.replicas.replicas:
            return self.read_engine.connect()
        if route.primary_only:
            return self._on_primary(route, "replica-failed")
        if self.replicas.primary_takes_it():
            return self._on_primary(route, "primary-share")
        known, unknown = self.replicas.candidates(route.min_change)
        if not known and not unknown:
            return self._on_primary(route, "no-healthy-replica")
        replica = self.replicas.pick(known or unknown)
        try:
            connection = replica.engine.connect()
        except SQLAlchemyError as error:
            return self._replica_failed(route, replica, error)
        try:
            # Its last check predates the change asked for: ask the replica itself.
            replayed = bool(known) or change_head(connection) >= route.min_change
        except SQLAlchemyError as error:
            connection.close()
            return self._replica_failed(route, replica, error)
        if not replayed:
            connection.close()
            return self._on_primary(route, "not-replayed")
        route.replica, route.database, route.reason = replica, replica.name, "replica"
        return connection

    def _replica_failed(
        self, route: ReadRoute, replica: Replica, error: SQLAlchemyError
    ) -> Connection:
        if not is_unavailable(error):
            raise error
        replica.mark_down("a request could not reach it")
        return self._on_primary(route, "replica-failed")

    def _on_primary(self, route: ReadRoute, reason: str) -> Connection:
        route.replica, route.database, route.reason = None, PRIMARY, reason
        return self.read_engine.connect()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the request succeeds and rolls back when it fails."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A write request's unit of work: one ORM session on the primary's write pool; it owns
    commit and rollback, nothing else commits. It ends when the endpoint returns (SessionDep's
    scope), before the response is sent: a write is committed before its client hears of it,
    and a slow client holds no connection. Reads take `ReaderDep` instead.

    Async, as `get_reader` is, so that its commit runs on the event loop rather than in a
    thread of its own. Write endpoints stay sync: they may wait for a lock."""
    if request.method in READ_METHODS:
        raise RuntimeError(f"a {request.method} request reads: it takes ReaderDep, not SessionDep")
    databases: Databases = request.app.state.databases
    with session_scope(databases.write_sessions) as session:
        yield session


async def get_reader(request: Request) -> AsyncIterator[Connection]:
    """A read request's unit of work: one Core connection, in one transaction (one snapshot,
    see `build_engine`), on the database `Databases.read_connection` picks: a replica only for
    the API's reads (app.web.read_routing sets their route), the primary otherwise. Committed
    when the endpoint returns (ReaderDep's scope), before the response is sent, rolled back
    when it fails; either way its connection goes back to the pool then, so a slow client
    holds none. An endpoint that goes on off the event loop gives it back sooner (`end_read`).

    A connection rather than an ORM session: reads run Core statements only, and a session's
    bookkeeping cost ~15 % of a 304 (docs/performance.md, the fourth round).

    Async on purpose: read endpoints are `async def` too and run their (sub-millisecond,
    index-driven) statements on the event loop. A thread hand-off per dependency and endpoint
    cost more than the queries themselves and, under concurrency, made the threads fight over
    the GIL (bench/RESULTS.md)."""
    databases: Databases = request.app.state.databases
    with databases.read_connection(read_route.get()) as connection:
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()  # nothing to commit if the endpoint ended the read (end_read)


Bind = Engine | Connection


def end_read(connection: Connection) -> Bind:
    """Ends the request's read (`get_reader`'s connection) and gives its connection back to its
    pool; returns what the rest of the request reads on, in reads of its own (`OwnReads`).
    Called before a heavy page or an export goes off the event loop, so that a request waiting
    for a heavy-read thread holds no connection. A connection that is not a read pool's (a
    test's, inside its rolled-back transaction) is neither ended nor given back: the rest of
    the request reads on it."""
    if not connection.get_execution_options().get(READ_OPTION, False):
        return connection
    connection.close()
    return connection.engine


class OwnReads:
    """Reads of their own on `bind` (see `end_read`), off the event loop: `connection()` opens a
    connection (its transaction begins with its first statement) or returns the one open;
    `end()` ends its transaction and gives it back. A heavy page reads in one (`with`); an
    export reads each batch in one, ended before the batch is sent. On a `bind` that is a
    connection, they are reads on it, which `end()` leaves open."""

    def __init__(self, bind: Bind) -> None:
        self._bind = bind
        self._open: Connection | None = None

    def connection(self) -> Connection:
        if isinstance(self._bind, Connection):
            return self._bind
        if self._open is None:
            self._open = self._bind.connect()
        return self._open

    def end(self) -> None:
        """Gives the connection back; closing it rolls its transaction back, which for a read
        is the same as a commit."""
        opened, self._open = self._open, None
        if opened is not None:
            opened.close()

    def __enter__(self) -> "OwnReads":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.end()


# SQLite result codes (primary, low byte) that mean "the file cannot be used right now".
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CANTOPEN,
    # The path names a file that is not a database (a deployment's mistake, met when a read
    # connects): the service cannot serve, as with a missing file, rather than a bug (a 500).
    sqlite3.SQLITE_NOTADB,
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
    # Imported here, not at the top: a worker on SQLite never loads psycopg (about 10 MB).
    import psycopg

    if not isinstance(original, psycopg.Error):
        return False
    # psycopg raises connection failures (refused, reset, timed out) without a SQLSTATE.
    if original.sqlstate is None:
        return isinstance(original, psycopg.OperationalError)
    return original.sqlstate.startswith(_POSTGRES_UNAVAILABLE)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReaderDep = Annotated[Connection, Depends(get_reader, scope="function")]
