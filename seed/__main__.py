"""`python -m seed`: migrate the database named by DATABASE_URL, then load `seed/data/`;
`python -m seed check`: validate the seed files and list every problem, writing nothing;
`python -m seed draft ARTICLE.txt`: draft a seed source file from an article (docs/drafting.md);
`python -m seed synthetic --claims N`: the same, with a generated corpus of N claims."""

import argparse
import sys
import time
from pathlib import Path

from app.config import get_settings
from app.store.engine import build_engine
from app.store.migrate import upgrade
from seed import drafts
from seed.bundle import DATA_DIR, SINGULAR, SeedBundle, SeedError, read_bundle
from seed.load import load_synthetic, write_bundle
from seed.progress import Progress


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seed", description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, default=DATA_DIR, help="folder with the seed files"
    )
    parser.add_argument("--database-url", default=None, help="overrides DATABASE_URL for this run")
    commands = parser.add_subparsers(dest="command")
    check = commands.add_parser(
        "check",
        help="validate every seed file and list every problem (file, record, field); "
        "touches no database; exit code 1 on any problem",
    )
    # SUPPRESS: given before or after the command, the option keeps its value (a subcommand's
    # own default would overwrite the one given before it).
    check.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="folder with the seed files"
    )
    draft = commands.add_parser(
        "draft",
        help="draft a seed source file (TOML) from an article's plain text, for review",
    )
    draft.add_argument("article", type=Path, help="the article's text file (UTF-8)")
    draft.add_argument("--source-id", default=None, help="the source id (default: the file name)")
    draft.add_argument("--out", type=Path, default=None, help="write here (default: stdout)")
    draft.add_argument(
        "--no-author-statements",
        dest="author_statements",
        action="store_false",
        help="leave out the publication's own statements",
    )
    synthetic = commands.add_parser(
        "synthetic",
        help="load a deterministic synthetic corpus (for benchmarks) into a database",
    )
    synthetic.add_argument("--claims", type=int, required=True, help="number of claims (>= 1)")
    synthetic.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    synthetic.add_argument(
        "--database-url", default=argparse.SUPPRESS, help="overrides DATABASE_URL"
    )
    return parser


def _read(data_dir: Path) -> SeedBundle | None:
    """The files' rows, or None after listing every problem on stderr."""
    try:
        return read_bundle(data_dir)
    except SeedError as error:
        for problem in error.problems:
            print(f"seed: error: {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"seed: {count} problem{'s' * (count != 1)}; nothing written", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "draft":
        return drafts.run(args.article, args.source_id, args.out, args.author_statements)
    if args.command == "check":
        bundle = _read(args.data_dir)
        if bundle is None:
            return 1
        tables = ["sources", "claims", "statistics", "speakers", "topics", "units", "entities"]
        tables += ["indicators", "reviews"]
        counts = {table: len(getattr(bundle, table)) for table in tables}
        counted = ", ".join(
            f"{n} {t if n != 1 else SINGULAR.get(t, t[:-1])}" for t, n in counts.items()
        )
        print(f"seed: check: ok: {counted}")
        return 0
    url = args.database_url or get_settings().database_url
    if args.command == "synthetic":
        return _synthetic(url, args.claims, args.seed)
    bundle = _read(args.data_dir)
    if bundle is None:
        return 1
    upgrade(url)
    engine = build_engine(url)
    try:
        reports = write_bundle(engine, bundle)
    finally:
        engine.dispose()
    for table, report in reports.items():
        print(
            f"seed: {table}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.retracted} retracted"
        )
    return 0


def _synthetic(url: str, claims: int, seed: int) -> int:
    if claims < 1:
        print("seed: error: --claims must be at least 1", file=sys.stderr)
        return 2
    upgrade(url)
    engine = build_engine(url)
    started = time.perf_counter()
    progress = Progress(claims, "claims", sys.stderr)
    try:
        counts = load_synthetic(engine, claims, seed, progress)
    except SeedError as error:
        progress.finish()
        print(f"seed: error: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    progress.finish()
    summary = ", ".join(f"{count} {table}" for table, count in counts.items())
    print(f"seed: synthetic: {summary} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
