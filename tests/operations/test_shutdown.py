"""Graceful shutdown of a real server: on SIGTERM, requests in flight finish (writes held up by
the write lock, so they are surely in flight when the signal comes), new connections are
refused, the connection pools are closed, and the process exits cleanly."""

import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.store.engine import _WRITE_LOCK_KEY, build_engine
from app.store.models import Statistic
from app.write.auth import create_key
from tests.support.servers import server_process

FIGURES = ["chn-monthly-wafer-capacity", "chn-gdp-growth-2023"]


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Holds the database's write lock, as a long write would: API writes wait for it."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, isolation_level=None)
        with engine.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                connection.exec_driver_sql("ROLLBACK")
    else:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK_KEY})"))
            yield
    engine.dispose()


# What the writes in flight set: a period label (free text; an indicator must be one of the
# vocabulary's).
WRITTEN = "written during shutdown"


def refuses_connections(base_url: str) -> bool:
    host, port = base_url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def in_flight(base_url: str) -> float:
    scraped = httpx.get(f"{base_url}/metrics", timeout=10).text
    found = re.search(r"^claimbase_http_requests_in_flight (\S+)$", scraped, re.M)
    assert found, scraped
    return float(found.group(1))


def test_sigterm_lets_requests_in_flight_finish(seeded_url: str, tmp_path: Path) -> None:
    engine = build_engine(seeded_url)
    with engine.begin() as connection:
        token = create_key(connection, "shutdown", "write")
    log = tmp_path / "server.log"
    answers: dict[str, httpx.Response] = {}

    def write(figure: str) -> None:
        answers[figure] = httpx.patch(
            f"{base}/v1/statistics/{figure}",
            json={"period": {"label": WRITTEN}, "reason": "written during shutdown"},
            headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
            timeout=30,
        )

    env = {"LOG_FORMAT": "text", "METRICS_ENABLED": "true"}
    with server_process(seeded_url, env=env, log=log) as server:
        base = server.base_url
        assert server.process is not None
        with write_lock_held(seeded_url):
            writers = [threading.Thread(target=write, args=(figure,)) for figure in FIGURES]
            for writer in writers:
                writer.start()
            # Both writes are inside the app, waiting for the lock (the scrape is the third).
            deadline = time.monotonic() + 30
            while in_flight(base) < len(FIGURES) + 1:
                assert time.monotonic() < deadline, "the writes never arrived"
                time.sleep(0.05)
            assert answers == {}, "the writes should still be waiting"
            server.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 5
            while not refuses_connections(base):
                assert time.monotonic() < deadline, "new connections are still accepted"
                time.sleep(0.05)
            assert server.process.poll() is None, "it must wait for the requests in flight"
        for writer in writers:
            writer.join(timeout=20)
        # uvicorn ends by raising the signal again once it has shut down, as a process
        # killed by SIGTERM would (its parent sees the signal, not an error status).
        assert server.process.wait(timeout=20) in (0, -signal.SIGTERM)
    assert {figure: answers[figure].status_code for figure in FIGURES} == dict.fromkeys(
        FIGURES, 200
    )
    assert all(answers[figure].json()["period"]["label"] == WRITTEN for figure in FIGURES)
    with engine.connect() as connection:
        stored = connection.execute(select(Statistic.period_label).where(Statistic.id.in_(FIGURES)))
        assert set(stored.scalars()) == {WRITTEN}
    engine.dispose()
    lines = log.read_text().splitlines()
    closed = [n for n, line in enumerate(lines) if "shutdown: connection pools closed" in line]
    answered = [n for n, line in enumerate(lines) if "PATCH /v1/statistics/" in line]
    assert len(closed) == 1, log.read_text()
    assert len(answered) == 2
    assert max(answered) < closed[0], "the pools closed before the requests were answered"
