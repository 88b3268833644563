"""Database-side timings through the app's own query code (no HTTP): keyset page 1 vs page
1000, and count=true, on a corpus built by `python -m seed synthetic`.

Usage: DATABASE_URL=... .venv/bin/python bench/queries.py [--repeat 20]

Prints median milliseconds per query (the page query as paginate() runs it, including
fetching its 51 rows; the count as count=true runs it).
"""

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from app.query.grammar import RecordListParams
from app.query.reads import ListQuery, list_query
from app.resources import CLAIM, SCHEMAS, STATISTIC
from app.store.engine import get_engine
from app.store.temporal import tables_at

SPEAKER = "speaker-00000001"
# After any load: `as_of` reads every record from the live rows, merged with the (empty) history.
AS_OF = datetime.now(UTC).isoformat()


def listed(connection: Connection, values: dict[str, Any]) -> tuple[RecordListParams, ListQuery]:
    """The params and SQL of a claims list, or a statistics one when an indicator is given."""
    params: RecordListParams
    if "indicator" in values:
        params = SCHEMAS["statistic"].list_params.model_validate(values)
        return params, list_query(connection, tables_at(params.as_of), params, STATISTIC)
    params = SCHEMAS["claim"].list_params.model_validate(values)
    return params, list_query(connection, tables_at(params.as_of), params, CLAIM)


def timed(connection: Connection, statement: Any, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        connection.execute(statement).all()
        samples.append(1000 * (time.perf_counter() - started))
    return statistics.median(samples)


def cursor_at(connection: Connection, values: dict[str, Any], page: int) -> str | None:
    cursor = None
    for _ in range(page - 1):
        params, query = listed(connection, {**values, "cursor": cursor})
        cursor = query.page(connection, params.limit, counted=False).next_cursor
        if cursor is None:
            raise SystemExit(f"{values}: fewer than {page} pages")
    return cursor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with get_engine().connect() as connection:
        deep: tuple[tuple[dict[str, Any], tuple[int, ...]], ...] = (
            ({}, (1, 1000)),
            ({"topic": "economy"}, (1, 1000)),
            ({"speaker": SPEAKER}, (1, 1000)),
            # Not 1000 deep: before 20261128_0005 each as_of page on PostgreSQL took seconds.
            ({"as_of": AS_OF}, (1, 10)),
        )
        for values, pages in deep:
            for page in pages:
                cursor = cursor_at(connection, values, page)
                params, query = listed(connection, {**values, "cursor": cursor})
                statement = query.page_statement(params.limit)
                took = timed(connection, statement, args.repeat)
                print(f"page {page:>4} of claims {values}: {took:.2f} ms")
        counted: tuple[dict[str, Any], ...] = (
            {"speaker": SPEAKER},
            {"speaker": SPEAKER, "topic": "economy"},
            {"topic": "economy"},
            {"topic": "economy", "include_retracted": True},
            {"topic": "economy,trade"},
            {"topic": "economy", "kind": "direct_quote"},
            {"kind": "direct_quote"},
            {"indicator": "unemployment_rate"},
            {"indicator": "unemployment_rate", "value_gt": 10},
        )
        for values in counted:
            _params, query = listed(connection, {**values, "count": True})
            statement = query.count_statement()
            total = connection.execute(statement).scalar_one()
            took = timed(connection, statement, max(3, args.repeat // 4))
            print(f"count of {values}: {total} in {took:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
