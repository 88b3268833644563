"""Statistics: typed, unit-normalized figures, each tied to the claim that states it."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.query.grammar import (
    RecordId,
    StatisticGetParams,
    StatisticListParams,
    StatisticSummaryParams,
)
from app.query.listing import list_records
from app.query.records import get_record
from app.query.summary import summarize
from app.resources.kernel import STATISTIC
from app.resources.schemas import StatisticPage, StatisticRead, StatisticSummary
from app.routes.versioned import add_versioned_routes
from app.store.engine import SessionDep
from app.web.responses import GET_ERRORS, LIST_ERRORS, LIST_RESPONSES, json_response
from app.write.bodies import StatisticCreate, StatisticPatch

router = APIRouter(tags=["statistics"])


@router.get("/statistics", response_model=StatisticPage, responses=LIST_RESPONSES)
async def list_statistics(
    request: Request, session: SessionDep, params: Annotated[StatisticListParams, Query()]
) -> Response:
    """List statistics, filtered, sorted and paginated by cursor."""
    return list_records(request, session, params, STATISTIC)


# Declared before /statistics/{statistic_id}, which would otherwise take "summary" for an id.
@router.get("/statistics/summary", response_model=StatisticSummary, responses=LIST_ERRORS)
async def summarize_statistics(
    session: SessionDep, params: Annotated[StatisticSummaryParams, Query()]
) -> Response:
    """Count, min, max and latest value per group, under the filters of list_statistics."""
    return json_response({"data": summarize(session, params)})


@router.get("/statistics/{statistic_id}", response_model=StatisticRead, responses=GET_ERRORS)
async def get_statistic(
    request: Request,
    statistic_id: RecordId,
    session: SessionDep,
    params: Annotated[StatisticGetParams, Query()],
) -> Response:
    """One statistic by id."""
    return get_record(
        request,
        session,
        STATISTIC,
        statistic_id,
        as_of=params.as_of,
        include=params.include,
    )


add_versioned_routes(router, STATISTIC, StatisticRead, StatisticCreate, StatisticPatch)
