"""Liveness and readiness probes for orchestrators and load balancers."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.query.grammar import NoParams
from app.resources.schemas import Health
from app.store.engine import Databases, ReaderDep
from app.store.migrate import current_revision, head_revision
from app.web.negotiation import JSON_ONLY_DEPENDENCY
from app.web.problems import logger, unavailable
from app.web.responses import PARAMETER_ERRORS, READ_ERRORS, json_response


def probe_response(extra: dict[str, object] | None = None) -> Response:
    """A probe's answer is about this moment only: no cache may keep it."""
    response = json_response({"status": "ok", "detail": None, **(extra or {})})
    response.headers["Cache-Control"] = "no-store"
    return response


router = APIRouter(tags=["health"], dependencies=[JSON_ONLY_DEPENDENCY])


@router.get("/healthz", response_model=Health, responses=PARAMETER_ERRORS)
async def healthz(_params: Annotated[NoParams, Query()]) -> Response:
    """The process is alive (it does not touch the database)."""
    return probe_response()


@router.get("/readyz", response_model=Health, responses=READ_ERRORS)
async def readyz(
    request: Request, connection: ReaderDep, _params: Annotated[NoParams, Query()]
) -> Response:
    """The database (the primary) answers and is migrated to the latest revision. Each read
    replica is reported as its monitor last found it; one that is down or lagging does not
    make the process unready, since the primary serves its reads."""
    try:
        connection.execute(text("SELECT 1"))
        current = current_revision(connection)
    except SQLAlchemyError as error:
        # Readiness fails on any database error; its details go to the log, never the body.
        logger.warning("readiness check failed: %s", error.__class__.__name__)
        raise unavailable("The database cannot be reached.") from None
    head = head_revision()
    if current != head:
        raise unavailable(f"The database is at migration {current}, not {head}.")
    databases: Databases = request.app.state.databases
    replicas = [
        {
            "name": replica.name,
            "healthy": replica.state.healthy,
            "reachable": replica.state.reachable,
            "change_head": replica.state.head,
            "lag_seconds": replica.state.lag_seconds,
            "error": replica.state.error,
        }
        for replica in databases.replicas.replicas
    ]
    return probe_response({"replicas": replicas} if replicas else {})
