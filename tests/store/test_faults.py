"""Faults with real parts: the database goes away and comes back under a running server, a seed
process is killed mid-write, and clients vanish or read slowly mid-response."""

import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from app.config import PROJECT_ROOT
from app.store.engine import build_engine
from app.store.migrate import upgrade
from app.store.models import Claim
from app.write.auth import create_key
from seed.bundle import read_bundle
from seed.load import load_synthetic, write_bundle
from tests.conftest import OwnedDatabase, app_on, migrate_and_seed
from tests.support.bigseed import write_data_dir
from tests.support.databases import dump_tables, file_digest, fresh_database
from tests.support.helpers import assert_problem
from tests.support.operations import GETS, LISTS
from tests.support.pgcluster import throwaway_cluster
from tests.support.servers import Server, server_process, server_thread

# Every read operation, by a URL that needs the database to answer.
READ_URLS = [op.with_query(op.path, "limit=5") for op in LISTS] + [op.url("nqpf-01") for op in GETS]


def seed_database(url: str) -> None:
    upgrade(url)
    engine = build_engine(url)
    write_bundle(engine, read_bundle())
    engine.dispose()


def assert_unavailable(response: httpx.Response) -> None:
    assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"].isdigit()
    for leaked in ("SELECT", "psycopg", "sqlite3", "Traceback", "OperationalError"):
        assert leaked not in response.text


def assert_database_gone(server: Server) -> None:
    for url in READ_URLS:
        assert_unavailable(httpx.get(server.base_url + url, timeout=10))
    assert_unavailable(httpx.get(f"{server.base_url}/readyz", timeout=10))
    # Liveness does not depend on the database: the process is fine, only not ready.
    assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200


def assert_recovers(server: Server, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while httpx.get(f"{server.base_url}/readyz", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the API did not recover by itself"
        time.sleep(0.2)
    for url in READ_URLS:
        response = httpx.get(server.base_url + url, timeout=10)
        # Answered from the database again: found, or (for another resource's id) not found.
        assert response.status_code in {200, 404}, url
        assert "server" not in response.headers  # uvicorn runs with --no-server-header
    assert server.process is not None
    assert server.process.poll() is None  # recovered in the same process, not restarted


def test_postgresql_stopped_and_restarted_under_a_running_server() -> None:
    with throwaway_cluster() as cluster:
        seed_database(cluster.url)
        with server_process(cluster.url) as server:
            assert_recovers(server)
            cluster.stop()
            assert_database_gone(server)
            cluster.start()
            assert_recovers(server)


def test_sqlite_file_moved_away_and_back_under_a_running_server(tmp_path: Path) -> None:
    database = tmp_path / "claimbase.db"
    seed_database(f"sqlite:///{database}")
    with server_process(f"sqlite:///{database}") as server:
        assert_recovers(server)
        database.rename(tmp_path / "elsewhere.db")
        assert_database_gone(server)
        (tmp_path / "elsewhere.db").rename(database)
        assert_recovers(server)


def test_the_served_sqlite_engine_is_safe_under_many_threads(tmp_path: Path) -> None:
    # The engine the app serves with (mode=rw) once fell back to a per-thread pool that
    # closed connections under load; the load test found it. Many threads, one engine:
    url = f"sqlite:///{tmp_path / 'claimbase.db'}"
    seed_database(url)
    engine = build_engine(url, create_missing=False)
    assert isinstance(engine.pool, QueuePool)
    errors: list[BaseException] = []

    def read_repeatedly() -> None:
        try:
            for _ in range(20):
                with Session(engine) as session:
                    session.execute(select(func.count()).select_from(Claim)).scalar_one()
                    session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read_repeatedly) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []


# -- a seed killed mid-write ------------------------------------------------------------------


@pytest.fixture(scope="session")
def big_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Large enough that the load runs for seconds, so it can be killed in the middle.
    return write_data_dir(
        tmp_path_factory.mktemp("big") / "data", sources=600, claims_per_source=60
    )


def _writing(url: str) -> Callable[[], bool]:
    """Whether a loader has written inside its (uncommitted) transaction yet."""
    if url.startswith("sqlite"):
        wal = Path(url.removeprefix("sqlite:///") + "-wal")
        # Uncommitted pages spill into the WAL once the page cache is full.
        return lambda: wal.exists() and wal.stat().st_size > 1_000_000
    watcher = build_engine(url)

    def has_writing_transaction() -> bool:
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        with watcher.connect() as connection:
            return bool(connection.execute(query).scalar_one())

    return has_writing_transaction


def test_seed_killed_mid_write_leaves_the_database_as_before(
    empty_database: str, big_data_dir: Path
) -> None:
    seed_database(empty_database)
    engine = build_engine(empty_database)
    before = dump_tables(engine)
    engine.dispose()
    sqlite_file = (
        Path(empty_database.removeprefix("sqlite:///")) if "sqlite" in empty_database else None
    )
    digest = file_digest(sqlite_file) if sqlite_file else None

    command = [
        sys.executable,
        "-m",
        "seed",
        "--data-dir",
        str(big_data_dir),
        "--database-url",
        empty_database,
    ]
    loader = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    writing = _writing(empty_database)
    deadline = time.monotonic() + 300
    while not writing():
        assert loader.poll() is None, "the loader finished before it could be killed mid-write"
        assert time.monotonic() < deadline, "the loader never started writing"
        time.sleep(0.01)
    loader.send_signal(signal.SIGKILL)
    assert loader.wait() == -signal.SIGKILL

    if sqlite_file is not None:
        assert file_digest(sqlite_file) == digest, "the killed load reached the database file"
    engine = build_engine(empty_database)
    try:
        assert dump_tables(engine) == before
    finally:
        engine.dispose()


# -- a write killed mid-transaction -------------------------------------------------------------

BIG_SOURCE = {
    "id": "killed-mid-write",
    "title": "Never written",
    "publisher": "Example",
    "authors": ["A. Writer"],
    "published_on": "2026-01-02",
    "language": "en",
    "text": "Output rose 3% in 2025. " * 36_000,  # ~860 kB: under the body limit
    "reason": "a write the server will not live to finish",
}


def _slow_body(body: bytes) -> Iterator[bytes]:
    """The body in small, slow pieces: the server holds its write transaction meanwhile."""
    for start in range(0, len(body), 16_384):
        yield body[start : start + 16_384]
        time.sleep(0.05)


def _sqlite_write_locked(path: Path) -> bool:
    """Whether another connection holds SQLite's write lock (an open write transaction)."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def _blocked_writer(watcher: Engine) -> bool:
    """Whether a PostgreSQL session has written (it has an xid) and now waits on a lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND wait_event_type = 'Lock'"
    )
    with watcher.connect() as connection:
        return bool(connection.execute(query).scalar_one())


