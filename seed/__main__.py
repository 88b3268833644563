"""`python -m seed`: migrate the database named by DATABASE_URL, then load `seed/data/`."""

import argparse
import sys
from pathlib import Path

from app.config import get_settings
from app.db import build_engine
from app.migrate import upgrade
from seed.bundle import DATA_DIR, SeedError, read_bundle
from seed.load import write_bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seed", description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, default=DATA_DIR, help="folder with the seed files"
    )
    parser.add_argument("--database-url", default=None, help="overrides DATABASE_URL for this run")
    args = parser.parse_args(argv)
    url = args.database_url or get_settings().database_url
    try:
        bundle = read_bundle(args.data_dir)
    except SeedError as error:
        print(f"seed: error: {error}", file=sys.stderr)
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
            f"{report.unchanged} unchanged"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
