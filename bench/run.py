"""The benchmark, side by side in one run: the raw-ASGI floor, bare FastAPI, Datasette and
claimbase, and the targets of issue 11 measured in the same run.

Run from the project root with the project's venv (see "How to rerun it" in bench/RESULTS.md and
"Benchmarks" in docs/performance.md):

    .venv/bin/python bench/run.py --sizes 100k,1m --dbs sqlite,postgresql --workers 1

For each size it builds (once; `--build-only` stops there) a claimbase corpus with `python -m
seed synthetic` in SQLite ($BENCH_DATA/claimbase_<size>.db, /tmp/bench by default) and
PostgreSQL (database claimbase_bench_<size>), rebuilt when it was built at another schema
revision (`--no-rebuild` refuses instead), and Datasette's SQLite file with make_db.py from
the shared baselines ($BENCH_SHARED, else the first shared/bench folder above the project).
Then, in one process, every server on a free port: the floor app (floor_app.py), the same
page from bare FastAPI (bench/framework_app.py), Datasette on every size (shapes a-e, one URL
each), claimbase on every size, database and worker count (uvicorn, uvloop + httptools,
access log off): every shape rotating over >= 1000 URLs (bench/paths.py) plus a "hot" one-URL
variant, a 1-connection latency pass, the same URLs of shapes a, b, d and a record's 304 from
the design card's floor (bench/stack_app.py: FastAPI + SQLAlchemy Core + orjson running only
claimbase's page statement) and from the same app on the bare DB-API driver (STACK_DRIVER=raw),
one-record GETs idle and while heavy requests run (`--slow`), py-spy profiles of shapes a-f
(`--profile-sizes`), one export of every claim as CSV (rows/s) and the workers' RSS; the
floor again; then the bulk load of `--load-size` claims against make_db.py. Results:
OUT/results.tsv (one row per wrk window), OUT/metrics.tsv (the other numbers),
OUT/profile_*.md, OUT/results.md and the plot (bench/report.py).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """The shared baselines: $BENCH_SHARED, else the first shared/bench folder above the
    project (the main checkout sits one level below it, a worktree deeper)."""
    if os.environ.get("BENCH_SHARED"):
        return Path(os.environ["BENCH_SHARED"]).resolve()
    for parent in ROOT.parents:
        if (parent / "shared" / "bench" / "floor_app.py").exists():
            return parent / "shared" / "bench"
    raise SystemExit("no shared/bench above the project: set BENCH_SHARED")


SHARED = shared_dir()
# Corpora and reference databases; BENCH_DATA puts them elsewhere (e.g. beside another
# branch's corpora built at another schema revision).
DATA = Path(os.environ.get("BENCH_DATA", "/tmp/bench"))
BENCH_VENV = Path(os.environ.get("BENCH_VENV", "/tmp/benchvenv"))
SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
CURSOR_SECRET = "bench-cursor-secret-shared-by-all-workers"
CLK_TCK = os.sysconf("SC_CLK_TCK")
GNU_TIME = ["/usr/bin/time", "-f", "TIME %e %U %S %M"]  # wall s, user s, system s, max RSS KiB
LUA = Path(__file__).resolve().parent / "rotate.lua"


@dataclass
class Row:
    target: str
    size: str
    db: str
    workers: int
    shape: str
    variant: str  # rotating | hot | 1conn
    req_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    non2xx: int
    kb_resp: float
    srv_cpu_pct: float
    srv_ms_req: float
    wrk_cpu_pct: float
    other_cpu_pct: float
    note: str = ""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tree_pids(pid: int) -> list[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pids
    for child in children:
        pids.extend(tree_pids(int(child)))
    return pids


def cpu_ticks(pid: int) -> int:
    total = 0
    for each in tree_pids(pid):
        try:
            stat = Path(f"/proc/{each}/stat").read_text()
        except OSError:
            continue
        values = stat.rsplit(")", 1)[1].split()
        total += int(values[11]) + int(values[12])
    return total


def busy_ticks() -> int:
    first = Path("/proc/stat").read_text().splitlines()[0].split()
    return int(first[1]) + int(first[2]) + int(first[3])


def rss_mb(pid: int) -> list[float]:
    """RSS of each process of a server (the uvicorn parent first, then its workers)."""
    sizes = []
    for each in tree_pids(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return sizes


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick), so that runs and other servers on
    the machine never collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


@contextmanager
def server(command: list[str], url: str, env: dict[str, str], log_path: Path) -> Iterator[int]:
    with log_path.open("w") as output:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=output, stderr=output, cwd=ROOT
        )
    try:
        wait_ready(url)
        time.sleep(1)  # let every worker finish booting
        yield process.pid
    finally:
        pids = tree_pids(process.pid)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for each in pids[1:]:  # stragglers, by pid
            with suppress(ProcessLookupError):
                os.kill(each, signal.SIGKILL)


@dataclass
class Load:
    duration: int
    threads: int
    conns: int
    warmup: int


def run_wrk(url: str, paths: Path | None, load: Load, pid: int) -> dict[str, float]:
    env = {**os.environ, "BENCH_PATHS": str(paths) if paths else ""}
    base = ["wrk", f"-t{load.threads}", f"-c{load.conns}", "--timeout", "10s", "-s", str(LUA)]
    if load.warmup:
        subprocess.run([*base, f"-d{load.warmup}s", url], env=env, capture_output=True, check=False)
    c0, b0, t0 = cpu_ticks(pid), busy_ticks(), time.time()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "WRKCPU %U %S", *base, f"-d{load.duration}s", url],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    c1, b1, t1 = cpu_ticks(pid), busy_ticks(), time.time()
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT")), None)
    wrk_cpu = next((x for x in result.stderr.splitlines() if x.startswith("WRKCPU")), None)
    if line is None or wrk_cpu is None:
        log(f"wrk failed for {url}: {result.stdout[-500:]} {result.stderr[-500:]}")
        return {}
    _, requests, duration, size, connect, read, write, status, timeout, p50, p99, _mean = (
        line.split("\t")
    )
    wall = t1 - t0
    rps = int(requests) / (int(duration) / 1e6)
    server_s = (c1 - c0) / CLK_TCK
    wrk_s = sum(float(x) for x in wrk_cpu.split()[1:])
    busy_s = (b1 - b0) / CLK_TCK
    return {
        "req_s": rps,
        "p50_ms": int(p50) / 1000,
        "p99_ms": int(p99) / 1000,
        "errors": int(connect) + int(read) + int(write) + int(timeout),
        "non2xx": int(status),
        "kb_resp": int(size) / max(1, int(requests)) / 1024,
        "srv_cpu_pct": 100 * server_s / wall,
        "srv_ms_req": 1000 * server_s / max(1.0, rps * wall),
        "wrk_cpu_pct": 100 * wrk_s / wall,
        "other_cpu_pct": 100 * (busy_s - server_s - wrk_s) / wall,
    }


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.out: Path = args.out
        self.out.mkdir(parents=True, exist_ok=True)
        self.load = Load(args.duration, args.threads, args.conns, args.warmup)
        self.rows: list[Row] = []
        self.tsv = self.out / "results.tsv"
        self.tsv.write_text("\t".join(f.name for f in fields(Row)) + "\n")
        self.rss: list[str] = []
        self.exports: list[str] = []
        self.metrics = self.out / "metrics.tsv"
        self.metrics.write_text("target\tsize\tdb\tworkers\tmetric\tvalue\tnote\n")

    def metric(
        self, label: tuple[str, str, str, int], name: str, value: float, note: str = ""
    ) -> None:
        """One number that is not a wrk window (RSS, export rate, load time, p99 while a slow
        statement runs): OUT/metrics.tsv, read by bench/report.py for the targets."""
        target, size, db, workers = label
        with self.metrics.open("a") as output:
            output.write(f"{target}\t{size}\t{db}\t{workers}\t{name}\t{value:.4f}\t{note}\n")
        log(f"{target} {size} {db} {workers}w {name} = {value:.2f} {note}")

    def record(self, row: Row) -> None:
        self.rows.append(row)
        with self.tsv.open("a") as output:
            output.write("\t".join(str(v) for v in asdict(row).values()) + "\n")
        log(
            f"{row.target} {row.size} {row.db} {row.workers}w {row.shape} {row.variant}: "
            f"{row.req_s:.0f} req/s p50 {row.p50_ms:.2f} p99 {row.p99_ms:.2f} ms "
            f"err {row.errors} non2xx {row.non2xx} cpu {row.srv_ms_req:.2f} ms/req "
            f"other {row.other_cpu_pct:.0f}% {row.note}"
        )

    def measure(
        self,
        label: tuple[str, str, str, int],
        shape: str,
        variant: str,
        url: str,
        paths: Path | None,
        pid: int,
        load: Load | None = None,
        note: str = "",
    ) -> None:
        numbers = run_wrk(url, paths, load or self.load, pid)
        if numbers:
            target, size, db, workers = label
            measured: dict[str, Any] = {**numbers, "note": note}
            self.record(Row(target, size, db, workers, shape, variant, **measured))


def skipped(label: tuple[str, str, str, int], shape: str, note: str) -> Row:
    target, size, db, workers = label
    return Row(target, size, db, workers, shape, "rotating", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, note)


def ensure_tools() -> None:
    if not shutil.which("wrk") or not Path("/usr/bin/time").exists():
        subprocess.run(["bash", str(SHARED / "setup.sh")], check=True)
    if not (BENCH_VENV / "bin" / "datasette").exists():
        subprocess.run(["bash", str(SHARED / "setup.sh")], check=True)


def sqlite_corpus(size: str) -> Path:
    return Path(f"{DATA}/claimbase_{size}.db")


def claimbase_url(db: str, size: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{sqlite_corpus(size)}"
    return f"{POSTGRES}/claimbase_bench_{size}"


def corpus_files(db: str, size: str) -> list[Path]:
    """The files a corpus is read from: the SQLite file, or the PostgreSQL database's directory
    under the server's data directory (readable by root, who runs the benchmark)."""
    if db == "sqlite":
        return [sqlite_corpus(size)]
    oid = psql(f"SELECT oid FROM pg_database WHERE datname = 'claimbase_bench_{size}'")
    return sorted(Path(psql("SHOW data_directory"), "base", oid).glob("*"))