def _wait_for(condition: Callable[[], bool], server: Server) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert server.process is not None
        assert server.process.poll() is None, "the server died before the kill"
        assert time.monotonic() < deadline, "the write never got under way"
        time.sleep(0.01)


def test_write_killed_mid_transaction_leaves_the_database_as_before(
    seeded_url: str, tmp_path: Path
) -> None:
    """SIGKILL the server inside a write transaction. On PostgreSQL the write has inserted its
    record and waits on a lock this test holds on the change table; on SQLite it holds the
    database's write lock while its (slow, large) body arrives. Either way: as before."""
    engine = build_engine(seeded_url)
    with engine.begin() as connection:
        token = create_key(connection, "editor", "write")
    before = dump_tables(engine)
    engine.dispose()
    sqlite_file = Path(seeded_url.removeprefix("sqlite:///")) if "sqlite" in seeded_url else None
    digest = file_digest(sqlite_file) if sqlite_file else None
    body = orjson.dumps(BIG_SOURCE)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with server_process(seeded_url, log=tmp_path / "uvicorn.log") as server:
        assert server.process is not None

        def write() -> None:
            with contextlib.suppress(httpx.TransportError):
                content = _slow_body(body) if sqlite_file else body
                httpx.post(f"{server.base_url}/v1/sources", content=content, headers=headers)

        writer = threading.Thread(target=write, daemon=True)
        if sqlite_file is not None:
            writer.start()
            _wait_for(lambda: _sqlite_write_locked(sqlite_file), server)
            server.process.send_signal(signal.SIGKILL)
        else:
            watcher = build_engine(seeded_url)
            with watcher.connect() as holder:
                holder.execute(text("LOCK TABLE change IN EXCLUSIVE MODE"))
                writer.start()
                _wait_for(lambda: _blocked_writer(watcher), server)
                server.process.send_signal(signal.SIGKILL)
                assert server.process.wait() == -signal.SIGKILL
                holder.rollback()
            watcher.dispose()
        assert server.process.wait() == -signal.SIGKILL
        writer.join(timeout=30)

    if sqlite_file is not None:
        assert file_digest(sqlite_file) == digest, "the killed write reached the database file"
    engine = build_engine(seeded_url)
    try:
        # PostgreSQL aborts the dead client's transaction once its lock wait ends.
        deadline = time.monotonic() + 30
        while dump_tables(engine) != before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert dump_tables(engine) == before
    finally:
        engine.dispose()


