"""Two PATCHes with the same If-Match, at the same moment, against a real running server:
exactly one wins, the other gets 412, and history holds every version that was made."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.store.engine import WRITE_OPTION, build_engine, session_factory
from app.write.auth import create_key
from tests.support.helpers import WAFERS

ROUNDS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(seeded_url: str) -> Iterator[tuple[str, str]]:
    """A uvicorn process serving the fresh database; yields (base URL, write token)."""
    engine = build_engine(seeded_url)
    with engine.begin() as connection:
        token = create_key(connection, "editor", "write")
    engine.dispose()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        env={**os.environ, "DATABASE_URL": seeded_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=10)


def race(base: str, token: str, etag: str, labels: list[str]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(labels))
    responses: list[httpx.Response | None] = [None] * len(labels)

    def attempt(index: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            barrier.wait()
            responses[index] = client.patch(
                f"/v1/statistics/{WAFERS}",
                json={"period": {"label": labels[index]}, "reason": f"writer {index}"},
                headers={"Authorization": f"Bearer {token}", "If-Match": etag},
            )

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(labels))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(response is not None for response in responses)
    return [response for response in responses if response is not None]


def test_concurrent_patches_with_the_same_if_match(server: tuple[str, str]) -> None:
    base, token = server
    url = f"{base}/v1/statistics/{WAFERS}"
    winners: list[str] = []
    for round_number in range(ROUNDS):
        etag = httpx.get(url).headers["etag"]
        labels = [f"round {round_number}, writer {i}" for i in range(2)]
        responses = race(base, token, etag, labels)
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200, 412], [r.text for r in responses]
        (loser,) = [r for r in responses if r.status_code == 412]
        assert loser.headers["content-type"] == "application/problem+json"
        assert loser.json()["type"] == "/problems/precondition-failed"
        (winner,) = [r for r in responses if r.status_code == 200]
        winners.append(winner.json()["period"]["label"])
        assert httpx.get(url).json()["period"] == winner.json()["period"]
    versions = httpx.get(f"{url}/versions", params={"sort": "version"}).json()["data"]
    assert [v["version"] for v in versions] == list(range(1, ROUNDS + 2))
    for version, label in zip(versions[1:], winners, strict=True):
        number = version["version"]
        assert httpx.get(f"{url}/versions/{number}").json()["period"]["label"] == label
    feed = httpx.get(f"{base}/v1/changes", params={"limit": 500}).json()["data"]
    assert [c["version"] for c in feed if c["id"] == WAFERS] == list(range(1, ROUNDS + 2))


def test_writers_wait_for_each_other_so_change_ids_follow_commit_order(seeded_url: str) -> None:
    """A write transaction holds the database's one write lock from its first statement: a
    second writer cannot start until it ends (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
    advisory lock), so a change id never commits after a higher one."""
    engine = build_engine(seeded_url)
    try:
        with session_factory(engine, write=True)() as first, engine.connect() as second:
            first.execute(text("SELECT 1"))
            # The second writer gives up at once instead of waiting for the lock.
            if engine.dialect.name == "sqlite":
                second.exec_driver_sql("PRAGMA busy_timeout = 0")
            else:
                second.exec_driver_sql("SET lock_timeout = '50ms'")
            second.commit()
            writer = second.execution_options(**{WRITE_OPTION: True})
            with pytest.raises(OperationalError, match=r"locked|lock timeout"):
                writer.begin()
            writer.rollback()
            first.commit()
            with writer.begin():
                assert writer.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
