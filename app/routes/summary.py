"""The statistics summary: count, min, max and latest value per group."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app.query.summary import SummaryParams, summarize
from app.resources.schemas import StatisticSummary
from app.store.engine import ReaderDep
from app.web.conditional import cache_control_as_of, state_validated
from app.web.negotiation import JSON_ONLY_DEPENDENCY
from app.web.responses import LIST_ERRORS, NOT_MODIFIED, json_response

router = APIRouter(tags=["statistics"], dependencies=[JSON_ONLY_DEPENDENCY])


@router.get(
    "/statistics/summary",
    response_model=StatisticSummary,
    responses={**NOT_MODIFIED, **LIST_ERRORS},
)
async def summarize_statistics(request: Request, connection: ReaderDep, params: Any) -> Response:
    """Count, min, max and latest value per group, under the filters of list_statistics."""
    return await state_validated(
        request,
        connection,
        lambda reading: json_response({"data": summarize(reading, params)}),
        cache_control_as_of(params.as_of),
    )


summarize_statistics.__annotations__["params"] = Annotated[SummaryParams, Query()]
