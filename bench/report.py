"""Turn a bench/run.py results folder into results.md and p50_vs_size.png.

Usage: python bench/report.py OUT_DIR [--png PATH]

Ratios are to rows of the same run: x_floor = req/s / the first floor row with the same
worker count; x FastAPI = req/s / the first bare-FastAPI row (bench/framework_app.py);
x_datasette = req/s / Datasette's req/s on the same size and shape letter (a-e, its one-URL
"hot" row). The PNG needs matplotlib; bench/run.sh installs it into the
benchmark's own venv, and this script re-runs itself there when the project venv lacks it.
"""

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

BENCH_VENV = Path(os.environ.get("BENCH_VENV", "/tmp/benchvenv"))
SIZE_CLAIMS = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}


def read(out: Path) -> list[dict[str, str]]:
    with (out / "results.tsv").open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def table(rows: list[dict[str, str]]) -> str:
    floors: dict[str, float] = {}
    datasette: dict[tuple[str, str], float] = {}
    for row in rows:
        if row["target"] == "floor":
            floors.setdefault(row["workers"], float(row["req_s"]))
        if row["target"] == "datasette" and row["variant"] == "hot":
            datasette[(row["size"], row["shape"][:1])] = float(row["req_s"])
    header = (
        "| server | N | db | w | shape | variant | req/s | p50 ms | p99 ms | err | non2xx "
        "| ms CPU/req | x floor | x datasette | other CPU % | note |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for row in rows:
        rps = float(row["req_s"])
        floor = floors.get(row["workers"]) or floors.get("1")
        x_floor = f"{rps / floor:.3f}" if floor and rps else ""
        ds = datasette.get((row["size"], row["shape"][:1]))
        x_ds = f"{rps / ds:.2f}" if ds and rps and row["target"] == "claimbase" else ""
        if row["variant"] == "1conn":
            x_floor = x_ds = ""
        lines.append(
            f"| {row['target']} | {row['size']} | {row['db']} | {row['workers']} "
            f"| {row['shape']} | {row['variant']} | {rps:.0f} | {float(row['p50_ms']):.2f} "
            f"| {float(row['p99_ms']):.2f} | {row['errors']} | {row['non2xx']} "
            f"| {float(row['srv_ms_req']):.2f} | {x_floor} | {x_ds} "
            f"| {float(row['other_cpu_pct']):.0f} | {row['note']} |"
        )
    return header + "\n".join(lines) + "\n"


def summary(rows: list[dict[str, str]]) -> str:
    """One line per (size, db, shape): the numbers the targets are about."""
    floors: dict[str, float] = {}
    frameworks: dict[str, float] = {}
    datasette: dict[tuple[str, str], float] = {}
    cells: dict[tuple[str, str, str], dict[str, dict[str, str]]] = {}
    for row in rows:
        if row["target"] == "floor":
            floors.setdefault(row["workers"], float(row["req_s"]))
        elif row["target"] == "framework":
            frameworks.setdefault(row["workers"], float(row["req_s"]))
        elif row["target"] == "datasette" and row["variant"] == "hot":
            datasette[(row["size"], row["shape"][:1])] = float(row["req_s"])
        elif row["target"] == "claimbase":
            key = (row["size"], row["db"], row["shape"])
            cells.setdefault(key, {})[f"{row['workers']}{row['variant']}"] = row
    lines = [
        "| N | db | shape | req/s 1w (rotating / hot) | req/s 2w (rotating / hot) "
        "| p50 / p99 ms 1w rotating | 1-conn p50 ms | ms CPU/req 1w | x floor 1w "
        "| x FastAPI 1w | x datasette 1w hot | errors+non2xx |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (size, db, shape), cell in cells.items():
        rotating, hot = cell.get("1rotating"), cell.get("1hot")
        rotating2, hot2 = cell.get("2rotating"), cell.get("2hot")
        one = cell.get("11conn")

        def rps(row: dict[str, str] | None) -> str:
            return f"{float(row['req_s']):.0f}" if row and float(row["req_s"]) else "-"

        main = rotating if rotating and float(rotating["req_s"]) else hot
        if main is None or not float(main["req_s"]):
            note = rotating["note"] if rotating else ""
            lines.append(f"| {size} | {db} | {shape} | {note} | | | | | | | | |")
            continue
        floor = floors.get("1")
        framework = frameworks.get("1")
        ds = datasette.get((size, shape[:1]))
        errors = sum(
            int(r["errors"]) + int(r["non2xx"]) for r in cell.values() if r["variant"] != "1conn"
        )
        lines.append(
            f"| {size} | {db} | {shape} | {rps(rotating)} / {rps(hot)} "
            f"| {rps(rotating2)} / {rps(hot2)} "
            f"| {float(main['p50_ms']):.1f} / {float(main['p99_ms']):.1f} "
            + (f"| {float(one['p50_ms']):.2f} | " if one is not None else "| - | ")
            + f"{float(main['srv_ms_req']):.2f} "
            + (f"| {float(main['req_s']) / floor:.3f} | " if floor is not None else "| - | ")
            + (f"{float(main['req_s']) / framework:.3f} | " if framework else "- | ")
            + (f"{float(hot['req_s']) / ds:.2f}" if ds and hot else "-")
            + f" | {errors} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, str]], png: Path) -> None:
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
    args = parser.parse_args()
    rows = read(args.out)
    (args.out / "results.md").write_text(summary(rows) + "\n" + table(rows))
    png = args.png or args.out / "p50_vs_size.png"
    try:
        plot(rows, png)
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
