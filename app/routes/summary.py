"""The statistics summary: count, min, max and latest value per group."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.query.summary import SummaryParams, summarize
from app.resources.schemas import StatisticSummary
from app.store.engine import SessionDep
from app.web.negotiation import JSON_ONLY_DEPENDENCY
from app.web.responses import LIST_ERRORS, json_response

router = APIRouter(tags=["statistics"], dependencies=[JSON_ONLY_DEPENDENCY])


@router.get("/statistics/summary", response_model=StatisticSummary, responses=LIST_ERRORS)
async def summarize_statistics(session: SessionDep, params: Any) -> Response:
    """Count, min, max and latest value per group, under the filters of list_statistics."""
    return json_response({"data": summarize(session, params)})


summarize_statistics.__annotations__["params"] = Annotated[SummaryParams, Query()]
