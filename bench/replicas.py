"""Reads of a 2-worker server spread over a PostgreSQL primary and one streaming replica, and the
lag clients see. Real parts: a throwaway primary and a `pg_basebackup -R` replica of it
(tests/pgcluster.py), `uvicorn --workers 2` with DATABASE_REPLICA_URLS.

    .venv/bin/python bench/replicas.py --duration 20 --readers 16 --share 0 --share 0.5

For each PRIMARY_READ_SHARE: readers hold keep-alive connections with a mix of list and record
reads; one writer PATCHes a speaker every 100 ms and, after each write, (a) reads it back with
Claimbase-Min-Change (must be fresh: counted if not) and (b) polls it without the token every
5 ms until the new value shows: the time until a plain read sees a write, the lag a client
sees. Reports reads per second, which database served them (the app's reads metric, and each
database's own committed transactions from pg_stat_database), and the lag percentiles.
Measures, asserts nothing; not part of `make test`.
"""

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.store.engine import build_engine  # noqa: E402
from app.store.migrate import upgrade  # noqa: E402
from app.write.auth import create_key  # noqa: E402
from bench.load import KEEP_ALIVE, UNLIMITED  # noqa: E402
from seed.bundle import read_bundle  # noqa: E402
from seed.load import write_bundle  # noqa: E402
from tests.support.bigseed import write_data_dir  # noqa: E402
from tests.support.pgcluster import Cluster, replicated_cluster  # noqa: E402
from tests.support.servers import server_process  # noqa: E402

READS = [
    "/v1/claims?limit=50",
    "/v1/claims?topic=economic-growth&limit=20",
    "/v1/statistics?value_gte=1&sort=-value",
    "/v1/speakers",
    "/v1/claims/nqpf-21?include=speaker,statistics",
]
WRITE_EVERY = 0.1
POLL_EVERY = 0.005
READS_METRIC = re.compile(
    r'^claimbase_reads_total\{database="([^"]+)",reason="([^"]+)"\} (\S+)$', re.M
)


def committed_transactions(cluster: Cluster) -> int:
    engine = create_engine(cluster.url)
    with engine.connect() as connection:
        query = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        count = int(connection.execute(text(query)).scalar_one())
    engine.dispose()
    return count


async def reader(client: httpx.AsyncClient, deadline: float, statuses: Counter[int]) -> None:
    turn = 0
    while time.monotonic() < deadline:
        response = await client.get(READS[turn % len(READS)])
        statuses[response.status_code] += 1
        turn += 1


@dataclass
class Found:
    statuses: Counter[int] = field(default_factory=Counter)
    stale_with_token: int = 0
    # Seconds from a write's answer until the replica database has replayed it...
    replayed: list[float] = field(default_factory=list)
    # ...and until a plain API read (no token) shows it.
    visible: list[float] = field(default_factory=list)


def wait_replayed(replica: Engine, change: int) -> None:
    """Polls the replica database itself (one pooled connection) until it has `change`."""
    with replica.connect() as connection:
        while int(connection.execute(text("SELECT max(id) FROM change")).scalar_one()) < change:
            connection.commit()
            time.sleep(0.0005)


async def seen_by_a_plain_read(
    client: httpx.AsyncClient, url: str, title: str, token: str, since: float, found: Found
) -> None:
    mine = await client.get(url, headers={"Claimbase-Min-Change": token})
    found.stale_with_token += mine.json()["title"] != title
    while (await client.get(url)).json()["title"] != title:
        await asyncio.sleep(POLL_EVERY)
    found.visible.append(time.perf_counter() - since)


async def replayed_by_the_replica(replica: Engine, token: str, since: float, found: Found) -> None:
    await asyncio.to_thread(wait_replayed, replica, int(token))
    found.replayed.append(time.perf_counter() - since)


async def writer(
    client: httpx.AsyncClient, deadline: float, speaker: str, replica: Engine, found: Found
) -> None:
    url = f"/v1/speakers/{speaker}"
    step = 0
    while time.monotonic() < deadline:
        step += 1
        title = f"bench {step}"
        written = await client.patch(
            url, json={"title": title, "reason": "replica bench"}, headers={"If-Match": "*"}
        )
        answered = time.perf_counter()
        token = written.headers["claimbase-change"]
        await asyncio.gather(
            seen_by_a_plain_read(client, url, title, token, answered, found),
            replayed_by_the_replica(replica, token, answered, found),
        )
        await asyncio.sleep(WRITE_EVERY)


