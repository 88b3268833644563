"""/healthz (alive) and /readyz (the database answers and is migrated to head)."""

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.config import Settings
from app.main import create_app
from app.store.engine import build_engine
from app.store.migrate import head_revision, upgrade
from tests.support.databases import POSTGRES_URL
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
    """A client of an app whose database is `url`."""
    with TestClient(create_app(Settings(database_url=url))) as test_client:
        yield test_client


def test_readyz_on_an_unmigrated_database_is_503(empty_database: str) -> None:
    # Connected once, so that an SQLite file exists: the API opens only existing files.
    engine = build_engine(empty_database)
    engine.connect().close()
    engine.dispose()
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


def test_readyz_when_the_database_refuses_the_connection(backend: str, tmp_path: Path) -> None:
    """A database that cannot be used as one (a file that is not a database, a database that
    does not exist) makes the process unready and its reads unavailable: 503s, not 500s."""
    if backend == "sqlite":
        not_a_database = tmp_path / "notes.db"
        not_a_database.write_bytes(b"not a database, " * 1024)
        url = f"sqlite:///{not_a_database}"
    else:
        no_such_database = make_url(POSTGRES_URL).set(database="claimbase_no_such_database")
        url = no_such_database.render_as_string(hide_password=False)
    for client in client_on(url):
        assert_problem(client.get("/readyz"), 503, "service-unavailable")
        assert_problem(client.get("/v1/claims"), 503, "service-unavailable")
