"""Fixtures: each backend migrated and seeded once per run; each test inside a rolled-back
transaction, talking HTTP to the real app."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.auth import create_key
from app.db import build_engine, get_session
from app.main import app
from app.migrate import upgrade
from seed.bundle import read_bundle
from seed.load import write_bundle
from tests.databases import BACKENDS, fresh_database, require_backend


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    require_backend(name)
    return name


@pytest.fixture(scope="session")
def seeded_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The backend, migrated by the real migrations and loaded by the real seed loader."""
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        upgrade(url)
        engine = build_engine(url)
        write_bundle(engine, read_bundle())
        yield engine
        engine.dispose()


@pytest.fixture
def session(seeded_engine: Engine) -> Iterator[Session]:
    """A session whose every commit lands in a savepoint of a transaction rolled back after."""
    with seeded_engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    def override() -> Iterator[Session]:
        yield session
        session.commit()

    app.dependency_overrides[get_session] = override
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty (unmigrated) database on the current backend."""
    with fresh_database(backend, tmp_path) as url:
        yield url


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
    upgrade(empty_database)
    engine = build_engine(empty_database)
    write_bundle(engine, read_bundle())
    engine.dispose()
    return empty_database
