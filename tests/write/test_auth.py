"""API keys: 401 without one, 403 with the wrong scope, hashes only, and the CLI."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.__main__ import main
from app.config import get_settings
from app.main import app
from app.store.engine import build_engine
from app.store.migrate import upgrade
from app.store.models import ApiKey
from app.write.auth import create_key, require_reader, revoke_key
from tests.support.helpers import WAFERS, assert_problem, change_count

WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/v1/topics", {"json": {"id": "chips", "name": "Chips", "reason": "r"}}),
    ("PATCH", f"/v1/statistics/{WAFERS}", {"json": {"value": 1.0, "reason": "r"}}),
    ("DELETE", f"/v1/statistics/{WAFERS}", {"params": {"reason": "r"}}),
]
IF_MATCH = {"If-Match": "*"}


@pytest.mark.parametrize(("method", "url", "kwargs"), WRITES)
@pytest.mark.parametrize(
    ("authorization", "error"),
    [(None, None), ("Bearer cb_not-a-key", "invalid_token"), ("Basic dXNlcjpwYXNz", None)],
)
def test_write_without_a_valid_key_is_401_and_writes_nothing(
    client: TestClient,
    method: str,
    url: str,
    kwargs: Any,
    authorization: str | None,
    error: str | None,
) -> None:
    headers = dict(IF_MATCH)
    if authorization is not None:
        headers["Authorization"] = authorization
    before = change_count(client)
    response = client.request(method, url, headers=headers, **kwargs)
    assert_problem(response, 401, "unauthorized")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="claimbase"')
    assert (f'error="{error}"' in challenge) == (error is not None)
    assert change_count(client) == before


@pytest.mark.parametrize(("method", "url", "kwargs"), WRITES)
def test_write_with_a_read_key_is_403(
    client: TestClient, read_headers: dict[str, str], method: str, url: str, kwargs: Any
) -> None:
    before = change_count(client)
    response = client.request(method, url, headers={**read_headers, **IF_MATCH}, **kwargs)
    assert_problem(response, 403, "forbidden")
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert change_count(client) == before


def test_revoked_key_is_401(client: TestClient, session: Session) -> None:
    token = create_key(session.connection(), "temp", "write")
    assert revoke_key(session.connection(), "temp")
    method, url, kwargs = WRITES[0]
    response = client.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert_problem(response, 401, "unauthorized")


def test_only_the_hash_is_stored(session: Session) -> None:
    token = create_key(session.connection(), "hashed", "write")
    key = session.execute(select(ApiKey).where(ApiKey.name == "hashed")).scalar_one()
    assert token not in (key.token_sha256, key.name)
    assert len(key.token_sha256) == 64


def test_history_names_the_key(client: TestClient, write_headers: dict[str, str]) -> None:
    method, url, kwargs = WRITES[0]
    assert client.request(method, url, headers=write_headers, **kwargs).status_code == 201
    assert client.get("/v1/topics/chips/versions").json()["data"][0]["author"] == "editor"


@pytest.fixture
def reads_require_key() -> Iterator[None]:
    settings = get_settings()
    settings.reads_require_key = True
    yield
    settings.reads_require_key = False


@pytest.mark.usefixtures("reads_require_key")
def test_reads_can_require_a_read_key(
    client: TestClient, read_headers: dict[str, str], write_headers: dict[str, str]
) -> None:
    response = client.get("/v1/claims")
    assert_problem(response, 401, "unauthorized")
    assert 'scope="read"' in response.headers["www-authenticate"]
    assert client.get("/v1/claims", headers=read_headers).status_code == 200
    assert client.get("/v1/claims", headers=write_headers).status_code == 200
    assert client.get("/healthz").status_code == 200


def _dependencies(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _dependencies(dependency)


def test_every_read_of_the_api_checks_the_read_key() -> None:
    """Read routes opt in to `require_reader` (app/routes/__init__.py): each GET under /v1 must
    have it, so that READS_REQUIRE_KEY guards every read, a route added later included."""
    reads = [
        route
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.path.startswith("/v1/")
        and "GET" in (route.methods or set())
    ]
    assert len(reads) > 40
    unguarded = [
        route.path for route in reads if require_reader not in set(_dependencies(route.dependant))
    ]
    assert unguarded == []


def test_reads_are_public_by_default(client: TestClient) -> None:
    assert client.get("/v1/claims").status_code == 200


def test_openapi_declares_bearer_security_on_writes_only() -> None:
    document = app.openapi()
    schemes = document["components"]["securitySchemes"]
    assert [scheme["scheme"] for scheme in schemes.values()] == ["bearer"]
    (name,) = schemes
    for path, item in document["paths"].items():
        for method, operation in item.items():
            writes = method in ("post", "patch", "delete")
            assert (operation.get("security") == [{name: []}]) == writes, (method, path)
            # A draft writes no record: no record to find, conflict with or be stale against.
            record_write = writes and operation["operationId"] != "create_draft"
            if writes:
                for status in ("401", "403", "422"):
                    assert status in operation["responses"], (method, path, status)
            if record_write:
                for status in ("404", "409", "410", "412", "428"):
                    assert status in operation["responses"], (method, path, status)


def test_cli_creates_lists_and_revokes_keys(
    empty_database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(empty_database)
    monkeypatch.setattr(get_settings(), "database_url", empty_database)
    assert main(["keys", "create", "--name", "alice", "--scope", "write"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("cb_")
    assert len(token) > 40
    assert main(["keys", "create", "--name", "alice"]) == 1
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert "alice\twrite" in listed
    assert "active" in listed
    assert token not in listed
    assert main(["keys", "revoke", "--name", "alice"]) == 0
    assert main(["keys", "revoke", "--name", "alice"]) == 1
    engine = build_engine(empty_database)
    with engine.connect() as connection:
        (revoked,) = connection.execute(select(ApiKey.revoked_at)).one()
    engine.dispose()
    assert revoked is not None