async def measure(base: str, token: str, duration: float, readers: int, replica: Cluster) -> Found:
    limits = httpx.Limits(max_connections=readers + 1, max_keepalive_connections=readers + 1)
    found = Found()
    headers = {"Authorization": f"Bearer {token}"}
    replica_engine = create_engine(replica.url, pool_size=1)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=30, headers=headers
    ) as client:
        speaker = (await client.get("/v1/speakers?limit=1")).json()["data"][0]["id"]
        deadline = time.monotonic() + duration
        await asyncio.gather(
            writer(client, deadline, speaker, replica_engine, found),
            *(reader(client, deadline, found.statuses) for _ in range(readers)),
        )
    replica_engine.dispose()
    return found


def routed_reads(base: str) -> Counter[str]:
    scraped = httpx.get(f"{base}/metrics", timeout=10).text
    reads: Counter[str] = Counter()
    for database, reason, count in READS_METRIC.findall(scraped):
        reads[f"{database} ({reason})"] += int(float(count))
    return reads


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def run(share: float, args: argparse.Namespace, url: str, replica_url: str, token: str) -> None:
    clusters = args.clusters
    with tempfile.TemporaryDirectory() as metrics_dir:
        env = {
            **UNLIMITED,
            "DATABASE_REPLICA_URLS": replica_url,
            "PRIMARY_READ_SHARE": str(share),
            "METRICS_ENABLED": "true",
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            "REPLICA_CHECK_INTERVAL_SECONDS": "0.5",
        }
        with server_process(url, workers=2, env=env, options=KEEP_ALIVE) as server:
            base = server.base_url
            while not httpx.get(f"{base}/readyz", timeout=10).json()["replicas"][0]["healthy"]:
                time.sleep(0.1)
            before = [committed_transactions(cluster) for cluster in clusters]
            found = asyncio.run(measure(base, token, args.duration, args.readers, clusters[1]))
            after = [committed_transactions(cluster) for cluster in clusters]
            reads = routed_reads(base)
    statuses = found.statuses
    total = sum(statuses.values())
    print(f"PRIMARY_READ_SHARE={share} workers=2 readers={args.readers} duration={args.duration}s")
    print(f"  reads={total} ({total / args.duration:.0f}/s) statuses={dict(statuses)}")
    print(f"  served (app metric, all reads incl. the writer's): {dict(sorted(reads.items()))}")
    deltas = {name: b - a for name, a, b in zip(("primary", "replica"), before, after, strict=True)}
    print(f"  committed transactions (pg_stat_database): {deltas}")
    print(f"  read-your-write with token: stale={found.stale_with_token} of {len(found.visible)}")
    for name, lags in (
        ("replayed by the replica", found.replayed),
        ("seen by a plain read", found.visible),
    ):
        if lags:
            p50, p95, p99 = (percentile(lags, q) for q in (0.5, 0.95, 0.99))
            print(
                f"  after a write's answer, {name}: n={len(lags)} p50={p50:.1f} ms "
                f"p95={p95:.1f} ms p99={p99:.1f} ms max={max(lags) * 1000:.1f} ms "
                f"mean={statistics.fmean(lags) * 1000:.1f} ms"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--share", type=float, action="append", help="PRIMARY_READ_SHARE values")
    parser.add_argument("--sources", type=int, default=100, help="generated articles (x50 claims)")
    args = parser.parse_args()
    with replicated_cluster() as replication, tempfile.TemporaryDirectory() as directory:
        url = replication.primary.url
        upgrade(url)
        engine = build_engine(url)
        write_bundle(engine, read_bundle())
        data = write_data_dir(Path(directory) / "data", sources=args.sources, claims_per_source=50)
        write_bundle(engine, read_bundle(data))
        with engine.begin() as connection:
            token = create_key(connection, "bench", "write")
        engine.dispose()
        args.clusters = [replication.primary, replication.replica]
        for share in args.share or [0.0]:
            run(share, args, url, replication.replica.url, token)
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