# -- slow and vanishing clients ---------------------------------------------------------------

BIG_READS = [
    "/v1/claims?limit=500&include=speaker,source,statistics",
    "/v1/statistics?limit=500&include=claim,speaker,source",
    "/v1/sources?limit=500",
    # Streamed exports: the whole filtered collection, page after page.
    "/v1/claims.csv?limit=5",
    "/v1/statistics.ndjson?limit=2",
]


@pytest.fixture(scope="module")
def big_database(owned_database: OwnedDatabase, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    data = write_data_dir(
        tmp_path_factory.mktemp("medium") / "data", sources=20, claims_per_source=60
    )
    write_bundle(owned_database.engine, read_bundle(data))
    return owned_database.engine


def _request(server: Server, url: str, receive_buffer: int | None = None) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    client = socket.socket()
    if receive_buffer is not None:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    client.connect((host, int(port)))
    client.sendall(f"GET {url} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    return client


def close_before_reading(server: Server, url: str) -> None:
    _request(server, url).close()


def close_after_first_bytes(server: Server, url: str) -> None:
    client = _request(server, url, receive_buffer=4096)
    assert client.recv(1024).startswith(b"HTTP/1.1 200")
    client.close()


def read_slowly_then_vanish(server: Server, url: str) -> None:
    client = _request(server, url, receive_buffer=4096)
    for _ in range(10):
        client.recv(512)
        time.sleep(0.05)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()  # with linger 0: a reset, as a crashed client sends


CLIENTS = [close_before_reading, close_after_first_bytes, read_slowly_then_vanish]


def _busy_backends(engine: Engine) -> int:
    if engine.dialect.name != "postgresql":
        return 0
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _settled(engine: Engine) -> Iterator[tuple[int, int]]:
    for _ in range(100):
        yield engine.pool.checkedout(), _busy_backends(engine)  # type: ignore[attr-defined]
        time.sleep(0.1)


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
def test_vanishing_and_slow_clients_release_database_connections(
    big_database: Engine, client: Callable[[Server, str], None]
) -> None:
    with server_thread(app_on(big_database)) as server:
        for url in BIG_READS:
            client(server, url)
        last = (-1, -1)
        for last in _settled(big_database):
            if last == (0, 0):
                break
        assert last == (0, 0), f"connections still checked out / busy backends: {last}"
        assert httpx.get(server.base_url + BIG_READS[0], timeout=30).status_code == 200


@pytest.fixture(scope="module")
def export_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """20,000 synthetic claims: an export of them (~6 MB) outgrows every socket buffer."""
    with fresh_database(backend, tmp_path_factory.mktemp(f"exports-{backend}")) as url:
        engine = migrate_and_seed(url)
        load_synthetic(engine, 20_000, 7)
        yield engine
        engine.dispose()


def _settles_with_no_connection(pool: QueuePool, quiet: float = 2.0, within: float = 60.0) -> bool:
    """Whether, within `within` seconds, no connection stays checked out for `quiet` seconds."""
    deadline = time.monotonic() + within
    idle_since = time.monotonic()
    while time.monotonic() < deadline:
        if pool.checkedout():
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            return True
        time.sleep(0.01)
    return False


def test_clients_waiting_on_exports_hold_no_connection(export_database: Engine) -> None:
    """Exports are read a batch at a time (off the event loop, two batches at once at most),
    and each batch gives its connection back before it is sent: while a dozen clients sit on
    half-read exports, no connection is checked out and an ordinary read is answered."""
    pool = export_database.pool
    assert isinstance(pool, QueuePool)
    with server_thread(app_on(export_database)) as server:
        waiting = [_request(server, "/v1/claims.csv", 4096) for _ in range(12)]
        try:
            for client in waiting:
                assert client.recv(1024).startswith(b"HTTP/1.1 200")
            # The streams read on until their clients' socket buffers are full, then wait.
            assert _settles_with_no_connection(pool), "the waiting streams hold connections"
            response = httpx.get(f"{server.base_url}/v1/claims?limit=1", timeout=10)
            assert response.status_code == 200
            assert _settles_with_no_connection(pool), "a read left a connection checked out"
        finally:
            for client in waiting:
                client.close()
