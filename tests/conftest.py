"""Fixtures: each backend migrated and seeded once per run; each test inside a rolled-back
transaction, talking HTTP to the real app."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

# The shared test app serves thousands of requests from one address; rate limiting has its
# own tests (tests/web/test_security.py) on apps built with tight limits.
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
# TestClient sends `Host: testserver`; live servers are called by 127.0.0.1 (a default).
os.environ.setdefault("TRUSTED_HOSTS", "testserver,localhost,127.0.0.1,::1")

from app.config import Settings
from app.main import app, create_app
from app.store.engine import (
    READ_OPTION,
    build_engine,
    get_reader,
    get_session,
    session_factory,
    session_scope,
)
from app.store.migrate import upgrade
from app.write.auth import create_key
from seed.bundle import read_bundle
from seed.load import write_bundle
from tests.support.databases import BACKENDS, fresh_database, require_backend
from tests.support.pgcluster import Replication, replicated_cluster
from tests.support.servers import server_process


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    require_backend(name)
    return name


def migrate_and_seed(url: str) -> Engine:
    """Migrate `url` by the real migrations and load it by the real seed loader."""
    upgrade(url)
    engine = build_engine(url)
    write_bundle(engine, read_bundle())
    return engine


@pytest.fixture(scope="session")
def seeded_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The backend, migrated and seeded once per run."""
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        engine = migrate_and_seed(url)
        yield engine
        engine.dispose()


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Session]:
    """A session whose every commit lands in a savepoint of a transaction rolled back after."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()


def serve(session: Session) -> None:
    """The app's requests run in `session` (and commit into it) until the overrides clear:
    writes in it, reads on its connection."""

    def writing() -> Iterator[Session]:
        yield session
        session.commit()

    def reading() -> Iterator[Connection]:
        yield session.connection()
        session.commit()

    app.dependency_overrides[get_session] = writing
    app.dependency_overrides[get_reader] = reading


@pytest.fixture
def session(seeded_engine: Engine) -> Iterator[Session]:
    with rolled_back(seeded_engine) as session:
        yield session


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    serve(session)
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty (unmigrated) database on the current backend."""
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def live_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a uvicorn process serving its own fresh, migrated and seeded database."""
    directory = tmp_path_factory.mktemp(f"live-{backend}")
    with fresh_database(backend, directory) as url:
        migrate_and_seed(url).dispose()
        with server_process(url, log=directory / "uvicorn.log") as server:
            yield server.base_url


@pytest.fixture(scope="session")
def live_openapi(live_url: str) -> dict[str, Any]:
    """The OpenAPI document as the live server serves it."""
    response = httpx.get(f"{live_url}/v1/openapi.json", timeout=10)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


@dataclass(frozen=True)
class OwnedDatabase:
    """A migrated, seeded database that only this test module uses, and that commits."""

    url: str
    engine: Engine

    @property
    def sqlite_file(self) -> Path | None:
        parsed = make_url(self.url)
        return Path(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None


@pytest.fixture(scope="module")
def owned_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OwnedDatabase]:
    with fresh_database(backend, tmp_path_factory.mktemp(f"owned-{backend}")) as url:
        engine = migrate_and_seed(url)
        yield OwnedDatabase(url, engine)
        engine.dispose()


def app_on(engine: Engine, settings: Settings | None = None) -> FastAPI:
    """A new app whose requests run in real, committing units of work on `engine`: writes in
    sessions, reads on connections marked as a read pool's (READ_OPTION, see `end_read`)."""
    new_app = create_app(settings)
    writes = session_factory(engine, write=True)
    reads = engine.execution_options(**{READ_OPTION: True})

    def writing() -> Iterator[Session]:
        with session_scope(writes) as session:
            yield session

    def reading() -> Iterator[Connection]:
        with reads.connect() as connection:
            yield connection
            connection.commit()

    new_app.dependency_overrides[get_session] = writing
    new_app.dependency_overrides[get_reader] = reading
    return new_app


@pytest.fixture
def write_headers(session: Session) -> dict[str, str]:
    """Authorization for a write key named `editor`, created inside the test's transaction."""
    return {"Authorization": f"Bearer {create_key(session.connection(), 'editor', 'write')}"}


@pytest.fixture
def read_headers(session: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(session.connection(), 'reader', 'read')}"}


@pytest.fixture
def seeded_url(empty_database: str) -> str:
    """A new database of its own, migrated and seeded, for tests that commit."""
    engine = migrate_and_seed(empty_database)
    engine.dispose()
    return empty_database


@pytest.fixture(scope="session")
def replication() -> Iterator[Replication]:
    """A PostgreSQL primary, migrated and seeded, and a streaming replica of it that has
    replayed everything (tests/pgcluster.py); tests that stop the replica start it again."""
    with replicated_cluster() as replication:
        migrate_and_seed(replication.primary.url).dispose()
        yield replication
