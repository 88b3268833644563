"""Turn a bench/run.py results folder into results.md and p50_vs_size.png, and optionally the
generated part of bench/RESULTS.md.

Usage: python bench/report.py OUT_DIR [--png PATH] [--results bench/RESULTS.md]

Ratios are to rows of the same run: x floor = req/s / the first floor row with the same
worker count; x FastAPI = req/s / the first bare-FastAPI row (bench/framework_app.py);
x Datasette = claimbase's one-URL "hot" req/s / Datasette's on the same size and shape letter
(a-e); PG / SQLite = PostgreSQL's req/s / SQLite's, same size, shape and variant. The targets
(issue 11) are judged at the largest size measured. `--results` replaces what lies between
the two report markers of that file (and writes the plot beside it). The PNG needs matplotlib;
bench/run.sh installs it into the benchmark's own venv, and this script re-runs itself there
when the project venv lacks it.
"""

import argparse
import csv
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH_VENV = Path(os.environ.get("BENCH_VENV", "/tmp/benchvenv"))
SIZE_CLAIMS = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}
BEGIN = "<!-- bench/report.py: generated from here -->"
END = "<!-- bench/report.py: generated up to here -->"
LISTS = ("a_speaker_topic", "b_indicator_value_gt", "e_deep_page100")
STACK_FLOORS = ("stack", "driver")  # bench/run.py's targets of bench/stack_app.py
SLOW = "h_record_while_slow"

Record = dict[str, str]


def read(out: Path, name: str) -> list[Record]:
    if not (out / name).exists():
        return []
    with (out / name).open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def num(row: Record | None, column: str = "req_s") -> float:
    return float(row[column]) if row else 0.0


@dataclass
class Run:
    """The rows of one run, indexed the way the tables read them."""

    rows: list[Record]
    metrics: list[Record]
    # Each bench/profile.py output by (size, db, shape).
    profiles: dict[tuple[str, str, str], "Profile"]

    def __post_init__(self) -> None:
        self.floors: dict[str, list[float]] = {}
        self.frameworks: dict[str, float] = {}
        self.datasette: dict[tuple[str, str, str], Record] = {}
        self.cells: dict[tuple[str, str, str], dict[str, Record]] = {}
        # The design card's floor per target ("stack": SQLAlchemy Core, "driver": the bare
        # DB-API driver), then (size, db, shape).
        self.stack: dict[str, dict[tuple[str, str, str], Record]] = {}
        for row in self.rows:
            if row["target"] == "floor":
                self.floors.setdefault(row["workers"], []).append(float(row["req_s"]))
            elif row["target"] == "framework":
                self.frameworks.setdefault(row["workers"], float(row["req_s"]))
            elif row["target"] in STACK_FLOORS:
                key = (row["size"], row["db"], row["shape"])
                self.stack.setdefault(row["target"], {})[key] = row
            elif row["target"] == "datasette":
                self.datasette[(row["size"], row["shape"][:1], row["variant"])] = row
            elif row["target"] == "claimbase":
                key = (row["size"], row["db"], row["shape"])
                self.cells.setdefault(key, {})[f"{row['workers']}{row['variant']}"] = row
        self.sizes = sorted({s for s, _d, _h in self.cells}, key=lambda s: SIZE_CLAIMS[s])
        self.dbs = [
            db for db in ("sqlite", "postgresql") if any(d == db for _s, d, _h in self.cells)
        ]

    def floor(self) -> float | None:
        return self.floors["1"][0] if self.floors.get("1") else None

    def framework(self) -> float | None:
        return self.frameworks.get("1")

    def cell(self, size: str, db: str, shape: str, variant: str) -> Record | None:
        row = self.cells.get((size, db, shape), {}).get(variant)
        return row if row and float(row["req_s"]) else None

    def main(self, size: str, db: str, shape: str) -> Record | None:
        """The row ratios are taken from: rotating (>= 1000 URLs), or hot where none rotates."""
        return self.cell(size, db, shape, "1rotating") or self.cell(size, db, shape, "1hot")

    def x_datasette(self, size: str, db: str, shape: str) -> float | None:
        hot = self.cell(size, db, shape, "1hot")
        theirs = self.datasette.get((size, shape[:1], "hot"))
        return num(hot) / num(theirs) if hot and theirs and num(theirs) else None

    def pg_over_sqlite(self, size: str, shape: str) -> float | None:
        pg, lite = self.main(size, "postgresql", shape), self.main(size, "sqlite", shape)
        return num(pg) / num(lite) if pg and lite else None

    def metric(self, target: str, size: str, db: str, name: str) -> list[Record]:
        return [
            m
            for m in self.metrics
            if (m["target"], m["size"], m["db"], m["metric"]) == (target, size, db, name)
        ]


