"""The benchmark, side by side in one run: the raw-ASGI floor, Datasette and claimbase.

Run from the project root with the project's venv (see "How to rerun it" in bench/RESULTS.md):

    .venv/bin/python bench/run.py --sizes 100k,1m --dbs sqlite,postgresql --workers 1,2

For each size it builds (once) a claimbase corpus with `python -m seed synthetic` in SQLite
(/tmp/bench/claimbase_<size>.db) and PostgreSQL (database claimbase_bench_<size>), and the
reference SQLite file for Datasette with ../shared/bench/make_db.py. Then, in this order and
in one process: the floor app (../shared/bench/floor_app.py), Datasette on every size (shapes
a-e from ../shared/bench/make_paths.py, one URL each), claimbase on every size, database and
worker count (uvicorn, uvloop + httptools, access log off), every shape rotating over >= 1000
URLs (bench/paths.py) plus a "hot" one-URL variant, then a 1-connection latency pass, then
one export of every claim as CSV (rows/s, and the server's RSS before, during and after).
Results: OUT/results.tsv (one row per measurement), OUT/results.md, OUT/rss.txt and
OUT/exports.txt.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT / ".." / "shared" / "bench").resolve()
# Corpora and reference databases; BENCH_DATA puts them elsewhere (e.g. beside another
# branch's corpora built at another schema revision).
DATA = Path(os.environ.get("BENCH_DATA", "/tmp/bench"))
BENCH_VENV = Path(os.environ.get("BENCH_VENV", "/tmp/benchvenv"))
SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
CURSOR_SECRET = "bench-cursor-secret-shared-by-all-workers"
CLK_TCK = os.sysconf("SC_CLK_TCK")
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


def claimbase_url(db: str, size: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{DATA}/claimbase_{size}.db"
    return f"{POSTGRES}/claimbase_bench_{size}"


def build_corpus(db: str, size: str) -> None:
    url = claimbase_url(db, size)
    if db == "postgresql":
        name = f"claimbase_bench_{size}"
        exists = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname='{name}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from sqlalchemy import create_engine, text, inspect\n"
            "from app.store.migrate import head_revision\n"
            "e = create_engine(sys.argv[1])\n"
            "ok = inspect(e).has_table('claim') and e.connect().execute("
            "text('select count(*) from claim')).scalar() > 0\n"
            "at = ok and e.connect().execute(text('select version_num from alembic_version'))"
            ".scalar()\n"
            "print('head' if at == head_revision() else at if ok else 0)",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    if probe == "head":
        return
    if probe != "0":
        # A corpus built at another schema revision would be measured with the wrong code.
        raise SystemExit(f"{url} holds a corpus at revision {probe}; remove it or set BENCH_DATA")
    log(f"building {db} {size}: python -m seed synthetic --claims {SIZES[size]}")
    subprocess.run(
        [
            "/usr/bin/time",
            "-v",
            sys.executable,
            "-m",
            "seed",
            "synthetic",
            "--claims",
            str(SIZES[size]),
        ],
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
    )


def floor(bench: Bench, workers_list: list[int]) -> None:
    for workers in workers_list:
        command = [
            str(BENCH_VENV / "bin" / "python"),
            "-m",
            "uvicorn",
            "floor_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            "8100",
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--app-dir",
            str(SHARED),
        ]
        url = "http://127.0.0.1:8100/claims?limit=50"
        with server(command, url, {}, bench.out / f"floor_{workers}w.log") as pid:
            bench.measure(("floor", "-", "-", workers), "floor", "hot", url, None, pid)


def framework(bench: Bench, workers_list: list[int]) -> None:
    """The floor's page served by bare FastAPI (bench/framework_app.py): the framework's cost."""
    for workers in workers_list:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.framework_app:app",
            "--port",
            "8101",
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ]
        url = "http://127.0.0.1:8101/claims?limit=50"
        with server(command, url, {}, bench.out / f"framework_{workers}w.log") as pid:
            label = ("framework", "-", "-", workers)
            bench.measure(label, "framework", "hot", url, None, pid)


def datasette(bench: Bench, size: str, one_conn: Load) -> None:
    db = DATA / f"claims_{size}.db"
    python = str(BENCH_VENV / "bin" / "python")
    if not db.exists():
        subprocess.run([python, str(SHARED / "make_db.py"), str(SIZES[size]), str(db)], check=True)
    command = [
        str(BENCH_VENV / "bin" / "datasette"),
        "serve",
        "-i",
        str(db),
        "-h",
        "127.0.0.1",
        "-p",
        "8001",
        "--setting",
        "sql_time_limit_ms",
        "30000",
        "--setting",
        "suggest_facets",
        "off",
    ]
    with server(
        command, "http://127.0.0.1:8001/-/versions.json", {}, bench.out / f"datasette_{size}.log"
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
            url = f"http://127.0.0.1:8001{path}"
            bench.measure(("datasette", size, "sqlite", 1), shape, "hot", url, None, pid)
            if not shape.startswith("x_"):
                bench.measure(
                    ("datasette", size, "sqlite", 1), shape, "1conn", url, None, pid, one_conn
                )


def export_all(base: str, pid: int) -> str:
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
        with urllib.request.urlopen(f"{base}/v1/claims?format=csv", timeout=1200) as response:
            while chunk := response.read(1 << 20):
                lines += chunk.count(b"\n")
                size += len(chunk)
    finally:
        streaming.clear()
        sampler.join()
    seconds = time.time() - started
    rows = lines - 1  # the header; synthetic claims hold no line breaks
    return (
        f"{rows} rows, {size / 1e6:.0f} MB in {seconds:.1f} s: {rows / seconds:,.0f} rows/s; "
        f"server RSS {before:.0f} MB before, {peak[0]:.0f} peak, {sum(rss_mb(pid)):.0f} after"
    )


def claimbase(bench: Bench, size: str, db: str, workers: int, one_conn: Load) -> None:
    port = 8200
    base = f"http://127.0.0.1:{port}"
    # wrk is one address: the per-address limit on expensive reads (`q`, exports, counts)
    # would answer most of its requests with 429s, so the benchmark measures with it off.
    env = {
        "DATABASE_URL": claimbase_url(db, size),
        "CURSOR_SECRET": CURSOR_SECRET,
        "RATE_LIMIT_ENABLED": "false",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "uvicorn"),
        "app.main:app",
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
        "--no-server-header",
    ]
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
        bench.exports.append(f"{size} {db} {workers}w: {export_all(base, pid)}")
        log(bench.exports[-1])
        sizes = rss_mb(pid)
        bench.rss.append(
            f"{size} {db} {workers}w: parent {sizes[0]:.0f} MB, workers "
            + ", ".join(f"{value:.0f}" for value in sizes[1:])
            + " MB"
        )
        log(bench.rss[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100k,1m")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=DATA / "results" / time.strftime("claimbase-%Y%m%d-%H%M%S")
    )
    args = parser.parse_args()
    ensure_tools()
    sizes = args.sizes.split(",")
    dbs = args.dbs.split(",")
    workers = [int(w) for w in args.workers.split(",")]
    for size in sizes:
        for db in dbs:
            build_corpus(db, size)
    bench = Bench(args)
    one_conn = Load(max(3, args.duration // 2), 1, 1, 1)
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
                claimbase(bench, size, db, count, one_conn)
    if not args.no_floor:
        floor(bench, workers[:1])  # again at the end: drift over the run
    (bench.out / "rss.txt").write_text("\n".join(bench.rss) + "\n")
    (bench.out / "exports.txt").write_text("\n".join(bench.exports) + "\n")
    subprocess.run([sys.executable, str(ROOT / "bench" / "report.py"), str(bench.out)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
