"""The design card's floor: what FastAPI + SQLAlchemy Core + orjson cost for the same reads,
with none of claimbase's API. Each route runs the one page statement claimbase runs for its
shape (same columns, filters, order and limit) on a pooled connection, as a statement built
once, and writes the rows with orjson; a record answers If-None-Match with claimbase's ETag
(`"claim-<id>-v<version>"`) as a 304. No validation beyond FastAPI's, no middleware, no
citations, topics or labels, no cursor, no access line. What claimbase loses against it is
what the API itself costs; what it loses against bare FastAPI (bench/framework_app.py) is what
any app on this stack pays to read a database (bench/RESULTS.md).

Run: DATABASE_URL=sqlite:////tmp/bench/claimbase_100k.db .venv/bin/uvicorn \\
    bench.stack_app:app --port 8102 --no-access-log   (from the project root)
"""

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine, Row, bindparam, create_engine, exists, select

from app.store.models import Claim, Statistic, claim_topic

ENGINE: dict[str, Engine] = {}
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


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    ENGINE["read"] = create_engine(os.environ["DATABASE_URL"], pool_size=5)
    yield
    ENGINE.pop("read").dispose()


app = FastAPI(lifespan=lifespan)


def rows(statement: Any, values: dict[str, Any]) -> Sequence[Row[Any]]:
    with ENGINE["read"].connect() as connection:
        return connection.execute(statement, values).all()


def page(found: Sequence[Row[Any]]) -> Response:
    body = orjson.dumps({"items": [row._asdict() for row in found], "next_cursor": None})
    return Response(body, media_type="application/json")


@app.get("/v1/claims/{claim_id}")
async def one_claim(claim_id: str, request: Request) -> Response:
    found = rows(ONE_CLAIM, {"id": claim_id})
    if not found:
        return Response(status_code=404)
    etag = f'"claim-{claim_id}-v{found[0].version}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    body = orjson.dumps(found[0]._asdict())
    return Response(body, media_type="application/json", headers={"ETag": etag})


@app.get("/v1/claims")
async def claims_by_speaker_and_topic(speaker: str, topic: str, limit: int = 50) -> Response:
    values = {"speaker": speaker, "topic": topic, "limit": limit}
    return page(rows(CLAIMS_BY_SPEAKER_AND_TOPIC, values))


@app.get("/v1/statistics")
async def statistics_by_indicator_above(
    indicator: str, value_gt: float, limit: int = 50
) -> Response:
    values = {"indicator": indicator, "value_gt": value_gt, "limit": limit}
    return page(rows(STATISTICS_BY_INDICATOR_ABOVE, values))