def warm_os_cache(files: list[Path]) -> None:
    """Reads `files` once, so that every server starts on a corpus in the OS page cache: this
    machine's memory reclaim (DAMON) evicts files left unread, and a cold 1M corpus made the
    first seconds of whichever shape came first a measure of the disk, not of the server."""
    started = time.monotonic()
    read = 0
    for path in files:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                read += len(chunk)
    log(f"OS cache warmed: {read / 1e6:,.0f} MB in {time.monotonic() - started:.1f} s")


def psql(sql: str) -> str:
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def corpus_revision(url: str) -> str:
    """'head' when the corpus is loaded at the migrations' head revision (this checkout's),
    '0' when there is no corpus, else the revision it was built at."""
    probe = (
        "import sys; from sqlalchemy import create_engine, text, inspect\n"
        "from app.store.migrate import head_revision\n"
        "e = create_engine(sys.argv[1])\n"
        "ok = inspect(e).has_table('claim') and e.connect().execute("
        "text('select count(*) from claim')).scalar() > 0\n"
        "at = ok and e.connect().execute(text('select version_num from alembic_version'))"
        ".scalar()\n"
        "print('head' if at == head_revision() else at if ok else 0)"
    )
    command = [sys.executable, "-c", probe, url]
    return subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()


def remove_corpus(db: str, size: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_corpus(size)}{suffix}").unlink(missing_ok=True)
    else:
        psql(f"DROP DATABASE IF EXISTS claimbase_bench_{size} WITH (FORCE)")


