"""Liveness and readiness probes for orchestrators and load balancers."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.query.grammar import NoParams
from app.resources.schemas import Health
from app.store.engine import Databases, SessionDep
from app.store.migrate import current_revision, head_revision
from app.web.problems import logger, unavailable
from app.web.responses import PARAMETER_ERRORS, READ_ERRORS, json_response

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses=PARAMETER_ERRORS)
async def healthz(_params: Annotated[NoParams, Query()]) -> Response:
    """The process is alive (it does not touch the database)."""
    return json_response({"status": "ok", "detail": None})


@router.get("/readyz", response_model=Health, responses=READ_ERRORS)
async def readyz(
    request: Request, session: SessionDep, _params: Annotated[NoParams, Query()]
) -> Response:
    """The database (the primary) answers and is migrated to the latest revision. Each read
    replica is reported as its monitor last found it; one that is down or lagging does not
    make the process unready, since the primary serves its reads."""
    try:
        connection = session.connection()
        connection.execute(text("SELECT 1"))
        current = current_revision(connection)
    except SQLAlchemyError as error:
        # Readiness fails on any database error; its details go to the log, never the body.
        logger.warning("readiness check failed: %s", error.__class__.__name__)
        raise unavailable("The database cannot be reached.") from None
    head = head_revision()
    if current != head:
        raise unavailable(f"The database is at migration {current}, not {head}.")
    body: dict[str, object] = {"status": "ok", "detail": None}
    databases: Databases = request.app.state.databases
    if databases.replicas.replicas:
        body["replicas"] = [
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
    return json_response(body)
