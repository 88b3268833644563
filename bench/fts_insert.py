"""What the full-text index costs a bulk load: N claims inserted with and without it.

    .venv/bin/python -m bench.fts_insert [N]

Each backend gets fresh databases, migrated to just before the search migration or to head;
the same claims (40 words of the seed article, about 250 characters) are then inserted in one
transaction: as `app.write.versioning.insert_rows` does (multi-row INSERTs on SQLite, COPY on
PostgreSQL) and, for comparison, one statement per row (executemany, in chunks of 1000).
"""

import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from app.store.engine import build_engine
from app.store.migrate import upgrade
from app.store.models import Claim, utc_now
from app.write.versioning import CHUNK, insert_rows
from seed.bundle import read_bundle
from seed.load import write_bundle
from tests.support.databases import fresh_database, postgres_unavailable_reason

BEFORE_SEARCH = "20261128_0002"


def claims(count: int) -> list[dict[str, Any]]:
    bundle = read_bundle()
    words = bundle.sources[0]["text"].split()
    source_id = bundle.sources[0]["id"]
    rng = random.Random(4)
    rows: list[dict[str, Any]] = []
    for index in range(count):
        start = rng.randrange(len(words) - 40)
        text = " ".join(words[start : start + 40])
        rows.append(
            {
                "id": f"bench-{index:07d}",
                "source_id": source_id,
                "speaker_id": None,
                "kind": "author_statement",
                "text": text,
                "span_start": 0,
                "span_end": len(text),
            }
        )
    return rows


def insert_seconds(
    backend: str, revision: str, rows: list[dict[str, Any]], *, per_row: bool = False
) -> float:
    with fresh_database(backend, Path(tempfile.mkdtemp())) as url:
        upgrade(url, revision)
        engine = build_engine(url)
        write_bundle(engine, read_bundle())
        started = time.perf_counter()
        claims = Claim.__table__
        assert isinstance(claims, Table)
        with engine.begin() as connection:
            if per_row:
                for start in range(0, len(rows), CHUNK):
                    connection.execute(insert(claims), rows[start : start + CHUNK])
            else:
                now = utc_now()
                stamp = {"version": 1, "created_at": now, "updated_at": now}
                insert_rows(connection, claims, rows, stamp)
        elapsed = time.perf_counter() - started
        engine.dispose()
        return elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rows = claims(count)
    backends = ["sqlite"] + ([] if postgres_unavailable_reason() else ["postgresql"])
    for backend in backends:
        without = insert_seconds(backend, BEFORE_SEARCH, rows)
        with_index = insert_seconds(backend, "head", rows)
        per_row = insert_seconds(backend, "head", rows, per_row=True)
        print(
            f"{backend}: {count} claims; without the index {without:.1f} s; with it "
            f"{with_index:.1f} s (+{with_index - without:.1f} s); with it, one statement "
            f"per row {per_row:.1f} s"
        )


if __name__ == "__main__":
    main()