def build_corpus(db: str, size: str, rebuild_stale: bool) -> str:
    """Builds the corpus once (cached under DATA or in PostgreSQL); one built at another schema
    revision (another branch's migrations) would be measured with the wrong code, so it is
    rebuilt, or refused with --no-rebuild. Returns what was done, for OUT/corpora.txt."""
    url = claimbase_url(db, size)
    DATA.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
    if db == "postgresql":
        name = f"claimbase_bench_{size}"
        if not psql(f"SELECT 1 FROM pg_database WHERE datname='{name}'"):
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    revision = corpus_revision(url)
    if revision == "head":
        return f"{db} {size}: cached at the head revision ({url})"
    done = "built"
    if revision != "0":
        if not rebuild_stale:
            raise SystemExit(
                f"{url} holds a corpus at schema revision {revision}, not this checkout's head: "
                "rerun without --no-rebuild to rebuild it, or set BENCH_DATA (SQLite)"
            )
        log(f"{db} {size}: corpus at revision {revision}, not head: rebuilding it")
        remove_corpus(db, size)
        if db == "postgresql":
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        done = f"rebuilt (was at revision {revision})"
    log(f"building {db} {size}: python -m seed synthetic --claims {SIZES[size]}")
    command = [sys.executable, "-m", "seed", "synthetic", "--claims", str(SIZES[size])]
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([*GNU_TIME, *command], env=env, cwd=ROOT, check=True)
    return f"{db} {size}: {done} ({url})"


