"""/healthz (alive) and /readyz (the database answers and is migrated to head)."""

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Connection

from app.main import app
from app.store.engine import build_engine, get_reader
from app.store.migrate import head_revision, upgrade
from tests.support.helpers import assert_problem


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "detail": None}


def test_readyz_when_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "detail": None}


def client_on(url: str) -> Iterator[TestClient]:
    engine = build_engine(url)

    def override() -> Iterator[Connection]:
        with engine.connect() as connection:
            yield connection

    app.dependency_overrides[get_reader] = override
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        app.dependency_overrides.clear()
        engine.dispose()


def test_readyz_on_an_unmigrated_database_is_503(empty_database: str) -> None:
    for client in client_on(empty_database):
        response = client.get("/readyz")
        body = assert_problem(response, 503, "service-unavailable")
        assert response.headers["retry-after"] == "5"
        assert head_revision() in body["detail"]
        assert "None" in body["detail"]
        # The process itself is fine: liveness does not depend on the database.
        assert client.get("/healthz").status_code == 200


def test_readyz_on_a_database_behind_head_is_503(empty_database: str) -> None:
    upgrade(empty_database, "base")
    for client in client_on(empty_database):
        assert_problem(client.get("/readyz"), 503, "service-unavailable")
    upgrade(empty_database)
    for client in client_on(empty_database):
        assert client.get("/readyz").status_code == 200


def test_readyz_when_the_database_cannot_be_reached(backend: str, tmp_path: Path) -> None:
    url = (
        f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it
        if backend == "sqlite"
        else "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    for client in client_on(url):
        response = client.get("/readyz")
        assert_problem(response, 503, "service-unavailable")
        assert "retry-after" in response.headers
