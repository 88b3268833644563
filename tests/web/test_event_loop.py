"""Nothing holds the event loop, proved on a real server (uvicorn, one worker) over a corpus big
enough that counts, facets and exports take a good fraction of a second: a one-record GET sent
while one of them runs answers first, a `/healthz` sent just after an export starts answers
promptly, an abandoned export stops within a batch, and exports spend the expensive-read
budget whether `format=` or `Accept` asks for them."""

import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.store.engine import build_engine
from app.store.migrate import upgrade
from seed.load import load_synthetic
from seed.synthetic import record_id
from tests.support.databases import fresh_database
from tests.support.servers import Server, server_process

# The synthetic corpus (seed/synthetic.py, the benchmark's): real topics, speakers and figures.
CLAIMS = 50_000
RECORD = f"/v1/claims/{record_id('claim', 1)}"
# Slower than this alone, or a heavy request proves nothing about waiting behind it.
HEAVY_SECONDS = 0.15
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Timed:
    status: int
    started: float
    finished: float

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def timed_get(base_url: str, path: str, headers: dict[str, str] | None = None) -> Timed:
    started = time.monotonic()
    response = httpx.get(f"{base_url}{path}", headers=headers, timeout=120)
    return Timed(response.status_code, started, time.monotonic())


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@pytest.fixture(scope="module")
def big_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(backend, tmp_path_factory.mktemp(f"big-{backend}")) as url:
        upgrade(url)
        engine = build_engine(url)
        load_synthetic(engine, CLAIMS, seed=11)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def big_server(big_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("loop-server") / "uvicorn.log"
    with server_process(big_url, env={"RATE_LIMIT_ENABLED": "false"}, log=log) as server:
        yield server


@pytest.fixture(scope="module")
def heavy_paths(big_server: Server) -> dict[str, str]:
    topics = httpx.get(f"{big_server.base_url}/v1/topics?limit=100", timeout=10).json()["data"]
    several = ",".join(topic["id"] for topic in topics[:6])
    return {
        "count-and-facets": f"/v1/claims?topic={several}&count=true&facets=speaker,topic,kind",
        "statistics-summary": "/v1/statistics/summary?group_by=indicator,entity,unit,period",
        "csv-export": "/v1/claims.csv",
        "ndjson-export-by-accept": "/v1/statistics",
    }


ACCEPT = {"ndjson-export-by-accept": {"Accept": "application/x-ndjson"}}


@pytest.mark.parametrize(
    "shape", ["count-and-facets", "statistics-summary", "csv-export", "ndjson-export-by-accept"]
)
def test_a_record_read_during_a_heavy_read_answers_first(
    big_server: Server, heavy_paths: dict[str, str], shape: str
) -> None:
    base, heavy, headers = big_server.base_url, heavy_paths[shape], ACCEPT.get(shape)
    alone = [timed_get(base, heavy, headers) for _ in range(2)][-1]
    assert alone.status == 200
    assert alone.seconds > HEAVY_SECONDS, f"{shape} is not heavy enough to prove anything"
    # The light read goes over a connection already open, so that what it measures is the
    # server, not a client's setup on a busy machine.
    with httpx.Client(base_url=base, timeout=120) as client, ThreadPoolExecutor(1) as pool:
        assert client.get(RECORD).status_code == 200
        running: Future[Timed] = pool.submit(timed_get, base, heavy, headers)
        time.sleep(min(0.05, alone.seconds / 4))  # the heavy request is being served
        started = time.monotonic()
        status = client.get(RECORD).status_code
        light = Timed(status, started, time.monotonic())
        heavy_done = running.result()
    assert (light.status, heavy_done.status) == (200, 200)
    assert light.finished < heavy_done.finished, (light, heavy_done)


def test_a_healthz_sent_just_after_an_export_starts_answers_promptly(
    big_server: Server, heavy_paths: dict[str, str]
) -> None:
    base = big_server.base_url
    with ThreadPoolExecutor(1) as pool:
        export: Future[Timed] = pool.submit(timed_get, base, heavy_paths["csv-export"])
        time.sleep(0.05)
        health = timed_get(base, "/healthz")
        exported = export.result()
    assert (health.status, exported.status) == (200, 200)
    assert exported.seconds > HEAVY_SECONDS
    # Promptly: within a few batches' worth of the export, never behind all of it.
    assert health.finished < exported.finished
    assert health.seconds < exported.seconds / 4, (health, exported)


def _abandon(base_url: str, path: str, read_bytes: int) -> None:
    with (
        httpx.Client(base_url=base_url, timeout=60) as client,
        client.stream("GET", path) as response,
    ):
        assert response.status_code == 200
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received >= read_bytes:
                break
    # Leaving the block closes the connection with the rest of the body unread.


@pytest.mark.parametrize("media", ["csv", "ndjson"])
def test_an_abandoned_export_stops_within_a_batch(big_server: Server, media: str) -> None:
    assert big_server.process is not None
    base, pid, path = big_server.base_url, big_server.process.pid, f"/v1/claims.{media}"
    before = cpu_seconds(pid)
    assert timed_get(base, path).status == 200
    whole = cpu_seconds(pid) - before

    before = cpu_seconds(pid)
    _abandon(base, path, 16 * 1024)
    time.sleep(max(1.0, whole))  # long enough for the whole export, had it gone on
    abandoned = cpu_seconds(pid) - before
    # 50 batches in the whole export: an abandoned one reads the first and at most one more.
    assert whole > HEAVY_SECONDS
    assert abandoned < whole / 4, (abandoned, whole)
    assert timed_get(base, RECORD).status == 200  # and the server is none the worse


def test_exports_spend_the_expensive_read_budget(seeded_url: str, tmp_path: Path) -> None:
    limits = {
        "RATE_LIMIT_ENABLED": "true",
        "RATE_LIMIT_EXPENSIVE_READS_PER_MINUTE": "1",
        "RATE_LIMIT_BURST": "3",
    }
    with server_process(seeded_url, env=limits, log=tmp_path / "uvicorn.log") as server:
        base = server.base_url
        asked = [
            ("/v1/claims", {"Accept": "text/csv"}),
            ("/v1/statistics", {"Accept": "application/x-ndjson"}),
            ("/v1/claims.csv", None),
            ("/v1/claims", {"Accept": "text/csv"}),
        ]
        answers = [
            httpx.get(f"{base}{path}", headers=headers, timeout=30) for path, headers in asked
        ]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/too-many-requests")
        assert int(refused.headers["retry-after"]) > 0
        # A one-record read is not an expensive read: still served.
        assert httpx.get(f"{base}/v1/claims/nqpf-21", timeout=10).status_code == 200
