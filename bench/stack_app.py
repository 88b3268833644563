"""The design card's floor: what FastAPI + SQLAlchemy Core + orjson cost for the same reads,
with none of claimbase's API. Each route runs the one page statement claimbase runs for its
shape (same columns, filters, order, and limit + 1 rows of which the page keeps `limit`) on a
pooled connection, as a statement built once, and writes the rows with orjson; a record
answers If-None-Match with claimbase's ETag (`"claim-<id>-v<version>"`) as a 304. No
validation beyond FastAPI's, no middleware, no citations, topics or labels, no cursor, no
access line. What claimbase loses against it is what the API itself costs; what it loses
against bare FastAPI (bench/framework_app.py) is what any app on this stack pays to read a
database (bench/RESULTS.md).

With STACK_DRIVER=raw (instead of sqlalchemy, the default) the same routes read through the
bare DB-API driver, sqlite3 or psycopg: each statement compiled once to the driver's SQL and
parameter style, its rows fetched as tuples, no SQLAlchemy per request; PostgreSQL reads in
autocommit (one round trip, where SQLAlchemy's pool adds a BEGIN and a ROLLBACK). What the
Core floor loses against it is what SQLAlchemy costs.

Run: DATABASE_URL=sqlite:////tmp/bench/claimbase_100k.db [STACK_DRIVER=raw] .venv/bin/uvicorn \\
    bench.stack_app:app --port 8102 --no-access-log   (from the project root)
"""

import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, Protocol

import orjson
from fastapi import FastAPI, Request, Response
from sqlalchemy import URL, Dialect, Engine, Select, bindparam, create_engine, exists, select
from sqlalchemy.sql.compiler import SQLCompiler

from app.store.models import Claim, Statistic, claim_topic

claims, statistics, links = Claim.__table__, Statistic.__table__, claim_topic

ONE_CLAIM = select(claims).where(claims.c.id == bindparam("id"))
CLAIMS_BY_SPEAKER_AND_TOPIC = (
    select(claims)
    .where(
        claims.c.speaker_id == bindparam("speaker"),
        exists()
        .where(links.c.claim_id == claims.c.id, links.c.topic_id == bindparam("topic"))
        .correlate(claims),
        claims.c.retracted_at.is_(None),
    )
    .order_by(claims.c.id)
    .limit(bindparam("limit"))
)
STATISTICS_BY_INDICATOR_ABOVE = (
    select(statistics)
    .where(
        statistics.c.indicator == bindparam("indicator"),
        statistics.c.value > bindparam("value_gt"),
        statistics.c.retracted_at.is_(None),
    )
    .order_by(statistics.c.id)
    .limit(bindparam("limit"))
)
STATEMENTS = (ONE_CLAIM, CLAIMS_BY_SPEAKER_AND_TOPIC, STATISTICS_BY_INDICATOR_ABOVE)

Rows = list[dict[str, Any]]
READ: dict[str, Callable[[Select[Any], dict[str, Any]], Rows]] = {}


def core_rows(engine: Engine, statement: Select[Any], values: dict[str, Any]) -> Rows:
    with engine.connect() as connection:
        return [row._asdict() for row in connection.execute(statement, values)]


class DriverCursor(Protocol):
    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...

    def fetchall(self) -> list[Any]: ...


class DriverConnection(Protocol):
    def execute(self, sql: str, parameters: Any, /) -> DriverCursor: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class DriverStatement:
    sql: str
    defaults: dict[str, Any]  # values the statement holds itself (SQLite's OFFSET 0)
    order: list[str] | None  # a positional style's (sqlite3's qmark) names, in the SQL's order

    def parameters(self, values: dict[str, Any]) -> dict[str, Any] | list[Any]:
        merged = {**self.defaults, **values}
        return merged if self.order is None else [merged[name] for name in self.order]


def driver_statement(statement: Select[Any], dialect: Dialect) -> DriverStatement:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    order = list(compiled.positiontup or []) if dialect.positional else None
    defaults = {name: value for name, value in compiled.params.items() if value is not None}
    return DriverStatement(str(compiled), defaults, order)


def utc_datetime(stored: bytes) -> datetime:
    """SQLite's text of a UTCDateTime, read as claimbase's model reads it (aware, UTC)."""
    return datetime.fromisoformat(stored.decode()).replace(tzinfo=UTC)


def driver_connector(url: URL) -> Callable[[], DriverConnection]:
    if url.get_backend_name() == "sqlite":
        sqlite3.register_converter("DATETIME", utc_datetime)
        sqlite3.register_converter("DATE", lambda stored: date.fromisoformat(stored.decode()))
        return partial(
            sqlite3.connect,
            url.database or "",
            detect_types=sqlite3.PARSE_DECLTYPES,
            check_same_thread=False,
        )
    import psycopg  # here: claimbase's SQLite workers do not import it either (RSS)

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return partial(psycopg.connect, conninfo, autocommit=True, options="-c TimeZone=UTC")


class Driver:
    """STATEMENTS on the bare DB-API driver. The event loop runs one read at a time, so a list
    of idle connections is the whole pool."""

    def __init__(self, url: str) -> None:
        engine = create_engine(url)  # for its dialect and parsed URL: it never connects
        self.statements = {s: driver_statement(s, engine.dialect) for s in STATEMENTS}
        self.connect = driver_connector(engine.url)
        self.idle: list[DriverConnection] = []

    def rows(self, statement: Select[Any], values: dict[str, Any]) -> Rows:
        prepared = self.statements[statement]
        connection = self.idle.pop() if self.idle else self.connect()
        cursor = connection.execute(prepared.sql, prepared.parameters(values))
        names = [column[0] for column in cursor.description or ()]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        self.idle.append(connection)  # only a connection that worked goes back
        return rows

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"]
    if os.environ.get("STACK_DRIVER") == "raw":
        driver = Driver(url)
        READ["rows"] = driver.rows
        yield
        driver.close()
    else:
        engine = create_engine(url, pool_size=5)
        READ["rows"] = partial(core_rows, engine)
        yield
        engine.dispose()


app = FastAPI(lifespan=lifespan)


def page(found: Rows, limit: int) -> Response:
    body = orjson.dumps({"items": found[:limit], "next_cursor": None})
    return Response(body, media_type="application/json")


@app.get("/v1/claims/{claim_id}")
async def one_claim(claim_id: str, request: Request) -> Response:
    found = READ["rows"](ONE_CLAIM, {"id": claim_id})
    if not found:
        return Response(status_code=404)
    etag = f'"claim-{claim_id}-v{found[0]["version"]}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    body = orjson.dumps(found[0])
    return Response(body, media_type="application/json", headers={"ETag": etag})


@app.get("/v1/claims")
async def claims_by_speaker_and_topic(speaker: str, topic: str, limit: int = 50) -> Response:
    values = {"speaker": speaker, "topic": topic, "limit": limit + 1}
    return page(READ["rows"](CLAIMS_BY_SPEAKER_AND_TOPIC, values), limit)


@app.get("/v1/statistics")
async def statistics_by_indicator_above(
    indicator: str, value_gt: float, limit: int = 50
) -> Response:
    values = {"indicator": indicator, "value_gt": value_gt, "limit": limit + 1}
    return page(READ["rows"](STATISTICS_BY_INDICATOR_ABOVE, values), limit)
