"""Load and soak: a mixed read/write workload held for a while at many concurrent connections
against a multi-worker uvicorn server (started like `make run`: --no-server-header), on one
backend. About one request in ten is a write: a PATCH of a speaker with If-Match (read first;
a 412 when another client won the race is the expected answer), or a POST of a topic with an
Idempotency-Key (a quarter of them retried with the same key, which must replay the 201).

    .venv/bin/python bench/load.py --backend sqlite --duration 60 --concurrency 64 --workers 2

Reports requests, statuses, 5xx, connection errors, latency percentiles, and the RSS of each
worker at the start and the end. Not part of `make test`: it measures, it does not assert.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.store.engine import build_engine  # noqa: E402
from app.store.migrate import upgrade  # noqa: E402
from app.write.auth import create_key  # noqa: E402
from seed.bundle import read_bundle  # noqa: E402
from seed.load import write_bundle  # noqa: E402
from tests.support.bigseed import write_data_dir  # noqa: E402
from tests.support.databases import fresh_database  # noqa: E402
from tests.support.servers import server_process  # noqa: E402

# This generator, saturated on the server's own 2 cores, can leave a pooled connection idle
# past uvicorn's 5 s keep-alive and then reuse it just as uvicorn closes it: an httpx
# ReadError that no server change can prevent (3 of 3,218 requests on PostgreSQL at 5 s, none
# of 3,786 at 60 s). Deployments behind a proxy set the keep-alive above the proxy's own.
KEEP_ALIVE = ("--timeout-keep-alive", "60")
# Rate limits would turn most of one client's expensive reads into 429s; the load test
# measures the server, so the limits are raised (429s are still counted if any appear).
UNLIMITED = {
    "RATE_LIMIT_EXPENSIVE_READS_PER_MINUTE": "100000000",
    "RATE_LIMIT_WRITES_PER_MINUTE": "100000000",
    "RATE_LIMIT_BURST": "1000000",
}
READS = [
    (30, "/v1/claims?limit=50"),
    (10, "/v1/claims?limit=200&include=speaker,source,statistics"),
    (10, "/v1/claims?kind=direct_quote&sort=-position"),
    (10, "/v1/claims?topic=economic-growth&limit=100"),
    (5, "/v1/claims?q=percent&count=true"),
    (10, "/v1/statistics?value_gte=1&sort=-value&include=claim"),
    (5, "/v1/speakers"),
    (5, "/v1/sources?sort=-published_on"),
    (5, "/v1/topics"),
    (10, "/v1/claims/nqpf-21?include=speaker,statistics"),
]
WRITE_SHARE = 0.1
RETRY_SHARE = 0.25


def worker_pids(master: int) -> list[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def loaded_database(backend: str, directory: Path, sources: int) -> Iterator[tuple[str, str]]:
    """The database's URL, and a write key's token."""
    with fresh_database(backend, directory) as url:
        upgrade(url)
        engine = build_engine(url)
        write_bundle(engine, read_bundle())
        data = write_data_dir(directory / "data", sources=sources, claims_per_source=50)
        write_bundle(engine, read_bundle(data))
        with engine.begin() as connection:
            token = create_key(connection, "load", "write")
        engine.dispose()
        yield url, token


async def write(
    client: httpx.AsyncClient, speakers: list[str], writes: Counter[str]
) -> httpx.Response:
    """One write: a PATCH with If-Match, or a POST with Idempotency-Key (maybe retried)."""
    if random.random() < 0.5:
        url = f"/v1/speakers/{random.choice(speakers)}"
        etag = (await client.get(url)).headers.get("etag", '"none"')
        body = {"title": f"Title {random.randrange(10**6)}", "reason": "load test"}
        headers = {"If-Match": etag, "Content-Type": "application/merge-patch+json"}
        response = await client.patch(url, json=body, headers=headers)
        writes[f"PATCH {response.status_code}"] += 1
        return response
    topic = f"load-{uuid.uuid4().hex[:12]}"
    body = {"id": topic, "name": topic, "reason": "load test"}
    headers = {"Idempotency-Key": topic}
    response = await client.post("/v1/topics", json=body, headers=headers)
    writes[f"POST {response.status_code}"] += 1
    if random.random() < RETRY_SHARE:
        retry = await client.post("/v1/topics", json=body, headers=headers)
        replayed = retry.headers.get("idempotent-replayed") == "true"
        writes[f"POST retry {retry.status_code}{' replayed' if replayed else ''}"] += 1
    return response


async def client_loop(
    client: httpx.AsyncClient,
    deadline: float,
    latencies: list[float],
    outcomes: Counter[str],
    writes: Counter[str],
    speakers: list[str],
) -> None:
    weights = [weight for weight, _ in READS]
    urls = [url for _, url in READS]
    next_page: str | None = None
    while time.monotonic() < deadline:
        url = next_page or random.choices(urls, weights)[0]
        started = time.perf_counter()
        try:
            if next_page is None and random.random() < WRITE_SHARE:
                response = await write(client, speakers, writes)
            else:
                response = await client.get(url)
        except httpx.TransportError as error:
            outcomes[f"connection error ({error.__class__.__name__})"] += 1
            next_page = None
            continue
        latencies.append(time.perf_counter() - started)
        outcomes[str(response.status_code)] += 1
        if response.request.method != "GET":
            continue
        # Follow a cursor now and then, as a client paging through a list does.
        cursor = response.json().get("next_cursor") if response.status_code == 200 else None
        next_page = None
        if cursor and random.random() < 0.3:
            path = url.split("?")[0]
            next_page = f"{path}?cursor={cursor}&" + url.partition("?")[2].replace("count=true", "")
            next_page = next_page.rstrip("&")


async def sample_rss(workers: list[int], deadline: float, samples: dict[int, list[float]]) -> None:
    while time.monotonic() < deadline:
        for pid in workers:
            samples[pid].append(rss_mib(pid))
        await asyncio.sleep(min(10, max(0, deadline - time.monotonic())))
    for pid in workers:
        samples[pid].append(rss_mib(pid))


async def run_load(
    base_url: str, token: str, duration: float, concurrency: int, workers: list[int]
) -> tuple[list[float], Counter[str], Counter[str], dict[int, list[float]]]:
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    writes: Counter[str] = Counter()
    samples: dict[int, list[float]] = {pid: [] for pid in workers}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=30, headers=headers
    ) as client:
        listed = (await client.get("/v1/speakers", params={"limit": 50})).json()["data"]
        speakers = [speaker["id"] for speaker in listed]
        deadline = time.monotonic() + duration
        await asyncio.gather(
            sample_rss(workers, deadline, samples),
            *(
                client_loop(client, deadline, latencies, outcomes, writes, speakers)
                for _ in range(concurrency)
            ),
        )
    return latencies, outcomes, writes, samples


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sources", type=int, default=100, help="generated articles (x50 claims)")
    args = parser.parse_args()
    random.seed(6)
    with (
        tempfile.TemporaryDirectory() as directory,
        loaded_database(args.backend, Path(directory), args.sources) as (url, token),
        server_process(url, workers=args.workers, env=UNLIMITED, options=KEEP_ALIVE) as server,
    ):
        assert server.process is not None
        time.sleep(2)  # let every worker finish importing
        workers = worker_pids(server.process.pid)
        latencies, outcomes, writes, rss = asyncio.run(
            run_load(server.base_url, token, args.duration, args.concurrency, workers)
        )
    total = sum(outcomes.values())
    server_errors = sum(count for status, count in outcomes.items() if status.startswith("5"))
    connection_errors = sum(count for status, count in outcomes.items() if "error" in status)
    print(
        f"backend={args.backend} workers={args.workers} concurrency={args.concurrency} "
        f"duration={args.duration:.0f}s claims={args.sources * 50 + 34}"
    )
    print(f"requests={total} ({total / args.duration:.0f}/s) statuses={dict(outcomes)}")
    print(f"writes={sum(writes.values())} {dict(sorted(writes.items()))}")
    print(f"5xx={server_errors} connection_errors={connection_errors}")
    if latencies:
        p50, p95, p99 = (percentile(latencies, q) for q in (0.5, 0.95, 0.99))
        print(
            f"latency_ms p50={p50:.1f} p95={p95:.1f} p99={p99:.1f} "
            f"max={max(latencies) * 1000:.1f} mean={statistics.fmean(latencies) * 1000:.1f}"
        )
    for pid in workers:
        timeline = " ".join(f"{value:.0f}" for value in rss[pid])
        print(
            f"worker {pid}: rss_start={rss[pid][0]:.1f} MiB rss_end={rss[pid][-1]:.1f} MiB "
            f"(every 10 s: {timeline})"
        )
    return 1 if server_errors or connection_errors else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