def ratio(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summary(run: Run) -> str:
    """One line per (size, db, shape), 1 worker: the numbers the targets are about."""
    two = any(key.startswith("2") for cell in run.cells.values() for key in cell)
    lines = [
        "| N | db | shape | req/s (rotating / hot) "
        + ("| req/s 2w (rotating / hot) " if two else "")
        + "| p50 / p99 ms | 1-conn p50 ms | ms CPU/req | x floor | x FastAPI | x Datasette hot "
        "| PG / SQLite | errors+non2xx |",
        "|---|---|---|---|" + ("---|" if two else "") + "---|---|---|---|---|---|---|---|",
    ]
    floor, framework = run.floor(), run.framework()
    for (size, db, shape), cell in run.cells.items():
        if shape == SLOW:
            continue

        def rps(row: Record | None) -> str:
            return f"{num(row):,.0f}" if row and num(row) else "-"

        rotating, hot, one = cell.get("1rotating"), cell.get("1hot"), cell.get("11conn")
        main = run.main(size, db, shape)
        if main is None:
            note = rotating["note"] if rotating else ""
            lines.append(f"| {size} | {db} | {shape} | {note} |" + " |" * (8 + two))
            continue
        errors = sum(
            int(r["errors"]) + int(r["non2xx"]) for r in cell.values() if r["variant"] != "1conn"
        )
        pg = run.pg_over_sqlite(size, shape) if db == "postgresql" else None
        lines.append(
            f"| {size} | {db} | {shape} | {rps(rotating)} / {rps(hot)} "
            + (f"| {rps(cell.get('2rotating'))} / {rps(cell.get('2hot'))} " if two else "")
            + f"| {num(main, 'p50_ms'):.1f} / {num(main, 'p99_ms'):.1f} "
            + f"| {ratio(num(one, 'p50_ms') if one else None, 2)} "
            + f"| {num(main, 'srv_ms_req'):.2f} "
            + f"| {ratio(num(main) / floor if floor else None)} "
            + f"| {ratio(num(main) / framework if framework else None)} "
            + f"| {ratio(run.x_datasette(size, db, shape), 2)} "
            + f"| {ratio(pg, 2) if db == 'postgresql' else ''} | {errors} |"
        )
    return "\n".join(lines) + "\n"


def baselines(run: Run) -> str:
    floors = run.floors.get("1", [])
    lines = [
        f"Floor (raw ASGI, 1 worker): {' -> '.join(f'{f:,.0f}' for f in floors) or '-'} req/s "
        "(start -> end of the run); bare FastAPI: "
        + (f"{run.framework():,.0f} req/s" if run.framework() else "-")
        + (
            f" = {100 * (run.framework() or 0) / floors[0]:.1f} % of the floor."
            if floors and run.framework()
            else "."
        ),
        "",
        "| Datasette | a | b | c | d | e |",
        "|---|---|---|---|---|---|",
    ]
    for size in run.sizes:
        cells = []
        for letter in "abcde":
            hot = run.datasette.get((size, letter, "hot"))
            one = run.datasette.get((size, letter, "1conn"))
            cells.append(f"{num(hot):,.0f} / {num(one, 'p50_ms'):.2f} ms" if hot and one else "-")
        lines.append(f"| {size} (req/s hot / 1-conn p50) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def stack_floor(run: Run) -> str:
    """claimbase against the design card's floor (bench/stack_app.py) on the same URLs, read
    through SQLAlchemy Core and through the bare DB-API driver."""
    if not run.stack:
        return ""
    framework = run.framework()
    core, driver = run.stack.get("stack", {}), run.stack.get("driver", {})

    def floor_cells(row: Record | None) -> str:
        if row is None:
            return "- | - | - "
        return (
            f"{num(row):,.0f} | {num(row, 'srv_ms_req'):.2f} "
            f"| {ratio(num(row) / framework if framework else None)} "
        )

    lines = [
        "The same rotating URLs served by FastAPI + orjson running only claimbase's page "
        "statement (bench/stack_app.py, 1 worker), through SQLAlchemy Core (stack floor) and "
        "through the bare DB-API driver, sqlite3 or psycopg (driver floor): what any app on the "
        "design card pays to read the database, what SQLAlchemy adds to it, and what "
        "claimbase's API adds.",
        "",
        "| N | db | shape | stack floor req/s | its ms CPU/req | its x FastAPI "
        "| driver floor req/s | its ms CPU/req | its x FastAPI | claimbase req/s "
        "| claimbase / stack floor |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, db, shape in dict.fromkeys([*core, *driver]):
        row = core.get((size, db, shape))
        ours = run.cell(size, db, shape, "1rotating")
        share = num(ours) / num(row) if ours and num(row) else None
        lines.append(
            f"| {size} | {db} | {shape} | {floor_cells(row)}"
            f"| {floor_cells(driver.get((size, db, shape)))}"
            f"| {num(ours):,.0f} | {ratio(share, 2)} |"
        )
    rss: dict[tuple[str, str], dict[str, float]] = {}
    for m in run.metrics:
        if m["target"] in STACK_FLOORS and m["metric"] == "rss_worker_mb":
            rss.setdefault((m["size"], m["db"]), {})[m["target"]] = float(m["value"])
    if rss:
        lines.append(
            "\nRSS of the floor's worker after its shapes (stack / driver): "
            + ", ".join(
                f"{size} {db} "
                + " / ".join(f"{mb[t]:.0f}" if t in mb else "-" for t in STACK_FLOORS)
                + " MB"
                for (size, db), mb in rss.items()
            )
            + "."
        )
    return "\n".join(lines) + "\n"


Measure = Callable[[Run, str, str, str], tuple[float | None, str]]


def _x_framework(run: Run, size: str, db: str, shape: str) -> tuple[float | None, str]:
    main, framework = run.main(size, db, shape), run.framework()
    if not main or not framework:
        return None, "not measured"
    value = num(main) / framework
    return value, f"{num(main):,.0f} req/s = {100 * value:.1f} % of {framework:,.0f}"


def _x_datasette(run: Run, size: str, db: str, shape: str) -> tuple[float | None, str]:
    value = run.x_datasette(size, db, shape)
    theirs = run.datasette.get((size, shape[:1], "hot"))
    ours = run.cell(size, db, shape, "1hot")
    if value is None or not theirs or not ours:
        return None, "not measured"
    return value, f"{value:.2f}x ({num(ours):,.0f} vs {num(theirs):,.0f} req/s, hot)"


def _one_conn(run: Run, size: str, db: str, shape: str) -> tuple[float | None, str]:
    one = run.cell(size, db, shape, "11conn")
    return (num(one, "p50_ms"), f"{num(one, 'p50_ms'):.2f} ms") if one else (None, "not measured")


def _pg(run: Run, size: str, _db: str, shape: str) -> tuple[float | None, str]:
    value = run.pg_over_sqlite(size, shape)
    pg, lite = run.main(size, "postgresql", shape), run.main(size, "sqlite", shape)
    if value is None:
        return None, "not measured"
    return value, f"{value:.2f} ({num(pg):,.0f} vs {num(lite):,.0f} req/s)"


def _rss(run: Run, size: str, db: str, _shape: str) -> tuple[float | None, str]:
    workers = [float(m["value"]) for m in run.metric("claimbase", size, db, "rss_worker_mb")]
    if not workers:
        return None, "not measured"
    return max(workers), " + ".join(f"{w:.0f}" for w in workers) + " MB after the run"


def _slow(run: Run, size: str, db: str, _shape: str) -> tuple[float | None, str]:
    idle = run.cells.get((size, db, SLOW), {}).get("1idle")
    busy = run.cells.get((size, db, SLOW), {}).get("1busy")
    if not idle or not busy:
        return None, "not measured"
    value = num(busy, "p99_ms") / num(idle, "p99_ms")
    return value, f"{value:.2f}x (p99 {num(busy, 'p99_ms'):.2f} vs {num(idle, 'p99_ms'):.2f} ms)"


def _load(run: Run, _size: str, _db: str, _shape: str) -> tuple[float | None, str]:
    ours = [m for m in run.metrics if m["target"] == "claimbase" and m["metric"] == "load_s"]
    ref = [m for m in run.metrics if m["target"] == "make_db" and m["metric"] == "load_s"]
    ours = [m for m in ours if m["db"] == "sqlite"]
    if not ours or not ref:
        return None, "not measured"
    value = float(ours[0]["value"]) / float(ref[0]["value"])
    return value, (
        f"{value:.2f}x at {ours[0]['size']} ({float(ours[0]['value']):.1f} s vs "
        f"{float(ref[0]['value']):.1f} s)"
    )


def _floor_x_framework(run: Run, floor: str, size: str, db: str, shape: str) -> str | None:
    row, framework = run.stack.get(floor, {}).get((size, db, shape)), run.framework()
    return f"{100 * num(row) / framework:.1f} %" if row and framework else None


def _floor_x_datasette(run: Run, floor: str, size: str, db: str, shape: str) -> str | None:
    row, theirs = (
        run.stack.get(floor, {}).get((size, db, shape)),
        run.datasette.get((size, shape[:1], "hot")),
    )
    return f"{num(row) / num(theirs):.2f}x" if row and theirs and num(theirs) else None


def _floor_cpu(run: Run, floor: str, size: str, db: str, shape: str) -> str | None:
    # A request's CPU on the floor: the least its 1-connection p50 could be.
    row = run.stack.get(floor, {}).get((size, db, shape))
    return f">= {num(row, 'srv_ms_req'):.2f} ms" if row else None


def _floor_pg(run: Run, floor: str, size: str, _db: str, shape: str) -> str | None:
    rows = run.stack.get(floor, {})
    pg, lite = rows.get((size, "postgresql", shape)), rows.get((size, "sqlite", shape))
    return f"{num(pg) / num(lite):.2f}" if pg and lite and num(lite) else None


FloorMeasure = Callable[[Run, str, str, str, str], str | None]
# The same measure taken on the design card's floors (bench/stack_app.py), where they serve
# the shape: a target the floor misses cannot be met by an app on that stack.
FLOOR_MEASURES: dict[Measure, FloorMeasure] = {
    _x_framework: _floor_x_framework,
    _x_datasette: _floor_x_datasette,
    _one_conn: _floor_cpu,
    _pg: _floor_pg,
}


def floors_cell(run: Run, measure: Measure, size: str, db: str, shape: str) -> str:
    """The measure on the stack floor / the driver floor, or "-" where they do not serve it."""
    floor_measure = FLOOR_MEASURES.get(measure)
    if floor_measure is None:
        return "-"
    values = [floor_measure(run, floor, size, db, shape) for floor in STACK_FLOORS]
    return "-" if values == [None, None] else " / ".join(v or "-" for v in values)


LAYER_NAMES = {
    "claimbase code": "ours",
    "FastAPI, Starlette, pydantic, anyio": "FastAPI",
    "database driver (SQL run + rows fetched)": "driver",
    "uvicorn, socket I/O": "uvicorn",
}


def layers_cell(run: Run, size: str, db: str, shape: str) -> str:
    """The three largest layers of the shape's profile (PostgreSQL's for a PG / SQLite ratio),
    each with its part of a request's CPU in the run (ms CPU/req x its share)."""
    db = "postgresql" if db == "-" else db
    profile = run.profiles.get((size, db, shape))
    if profile is None or not profile.layers:
        return "-"
    cpu_ms = num(run.main(size, db, shape), "srv_ms_req")
    return ", ".join(
        f"{LAYER_NAMES.get(name, name)} {share} % ({cpu_ms * share / 100:.2f} ms)"
        for name, share in profile.layers[:3]
    )


# (target, limit, higher is better, measure, shapes, judged per database)
TARGETS: tuple[tuple[str, float, bool, Measure, tuple[str, ...], bool], ...] = (
    ("lists >= 20 % of bare FastAPI", 0.20, True, _x_framework, LISTS, True),
    ("lists >= 5x Datasette", 5.0, True, _x_datasette, LISTS, True),
    ("search >= 10 % of bare FastAPI", 0.10, True, _x_framework, ("c_search",), True),
    ("search >= 5x Datasette", 5.0, True, _x_datasette, ("c_search",), True),
    ("one record >= 40 % of bare FastAPI", 0.40, True, _x_framework, ("d_row",), True),
    ("one record >= 3x Datasette", 3.0, True, _x_datasette, ("d_row",), True),
    (
        "304 >= 50 % of bare FastAPI",
        0.50,
        True,
        _x_framework,
        ("f_revalidate_304", "f_revalidate_304_row"),
        True,
    ),
    ("1-connection p50 <= 1 ms, one record", 1.0, False, _one_conn, ("d_row",), True),
    ("1-connection p50 <= 1.5 ms, lists", 1.5, False, _one_conn, LISTS, True),
    (
        "PostgreSQL / SQLite >= 0.60",
        0.60,
        True,
        _pg,
        (*LISTS, "c_search", "d_row", "f_revalidate_304", "f_revalidate_304_row", "g_csv_export"),
        False,
    ),
    ("RSS per worker <= 150 MB", 150.0, False, _rss, ("",), True),
    ("p99 of a record while a slow statement runs <= 3x idle", 3.0, False, _slow, ("",), True),
    ("bulk load (SQLite) <= 2x make_db.py", 2.0, False, _load, ("",), False),
)


def targets(run: Run) -> str:
    if not run.sizes:
        return ""
    size = run.sizes[-1]
    lines = [
        f"Judged at {size} claims, 1 worker"
        + ("" if size == "1m" else " (the run measured no 1M corpus: NOT the targets' size)")
        + ".",
        "",
        "| target | db | shape | measured | result | the floors (stack / driver) "
        "| largest layers (py-spy) |",
        "|---|---|---|---|---|---|---|",
    ]
    met = missed = 0
    for name, limit, higher, measure, shapes, per_db in TARGETS:
        for db in run.dbs if per_db else ["-"]:
            for shape in shapes:
                value, text = measure(run, size, db, shape)
                if value is None:
                    result = "not measured"
                elif (value >= limit) if higher else (value <= limit):
                    result, met = "met", met + 1
                else:
                    result, missed = "**missed**", missed + 1
                lines.append(
                    f"| {name} | {db} | {shape or '-'} | {text} | {result} "
                    f"| {floors_cell(run, measure, size, db, shape)} "
                    f"| {layers_cell(run, size, db, shape) if result != 'met' else '-'} |"
                )
    lines.append(f"\n{met} met, {missed} missed.")
    return "\n".join(lines) + "\n"


def extras(run: Run) -> str:
    lines = ["| N | db | what | value | detail |", "|---|---|---|---|---|"]
    names = {
        "export_rows_s": "CSV export of every claim, rows/s",
        "rss_worker_mb": "RSS per worker, MB",
        "slow_p99_ratio": "record p99 while slow / idle",
        "load_s": "bulk load, s",
    }
    for m in run.metrics:
        if m["target"] in STACK_FLOORS:
            continue  # their RSS is in the design card's floor's section
        what = names.get(m["metric"], m["metric"])
        who = "" if m["target"] == "claimbase" else f" ({m['target']})"
        lines.append(
            f"| {m['size']} | {m['db']} | {what}{who} | {float(m['value']):,.2f} | {m['note']} |"
        )
    for (size, db, shape), cell in run.cells.items():
        if shape != SLOW:
            continue
        for variant in ("1idle", "1busy"):
            row = cell.get(variant)
            if row:
                lines.append(
                    f"| {size} | {db} | one-record GET, {variant[1:]}: p50 / p99 ms "
                    f"| {num(row, 'p50_ms'):.2f} / {num(row, 'p99_ms'):.2f} | {row['note']} |"
                )
    return "\n".join(lines) + "\n"


LAYER_ROW = re.compile(r"^\| (?P<layer>[^|]+?) \| (?P<share>\d+) % \|$")


@dataclass
class Profile:
    """One bench/profile.py output: its layers' shares, largest first, and its two hottest
    frames."""

    layers: list[tuple[str, int]]
    hottest: list[str]


def read_profiles(out: Path) -> dict[tuple[str, str, str], Profile]:
    """Each profile_<size>_<db>_<shape>.md of the folder."""
    found: dict[tuple[str, str, str], Profile] = {}
    for path in out.glob("profile_*.md"):
        size, db, shape = path.stem.removeprefix("profile_").split("_", 2)
        text = path.read_text()
        layers = [
            (match["layer"], int(match["share"]))
            for match in map(LAYER_ROW.match, text.splitlines())
            if match
        ]
        frames = text.split("hottest frames (self time):")
        hottest = [x.strip() for x in frames[1].strip().splitlines()[:2]] if len(frames) > 1 else []
        found[(size, db, shape)] = Profile(sorted(layers, key=lambda layer: -layer[1]), hottest)
    return found


def profiles(run: Run) -> str:
    """One row per profile: its layers' shares, then each profile's two hottest frames."""
    order = {"sqlite": 0, "postgresql": 1}
    keys = sorted(run.profiles, key=lambda k: (SIZE_CLAIMS.get(k[0], 0), order.get(k[1], 2), k))
    if not keys:
        return ""
    layers = list(dict.fromkeys(name for key in keys for name, _share in run.profiles[key].layers))
    lines = [
        "| N | db | shape | " + " | ".join(layers) + " |",
        "|---|---|---|" + "---|" * len(layers),
    ]
    hottest: list[str] = []
    for size, db, shape in keys:
        profile = run.profiles[(size, db, shape)]
        shares = dict(profile.layers)
        lines.append(
            f"| {size} | {db} | {shape} | "
            + " | ".join(f"{shares[name]} %" if name in shares else "" for name in layers)
            + " |"
        )
        if profile.hottest:
            hottest.append(f"* {size} {db} {shape}: " + "; ".join(profile.hottest))
    return "\n".join(lines) + "\n\nHottest frames (self time):\n\n" + "\n".join(hottest) + "\n"


def raw_table(rows: list[Record]) -> str:
    header = (
        "| server | N | db | w | shape | variant | req/s | p50 ms | p99 ms | err | non2xx "
        "| ms CPU/req | other CPU % | note |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r['target']} | {r['size']} | {r['db']} | {r['workers']} | {r['shape']} "
        f"| {r['variant']} | {num(r):.0f} | {num(r, 'p50_ms'):.2f} | {num(r, 'p99_ms'):.2f} "
        f"| {r['errors']} | {r['non2xx']} | {num(r, 'srv_ms_req'):.2f} "
        f"| {num(r, 'other_cpu_pct'):.0f} | {r['note']} |"
        for r in rows
    ]
    return header + "\n".join(lines) + "\n"


def generated(run: Run, png_name: str) -> str:
    """The part of bench/RESULTS.md this script owns."""
    parts = [
        "### HTTP, 1 worker\n\n" + summary(run),
        "### Baselines in the same run\n\n" + baselines(run),
        *(["### The design card's floor\n\n" + stack_floor(run)] if run.stack else []),
        "### Targets (issue 11)\n\n" + targets(run),
        "### Memory, exports, a record while a slow statement runs, bulk load\n\n" + extras(run),
    ]
    if run.profiles:
        parts.append(
            "### Where a request's CPU goes (bench/profile.py, py-spy, share of busy CPU)\n\n"
            + profiles(run)
        )
    parts.append(f"![p50 vs size]({png_name})\n")
    return "\n".join(parts)


def write_results(path: Path, text: str) -> None:
    current = path.read_text()
    if BEGIN not in current or END not in current:
        raise SystemExit(f"{path} lacks the markers {BEGIN!r} and {END!r}")
    head, rest = current.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n\n{text}\n{END}{tail}")


def plot(rows: list[Record], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for axis, db in zip(axes, ("sqlite", "postgresql"), strict=True):
        series: dict[str, list[tuple[int, float]]] = {}
        for row in rows:
            if float(row["req_s"]) == 0:
                continue  # nothing completed in the window: no latency to plot
            if row["target"] == "claimbase" and row["db"] == db and row["variant"] == "1conn":
                series.setdefault(row["shape"], []).append(
                    (SIZE_CLAIMS[row["size"]], float(row["p50_ms"]))
                )
        for row in rows:
            if float(row["req_s"]) == 0:
                continue
            if row["target"] == "datasette" and row["variant"] == "1conn" and db == "sqlite":
                series.setdefault(f"datasette {row['shape']}", []).append(
                    (SIZE_CLAIMS[row["size"]], float(row["p50_ms"]))
                )
        for name, points in sorted(series.items()):
            points.sort()
            style = "--" if name.startswith("datasette") else "-"
            axis.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", label=name)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("claims in the corpus")
        axis.set_title(f"claimbase on {db} (1 worker, 1 connection)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, loc="upper left", ncol=2)
    axes[0].set_ylabel("p50 latency, ms (log)")
    figure.suptitle(
        "p50 latency vs corpus size per shape (hot URL, 1 connection; Datasette dashed, "
        "on its own SQLite file)"
    )
    figure.tight_layout()
    figure.savefig(png, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--png", type=Path, default=None)
    parser.add_argument("--results", type=Path, default=None, help="e.g. bench/RESULTS.md")
    args = parser.parse_args()
    run = Run(read(args.out, "results.tsv"), read(args.out, "metrics.tsv"), read_profiles(args.out))
    png: Path = args.png or (
        args.results.with_name("p50_vs_size.png") if args.results else args.out / "p50_vs_size.png"
    )
    text = generated(run, png.name)
    (args.out / "results.md").write_text(text + "\n### Every measurement\n\n" + raw_table(run.rows))
    if args.results:
        write_results(args.results, text)
    try:
        plot(run.rows, png)
    except ImportError:
        python = BENCH_VENV / "bin" / "python"
        if Path(sys.executable) == python or not python.exists():
            print("matplotlib missing: no PNG", file=sys.stderr)
            return 1
        return subprocess.run([str(python), __file__, str(args.out), "--png", str(png)]).returncode
    print(f"wrote {args.out / 'results.md'} and {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
