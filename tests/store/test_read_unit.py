"""A read request's unit of work is one Core connection of a read pool (`get_reader`), not an ORM
session: committed when the endpoint returns, rolled back when it fails, and given back to its
pool before the response is sent. A write request opens no read connection."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Scope, Send

from app.config import Settings
from app.main import create_app
from app.store.engine import Databases
from app.write.auth import create_key


class Recorded:
    """What happened on the app's read pools and its ORM sessions, and when the response
    started, in order."""

    def __init__(self, databases: Databases) -> None:
        self.events: list[str] = []
        self._engines = [databases.read_engine, databases.write_engine]
        self._listeners: list[tuple[Any, str, Any]] = []
        for engine in self._engines:
            role = "read" if engine is databases.read_engine else "write"
            self._listen(engine, "checkout", role, "checkout")
            self._listen(engine, "checkin", role, "checkin")
            self._listen(engine, "commit", role, "commit")
            self._listen(engine, "rollback", role, "rollback")
        self._listen(Session, "after_begin", "orm", "session")

    def _listen(self, target: Engine | type[Session], name: str, role: str, what: str) -> None:
        def record(*_args: Any) -> None:
            self.events.append(f"{role} {what}")

        event.listen(target, name, record)
        self._listeners.append((target, name, record))

    def remove(self) -> None:
        for target, name, record in self._listeners:
            event.remove(target, name, record)

    def app(self, inner: Any) -> Any:
        """`inner` with the start of each response recorded."""

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    self.events.append(f"response {message['status']}")
                await send(message)

            await inner(scope, receive, sending)

        return app


@pytest.fixture
def recorded(seeded_url: str) -> Iterator[tuple[TestClient, Recorded, str]]:
    app = create_app(Settings(database_url=seeded_url))
    databases: Databases = app.state.databases
    with databases.write_engine.begin() as connection:
        token = create_key(connection, "editor", "write")
    recorder = Recorded(databases)
    try:
        with TestClient(recorder.app(app)) as client:
            client.get("/v1/claims/nqpf-01")  # the pools' first connections, made
            recorder.events.clear()
            yield client, recorder, token
    finally:
        recorder.remove()


@pytest.mark.parametrize(
    ("path", "status", "ended"),
    [
        ("/v1/claims/nqpf-01", 200, "read commit"),
        # A failing read rolls back before its problem is sent.
        ("/v1/claims/no-such-claim", 404, "read rollback"),
    ],
)
def test_a_read_ends_on_its_read_connection_before_its_response_starts(
    recorded: tuple[TestClient, Recorded, str], path: str, status: int, ended: str
) -> None:
    client, recorder, _token = recorded
    assert client.get(path).status_code == status
    assert recorder.events == ["read checkout", ended, "read checkin", f"response {status}"]


def test_a_heavy_page_gives_the_request_connection_back_before_it_reads_off_the_loop(
    recorded: tuple[TestClient, Recorded, str],
) -> None:
    client, recorder, _token = recorded
    assert client.get("/v1/claims?count=true").status_code == 200
    # The ETag's read, ended and given back; the page's own read, in a thread; then the
    # response. A read ended early is rolled back: it has nothing to commit.
    assert recorder.events == [
        "read checkout",
        "read rollback",
        "read checkin",
        "read checkout",
        "read rollback",
        "read checkin",
        "response 200",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/claims?count=true",
        "/v1/claims?q=growth",
        "/v1/search?q=growth",
        "/v1/statistics/summary?group_by=indicator",
        "/v1/changes?resource=claim",
        "/v1/claims.csv",
        "/v1/claims.ndjson?topic=economy",
    ],
)
def test_reads_on_and_off_the_loop_hold_one_read_connection_at_a_time(
    recorded: tuple[TestClient, Recorded, str], path: str
) -> None:
    """Heavy pages, searches, the summary, filtered feeds and exports read on the read pools'
    own connections (the tests' shared connection reads in place): each is given back before
    the next is taken, and none is held when the response starts or once it is sent."""
    client, recorder, _token = recorded
    response = client.get(path)
    assert response.status_code == 200, response.text
    held = most = 0
    for happened in recorder.events:
        if happened == "read checkout":
            held += 1
            most = max(most, held)
        elif happened == "read checkin":
            held -= 1
        elif happened.startswith("response"):
            assert held == 0, recorder.events
    assert (held, most) == (0, 1), recorder.events
    assert "orm session" not in recorder.events


def test_a_write_opens_no_read_connection(recorded: tuple[TestClient, Recorded, str]) -> None:
    client, recorder, token = recorded
    response = client.delete(
        "/v1/claims/nqpf-01",
        params={"reason": "a test"},
        headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
    )
    assert response.status_code == 200, response.text
    assert [e for e in recorder.events if not e.startswith("write")] == [
        "orm session",
        "response 200",
    ]
