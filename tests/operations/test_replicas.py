"""Read replicas on PostgreSQL's own streaming replication (a real replica made by
tests/pgcluster.py), behind real servers: reads go to a healthy replica, a read that sends a
write's change id is served only where that change has been replayed, a replica that lags or
stops is skipped, and /readyz and /metrics report it. Replay is paused on the replica (not
mocked) to make it lag. SQLite has no replicas: its settings refuse them."""

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text

from app.config import Settings
from app.write.auth import create_key
from tests.support.helpers import WAFERS
from tests.support.pgcluster import Cluster, Replication
from tests.support.servers import server_process

URL = f"/v1/statistics/{WAFERS}"


def execute(cluster: Cluster, statement: str) -> Any:
    engine = create_engine(cluster.url)
    try:
        with engine.begin() as connection:
            return connection.execute(text(statement)).scalar()
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], seconds: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


@contextmanager
def replay_paused(replication: Replication) -> Iterator[None]:
    """The replica keeps receiving WAL but applies none of it: it lags, for real."""
    execute(replication.replica, "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        execute(replication.replica, "SELECT pg_wal_replay_resume()")


def readiness(base: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/readyz", timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def replica_healthy(base: str) -> bool:
    return bool(readiness(base)["replicas"][0]["healthy"])


@contextmanager
def replica_server(replication: Replication, log: Path, **settings: str) -> Iterator[str]:
    """A server on the primary with the replica configured, once it found the replica well."""
    env = {
        "DATABASE_REPLICA_URLS": replication.replica.url,
        "REPLICA_CHECK_INTERVAL_SECONDS": "0.2",
        "REPLICA_MAX_LAG_SECONDS": "60",
        "METRICS_ENABLED": "true",
        **settings,
    }
    with server_process(replication.primary.url, env=env, log=log) as server:
        wait_until(lambda: replica_healthy(server.base_url), what="the replica is healthy")
        yield server.base_url


@pytest.fixture
def write_key(replication: Replication) -> str:
    engine = create_engine(replication.primary.url)
    with engine.begin() as connection:
        token = create_key(connection, f"replica-test-{uuid.uuid4().hex[:8]}", "write")
    engine.dispose()
    return token


def period_of(step: float) -> dict[str, str]:
    # What a test writes: a period label numbered by its step (a figure's value must agree
    # with its display, and its indicator must be one of the vocabulary's: the label is free).
    return {"label": f"replica test {int(step)}"}


def step_of(figure: dict[str, Any]) -> float:
    """The step a figure was written at (0 for the seed's own)."""
    prefix = "replica test "
    label: str = figure["period"]["label"]
    return float(label.removeprefix(prefix)) if label.startswith(prefix) else 0.0


def patch_value(base: str, key: str, value: float) -> tuple[int, int]:
    """Writes step `value` to the figure: (the change id it committed, its new version)."""
    response = httpx.patch(
        base + URL,
        json={"period": period_of(value), "reason": "replica test"},
        headers={"Authorization": f"Bearer {key}", "If-Match": "*"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return int(response.headers["claimbase-change"]), response.json()["version"]


def read_value(base: str, min_change: int | None = None) -> float:
    headers = {} if min_change is None else {"Claimbase-Min-Change": str(min_change)}
    response = httpx.get(base + URL, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return step_of(response.json())


def metric(base: str, name: str, **labels: str) -> float:
    text_format = httpx.get(f"{base}/metrics", timeout=10).text
    selector = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = (
        rf"^{re.escape(name)}{{{re.escape(selector)}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    )
    found = re.search(pattern, text_format, re.M)
    return float(found.group(1)) if found else 0.0


def test_reads_go_to_the_replica_and_a_change_token_reads_your_write(
    replication: Replication, write_key: str, tmp_path: Path
) -> None:
    with replica_server(replication, tmp_path / "server.log") as base:
        before = read_value(base)
        with replay_paused(replication):
            token, _ = patch_value(base, write_key, before + 1)
            # The replica has not replayed the write: a plain read is served there, stale...
            assert read_value(base) == before
            # ...and one that sends the write's change id is not.
            assert read_value(base, token) == before + 1
            # A change the replica has replayed is served by the replica.
            assert read_value(base, token - 1) == before
            assert (
                metric(base, "claimbase_reads_total", database="replica-1", reason="replica") >= 2
            )
            assert (
                metric(base, "claimbase_reads_total", database="primary", reason="not-replayed")
                >= 1
            )
        wait_until(lambda: read_value(base) == before + 1, what="the replica replays the write")
        assert read_value(base, token) == before + 1


@pytest.mark.parametrize(
    ("settings", "served_by"),
    [
        ({}, "replica"),
        ({"PRIMARY_READ_SHARE": "1"}, "primary"),
        ({"REPLICA_MAX_LAG_SECONDS": "1"}, "primary"),
    ],
    ids=["a-replica-within-the-bound", "primary-read-share-1", "a-replica-beyond-the-bound"],
)
def test_which_database_serves_a_plain_read(
    replication: Replication,
    write_key: str,
    tmp_path: Path,
    settings: dict[str, str],
    served_by: str,
) -> None:
    with replica_server(replication, tmp_path / "server.log", **settings) as base:
        before = read_value(base)
        with replay_paused(replication):
            patch_value(base, write_key, before + 1)
            time.sleep(1.5)  # past a 1 s bound, well within 60 s
            expected = before if served_by == "replica" else before + 1
            assert [read_value(base) for _ in range(5)] == [expected] * 5
            (replica,) = readiness(base)["replicas"]
            assert replica["reachable"] is True
            assert replica["lag_seconds"] >= 1.4
            if "REPLICA_MAX_LAG_SECONDS" in settings:
                assert replica["healthy"] is False
                assert "lags" in replica["error"]
                assert metric(base, "claimbase_replica_healthy", replica="replica-1") == 0
            assert metric(base, "claimbase_replica_lag_seconds", replica="replica-1") >= 1.4
        wait_until(lambda: readiness(base)["replicas"][0]["lag_seconds"] == 0, what="it caught up")
        assert replica_healthy(base)
        assert metric(base, "claimbase_replica_lag_seconds", replica="replica-1") == 0
        primary_head = metric(base, "claimbase_change_head", database="primary")
        assert metric(base, "claimbase_change_head", database="replica-1") == primary_head > 0


def test_the_replica_stopped_mid_run(
    replication: Replication, write_key: str, tmp_path: Path
) -> None:
    """Readers and a writer keep going while the replica is stopped and started again: every
    read answers, no write is lost, and no reader that sent its change id sees older data."""
    outcomes: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def writer_and_reader(base: str, worker: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            step = 0
            while not stop.is_set():
                step += 1
                read = client.get(URL)
                outcomes.append(f"read {read.status_code}")
                if worker != 0:
                    continue
                written = client.patch(
                    URL,
                    json={
                        "period": period_of(1000 + step),
                        "reason": "while the replica stops",
                    },
                    headers={"Authorization": f"Bearer {write_key}", "If-Match": "*"},
                )
                outcomes.append(f"write {written.status_code}")
                if written.status_code != 200:
                    errors.append(written.text)
                    continue
                token = written.headers["claimbase-change"]
                mine = client.get(URL, headers={"Claimbase-Min-Change": token})
                outcomes.append(f"read-my-write {mine.status_code}")
                if mine.status_code != 200 or step_of(mine.json()) != 1000 + step:
                    errors.append(f"stale or failed read of my write {step}: {mine.text}")
                last_written.append((1000 + step, token))

    last_written: list[tuple[int, str]] = []
    with replica_server(replication, tmp_path / "server.log", REPLICA_MAX_LAG_SECONDS="5") as base:
        threads = [
            threading.Thread(target=writer_and_reader, args=(base, worker)) for worker in range(3)
        ]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.0)
            replication.replica.stop()
            time.sleep(1.5)
            (replica,) = readiness(base)["replicas"]
            assert (replica["healthy"], replica["reachable"]) == (False, False)
            assert metric(base, "claimbase_database_up", database="replica-1") == 0
            replication.replica.start()
            wait_until(lambda: replica_healthy(base), what="the replica is back")
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert errors == []
        assert set(outcomes) == {"read 200", "write 200", "read-my-write 200"}, set(outcomes)
        assert len(last_written) >= 5
        # Nothing lost: the last write is on the primary and, once replayed, on the replica.
        value, token = last_written[-1]
        assert read_value(base, int(token)) == value
        wait_until(lambda: read_value(base) == value, what="the replica catches up")
    head = int(execute(replication.primary, "SELECT max(id) FROM change"))
    assert int(execute(replication.replica, "SELECT max(id) FROM change")) == head


def test_replicas_need_postgresql() -> None:
    with pytest.raises(ValidationError, match="SQLite has no replicas"):
        Settings(
            database_url="sqlite:///claimbase.db",
            database_replica_urls="postgresql+psycopg://replica/claimbase",
        )
    settings = Settings(
        database_url="postgresql+psycopg://primary/claimbase",
        database_replica_urls="postgresql+psycopg://a/claimbase, postgresql+psycopg://b/claimbase",
    )
    assert settings.database_replica_urls == [
        "postgresql+psycopg://a/claimbase",
        "postgresql+psycopg://b/claimbase",
    ]
