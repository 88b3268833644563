"""Where a request's CPU goes: py-spy samples a running server under wrk load, and each
sample is charged to a layer (the server, the framework, SQLAlchemy, the database driver,
claimbase's own code, JSON), so RESULTS.md can say what bounds each shape.

Usage: python bench/profile.py PID URL [--paths FILE] [--seconds 10] [--conns 4] [--rate 500]

With --paths, wrk rotates over the file's paths on URL's server (bench/rotate.lua: a "path" or
"path<TAB>etag" per line, an etag sent as If-None-Match), as bench/run.py measures the shapes.

PID is the uvicorn worker (the process that runs the app). A sample's leaf frame decides its
layer; standard-library frames (contextlib, asyncio, typing...) are charged to the nearest
caller that belongs to a layer. Idle samples (the event loop waiting, idle threads) are left
out, so the shares are of busy time. Needs wrk and py-spy (in the project's venv).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROTATE = Path(__file__).resolve().parent / "rotate.lua"
# (layer, substrings of a frame's "function (file:line)" text), first match wins.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("database driver (SQL run + rows fetched)", ("fetchone (sqlalchemy", "do_execute (sql")),
    ("JSON encoding", ("orjson", "app/json.py")),
    ("claimbase code", ("app/",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("FastAPI, Starlette, pydantic, anyio", ("fastapi/", "starlette/", "pydantic", "anyio/")),
    ("uvicorn, socket I/O", ("uvicorn/", "httptools", "uvloop")),
)
IDLE = ("Runner.run (asyncio/runners.py", "Condition.wait", "Queue.get", "select (selectors")


def layer_of(frames: list[str]) -> str | None:
    """The layer of a sample (frames outermost first), or None when it is idle."""
    if any(frames[-1].startswith(idle) for idle in IDLE):
        return None
    for frame in reversed(frames):
        for layer, marks in LAYERS:
            if any(mark in frame for mark in marks):
                return layer
    return "other"


def shares(raw: Path) -> tuple[Counter[str], Counter[str]]:
    layers: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        layer = layer_of(frames)
        if layer is not None:
            layers[layer] += int(count)
            leaves[frames[-1]] += int(count)
    return layers, leaves


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pid", type=int)
    parser.add_argument("url")
    parser.add_argument("--paths", type=Path, help="rotate over these paths (bench/rotate.lua)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--conns", type=int, default=4)
    parser.add_argument("--rate", type=int, default=500)
    args = parser.parse_args()
    spy = Path(sys.executable).with_name("py-spy")
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "profile.txt"
        rotating = ["-s", str(ROTATE)] if args.paths else []
        load = subprocess.Popen(
            ["wrk", "-t1", f"-c{args.conns}", f"-d{args.seconds + 2}s", *rotating, args.url],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "BENCH_PATHS": str(args.paths or "")},
        )
        subprocess.run(
            [str(spy), "record", "-p", str(args.pid), "-d", str(args.seconds), "-r",
             str(args.rate), "-f", "raw", "-o", str(raw)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        output, _ = load.communicate()
        layers, leaves = shares(raw)
    busy = sum(layers.values()) or 1
    requests = next((x for x in output.splitlines() if x.startswith("Requests/sec")), "")
    rotated = f" rotating over {args.paths.name}" if args.paths else ""
    print(f"{args.url}{rotated}\n{requests.strip()} (under py-spy, {args.conns} connections)\n")
    print("| layer | share of busy CPU |\n|---|---|")
    for layer, count in layers.most_common():
        print(f"| {layer} | {100 * count / busy:.0f} % |")
    print("\nhottest frames (self time):")
    for frame, count in leaves.most_common(8):
        print(f"  {100 * count / busy:4.1f} %  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
