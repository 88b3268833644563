"""Statistics: typed, unit-normalized figures, each tied to the claim that states it."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.bodies import StatisticCreate, StatisticPatch
from app.db import SessionDep
from app.params import RecordId, StatisticGetParams, StatisticListParams
from app.records import get_record, list_records
from app.resources import STATISTIC
from app.responses import GET_ERRORS, LIST_ERRORS
from app.routes.versioned import add_versioned_routes
from app.schemas import StatisticPage, StatisticRead

router = APIRouter(tags=["statistics"])


@router.get("/statistics", response_model=StatisticPage, responses=LIST_ERRORS)
def list_statistics(
    request: Request, session: SessionDep, params: Annotated[StatisticListParams, Query()]
) -> Response:
    """List statistics, filtered, sorted and paginated by cursor."""
    return list_records(request, session, params, STATISTIC)


@router.get("/statistics/{statistic_id}", response_model=StatisticRead, responses=GET_ERRORS)
def get_statistic(
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