def reference_db(size: str) -> Path:
    """Datasette's SQLite file, built once with make_db.py (it has no migrations)."""
    db = DATA / f"claims_{size}.db"
    if not db.exists():
        python = str(BENCH_VENV / "bin" / "python")
        subprocess.run([python, str(SHARED / "make_db.py"), str(SIZES[size]), str(db)], check=True)
    return db


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, children included) and max RSS in MiB."""
    result = subprocess.run(
        [*GNU_TIME, *command],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in result.stderr.splitlines() if x.startswith("TIME ")), None)
    if result.returncode or line is None:
        raise SystemExit(f"{command} failed: {result.stderr[-2000:]}")
    wall, user, system, rss_kb = (float(x) for x in line.split()[1:])
    return wall, user + system, rss_kb / 1024


def bulk_load(bench: Bench, size: str, dbs: list[str]) -> None:
    """Loading `size` claims from scratch, one load after the other: make_db.py (the reference
    file's builder, no validation, no change feed) and `python -m seed synthetic` into a fresh
    SQLite file (the target is <= 2x make_db.py), and into a fresh PostgreSQL database."""
    scratch = DATA / "load"
    scratch.mkdir(parents=True, exist_ok=True)
    claims = str(SIZES[size])
    reference = scratch / f"ref_{size}.db"
    reference.unlink(missing_ok=True)
    python = str(BENCH_VENV / "bin" / "python")
    wall, cpu, rss = timed([python, str(SHARED / "make_db.py"), claims, str(reference)], {})
    reference.unlink(missing_ok=True)
    label = ("make_db", size, "sqlite", 1)
    bench.metric(label, "load_s", wall, f"CPU {cpu:.1f} s, max RSS {rss:.0f} MiB")
    seed = [sys.executable, "-m", "seed", "synthetic", "--claims", claims]
    for db in dbs:
        if db == "sqlite":
            ours = scratch / f"ours_{size}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{ours}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{ours}"
        else:
            name = f"claimbase_loadtest_{size}"
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
            url = f"{POSTGRES}/{name}"
        wall, cpu, rss = timed(seed, {"DATABASE_URL": url})
        bench.metric(
            ("claimbase", size, db, 1), "load_s", wall, f"CPU {cpu:.1f} s, max RSS {rss:.0f} MiB"
        )
        if db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{ours}{suffix}").unlink(missing_ok=True)
        else:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def uvicorn_command(
    app: str, port: int, workers: int, *options: str, venv: Path = ROOT / ".venv"
) -> list[str]:
    """uvicorn (the project's, or that of `venv`) serving `app` as every server here is
    measured: uvloop + httptools, no access log, warnings only."""
    return [
        str(venv / "bin" / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        *options,
    ]


def floor(bench: Bench, workers_list: list[int]) -> None:
    for workers in workers_list:
        port = free_port()
        command = uvicorn_command(
            "floor_app:app", port, workers, "--app-dir", str(SHARED), venv=BENCH_VENV
        )
        url = f"http://127.0.0.1:{port}/claims?limit=50"
        with server(command, url, {}, bench.out / f"floor_{workers}w.log") as pid:
            bench.measure(("floor", "-", "-", workers), "floor", "hot", url, None, pid)


def framework(bench: Bench, workers_list: list[int]) -> None:
    """The floor's page served by bare FastAPI (bench/framework_app.py): the framework's cost."""
    for workers in workers_list:
        port = free_port()
        command = uvicorn_command("bench.framework_app:app", port, workers)
        url = f"http://127.0.0.1:{port}/claims?limit=50"
        env = {"BENCH_SHARED": str(SHARED)}
        with server(command, url, env, bench.out / f"framework_{workers}w.log") as pid:
            label = ("framework", "-", "-", workers)
            bench.measure(label, "framework", "hot", url, None, pid)


def datasette(bench: Bench, size: str, one_conn: Load) -> None:
    db = reference_db(size)
    warm_os_cache([db])
    python = str(BENCH_VENV / "bin" / "python")
    port = free_port()
    command = [
        str(BENCH_VENV / "bin" / "datasette"),
        "serve",
        "-i",
        str(db),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "30000",
        "--setting",
        "suggest_facets",
        "off",
    ]
    with server(
        command,
        f"http://127.0.0.1:{port}/-/versions.json",
        {},
        bench.out / f"datasette_{size}.log",
    ) as pid:
        listing = subprocess.run(
            [python, str(SHARED / "make_paths.py"), str(db)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in listing.splitlines():
            if not line or line.startswith("#"):
                continue
            shape, path = line.split("\t")
            if shape.startswith("x_"):
                continue  # Datasette-only diagnostics (its count's cost): not compared
            url = f"http://127.0.0.1:{port}{path}"
            label = ("datasette", size, "sqlite", 1)
            bench.measure(label, shape, "hot", url, None, pid)
            bench.measure(label, shape, "1conn", url, None, pid, one_conn)


def export_all(base: str, pid: int) -> tuple[float, str]:
    """Every claim as CSV in one request (the export shape of the targets): rows/s, and the
    server's RSS (all its processes) before, at its peak during the stream and after."""
    before = sum(rss_mb(pid))
    peak = [before]
    streaming = threading.Event()
    streaming.set()

    def sample() -> None:
        while streaming.is_set():
            peak[0] = max(peak[0], sum(rss_mb(pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    lines = size = 0
    started = time.time()
    try:
        with urllib.request.urlopen(f"{base}/v1/claims.csv", timeout=1200) as response:
            while chunk := response.read(1 << 20):
                lines += chunk.count(b"\n")
                size += len(chunk)
    finally:
        streaming.clear()
        sampler.join()
    seconds = time.time() - started
    rows = lines - 1  # the header; synthetic claims hold no line breaks
    return rows / seconds, (
        f"{rows} rows, {size / 1e6:.0f} MB in {seconds:.1f} s: {rows / seconds:,.0f} rows/s; "
        f"server RSS {before:.0f} MB before, {peak[0]:.0f} peak, {sum(rss_mb(pid)):.0f} after"
    )


# Requests whose statements no index bounds, as the heavy side of "while a slow statement
# runs" (tests/web/test_event_loop.py proves the order; this measures the cost): a count and
# facets over several topics, a broad search with its exact count, a CSV export of a topic.
def heavy_paths(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/v1/topics?limit=100", timeout=60) as response:
        topics = [topic["id"] for topic in json.loads(response.read())["data"]]
    return [
        f"/v1/claims?topic={','.join(topics[:6])}&count=true&facets=speaker,topic,kind",
        "/v1/claims?q=percent&count=true",
        f"/v1/claims.csv?topic={topics[0]}",
        "/v1/statistics/summary?group_by=indicator,unit",
    ]


def sequential_gets(base: str, paths: list[str]) -> tuple[list[float], int]:
    """Each path GET over one kept-open connection: latencies in ms, and non-200 answers."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    latencies, failed = [], 0
    try:
        for path in paths:
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            latencies.append(1000 * (time.perf_counter() - started))
            failed += response.status != 200
    finally:
        connection.close()
    return latencies, failed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def while_slow(
    bench: Bench, label: tuple[str, str, str, int], base: str, records: list[str]
) -> None:
    """One-record GETs on one connection, p50/p99: idle, then while heavy requests (one always
    in flight, on the same worker) run; the target is p99 busy <= 3x p99 idle."""
    sequential_gets(base, records[:50])  # warm
    heavy = heavy_paths(base)
    measured: dict[str, tuple[list[float], int, float]] = {}
    started = time.perf_counter()
    latencies, failed = sequential_gets(base, records)
    measured["idle"] = (latencies, failed, time.perf_counter() - started)
    stop = threading.Event()
    done: list[int] = []

    def keep_busy() -> None:
        while not stop.is_set():
            for path in heavy:
                with urllib.request.urlopen(base + path, timeout=600) as response:
                    while response.read(1 << 20):
                        pass
                    done.append(response.status)
                if stop.is_set():
                    return

    loader = threading.Thread(target=keep_busy)
    loader.start()
    time.sleep(0.3)  # the first heavy request is being served
    started = time.perf_counter()
    latencies, failed = sequential_gets(base, records)
    measured["busy"] = (latencies, failed, time.perf_counter() - started)
    stop.set()
    loader.join()
    for variant, (latencies, failed, seconds) in measured.items():
        note = "" if variant == "idle" else f"{len(done)} heavy requests done: {sorted(set(done))}"
        bench.record(
            Row(*label, "h_record_while_slow", variant, len(latencies) / seconds,
                percentile(latencies, 0.5), percentile(latencies, 0.99), 0, failed,
                0, 0, 0, 0, 0, note)
        )  # fmt: skip
    ratio = percentile(measured["busy"][0], 0.99) / percentile(measured["idle"][0], 0.99)
    bench.metric(label, "slow_p99_ratio", ratio, f"{len(records)} GETs each")


def profile(bench: Bench, label: tuple[str, str, str, int], base: str, pid: int) -> None:
    """bench/profile.py (py-spy) on every shape's rotating URLs but the export's, as the
    shape is measured: which layer takes the time."""
    for paths in sorted((bench.out / f"paths_{label[1]}_{label[2]}").glob("*.paths")):
        shape = paths.stem
        if shape.startswith("g_") or not paths.read_text().strip():
            continue
        command = [
            sys.executable, str(ROOT / "bench" / "profile.py"), str(pid), base + "/",
            "--paths", str(paths),
        ]  # fmt: skip
        result = subprocess.run(
            [*command, "--seconds", "6"], capture_output=True, text=True, check=False, cwd=ROOT
        )
        target = bench.out / f"profile_{label[1]}_{label[2]}_{shape}.md"
        target.write_text(result.stdout or result.stderr)
        log(f"profile of {shape}: {target}")


def image_malloc_settings() -> dict[str, str]:
    """The glibc malloc settings of the API image (its Dockerfile's ENV, such as
    MALLOC_ARENA_MAX): the servers measured run with the default deployment's memory."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    return dict(re.findall(r"^\s*(MALLOC_[A-Z_]+)=(\S+)", dockerfile, re.M))


def claimbase(
    bench: Bench, size: str, db: str, workers: int, one_conn: Load, extras: "Extras"
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # wrk is one address: the per-address limit on expensive reads (`q`, exports, counts)
    # would answer most of its requests with 429s, so the benchmark measures with it off.
    env = {
        **image_malloc_settings(),
        "DATABASE_URL": claimbase_url(db, size),
        "CURSOR_SECRET": CURSOR_SECRET,
        "RATE_LIMIT_ENABLED": "false",
    }
    command = uvicorn_command("app.main:app", port, workers, "--no-server-header")
    label = ("claimbase", size, db, workers)
    with server(
        command, f"{base}/v1/topics", env, bench.out / f"claimbase_{size}_{db}_{workers}w.log"
    ) as pid:
        paths_dir = bench.out / f"paths_{size}_{db}"
        if not (paths_dir / "hot.tsv").exists():
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "paths.py"),
                    claimbase_url(db, size),
                    base,
                    str(paths_dir),
                ],
                check=True,
            )
        for paths in sorted(paths_dir.glob("*.paths")):
            shape = paths.stem
            lines = paths.read_text().splitlines()
            if not lines:
                why = {"e_deep_page100": "no page 100 at this size"}
                bench.record(skipped(label, shape, why.get(shape, "no URLs")))
                continue
            probe = lines[0].split("\t")[0]
            try:
                urllib.request.urlopen(base + probe, timeout=60).close()
            except OSError as error:
                # Every shape is served now (ETags and CSV included): a failing probe is
                # reported in the results rather than measured as errors.
                bench.record(skipped(label, shape, f"failed: {str(error)[:60]}"))
                continue
            bench.measure(label, shape, "rotating", base + "/", paths, pid)
        for line in (paths_dir / "hot.tsv").read_text().splitlines():
            shape, path = line.split("\t")
            bench.measure(label, shape, "hot", base + path, None, pid)
            if workers == 1:
                bench.measure(label, shape, "1conn", base + path, None, pid, one_conn)
        if workers == 1 and extras.slow:
            records = (paths_dir / "d_row.paths").read_text().split()
            while_slow(bench, label, base, records[: extras.slow])
        if workers == 1 and size in extras.profile:
            profile(bench, label, base, pid)
        rate, exported = export_all(base, pid)
        bench.exports.append(f"{size} {db} {workers}w: {exported}")
        bench.metric(label, "export_rows_s", rate, exported)
        sizes = rss_mb(pid)
        # One worker is uvicorn's own process; with more, the first is the supervisor.
        workers_mb = sizes[1:] if len(sizes) > 1 else sizes
        bench.rss.append(
            f"{size} {db} {workers}w: " + ", ".join(f"{mb:.0f}" for mb in sizes) + " MB"
        )
        for each in workers_mb:
            bench.metric(label, "rss_worker_mb", each, "after the shapes and the full export")


STACK_SHAPES = ("a_speaker_topic", "b_indicator_value_gt", "d_row", "f_revalidate_304_row")
# The design card's floor read through SQLAlchemy Core ("stack") and through the bare DB-API
# driver ("driver"): the target's label -> bench/stack_app.py's STACK_DRIVER.
STACK_DRIVERS = {"stack": "sqlalchemy", "driver": "raw"}


def stack(bench: Bench, size: str, db: str, target: str) -> None:
    """The design card's floor (bench/stack_app.py): FastAPI + orjson running claimbase's page
    statement for shapes a, b, d and a record's 304 through SQLAlchemy Core, or through the bare
    driver (target "driver"), over claimbase's own rotating URLs (made by `claimbase` for this
    size and database), on 1 worker."""
    paths_dir = bench.out / f"paths_{size}_{db}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = uvicorn_command("bench.stack_app:app", port, 1)
    env = {
        **image_malloc_settings(),
        "DATABASE_URL": claimbase_url(db, size),
        "STACK_DRIVER": STACK_DRIVERS[target],
    }
    probe = (paths_dir / "d_row.paths").read_text().split()[0]
    label = (target, size, db, 1)
    with server(command, base + probe, env, bench.out / f"{target}_{size}_{db}.log") as pid:
        for shape in STACK_SHAPES:
            bench.measure(label, shape, "rotating", base + "/", paths_dir / f"{shape}.paths", pid)
        bench.metric(label, "rss_worker_mb", rss_mb(pid)[0], "after the shapes")


@dataclass
class Extras:
    slow: int  # one-record GETs per condition of "while a slow statement runs" (0: skip)
    profile: list[str]  # sizes whose 1-worker server is profiled on shapes a-f


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100k,1m")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="refuse, instead of rebuilding, a cached corpus built at another schema revision",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the corpora (and Datasette's) and stop"
    )
    parser.add_argument(
        "--slow", type=int, default=500, help="one-record GETs idle and while heavy reads run"
    )
    parser.add_argument("--profile-sizes", default="1m", help="sizes profiled with py-spy ('')")
    parser.add_argument(
        "--load-size", default="1m", help="bulk-load timing against make_db.py ('' to skip)"
    )
    parser.add_argument("--load-dbs", default="sqlite", help="databases of the load timing")
    parser.add_argument(
        "--out", type=Path, default=DATA / "results" / time.strftime("claimbase-%Y%m%d-%H%M%S")
    )
    args = parser.parse_args()
    ensure_tools()
    sizes = [size for size in args.sizes.split(",") if size]
    dbs = [db for db in args.dbs.split(",") if db]
    workers = [int(w) for w in args.workers.split(",")]
    corpora = [build_corpus(db, size, not args.no_rebuild) for size in sizes for db in dbs]
    if not args.no_datasette:
        corpora += [f"datasette {size}: {reference_db(size)}" for size in sizes]
    if args.build_only:
        print("\n".join(corpora))
        return 0
    bench = Bench(args)
    (bench.out / "corpora.txt").write_text("\n".join(corpora) + "\n")
    one_conn = Load(max(3, args.duration // 2), 1, 1, 1)
    extras = Extras(args.slow, [size for size in args.profile_sizes.split(",") if size])
    log(f"results in {bench.out}")
    if not args.no_floor:
        floor(bench, workers)
        framework(bench, workers)
    if not args.no_datasette:
        for size in sizes:
            datasette(bench, size, one_conn)
    for size in sizes:
        for db in dbs:
            for count in workers:
                warm_os_cache(corpus_files(db, size))
                claimbase(bench, size, db, count, one_conn, extras)
            if not args.no_floor:
                warm_os_cache(corpus_files(db, size))
                for target in STACK_DRIVERS:
                    stack(bench, size, db, target)
    if not args.no_floor:
        floor(bench, workers[:1])  # again at the end: drift over the run
    (bench.out / "rss.txt").write_text("\n".join(bench.rss) + "\n")
    (bench.out / "exports.txt").write_text("\n".join(bench.exports) + "\n")
    if args.load_size:
        bulk_load(bench, args.load_size, args.load_dbs.split(","))
    subprocess.run([sys.executable, str(ROOT / "bench" / "report.py"), str(bench.out)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
