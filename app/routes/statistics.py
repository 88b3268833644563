"""Statistics: figures, normalized, each traceable to the claim and span it came from."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.db import SessionDep
from app.facets import STATISTIC_FACETS
from app.filters import STATISTIC_SORT_FIELDS, statistic_filters
from app.params import RecordId, StatisticGetParams, StatisticListParams, StatisticSummaryParams
from app.records import get_record, list_records
from app.representations import statistic_documents, statistics_query
from app.responses import GET_ERRORS, LIST_ERRORS, LIST_RESPONSES, json_response
from app.schemas import StatisticPage, StatisticRead, StatisticSummary
from app.summary import summarize

router = APIRouter(tags=["statistics"])


@router.get("/statistics", response_model=StatisticPage, responses=LIST_RESPONSES)
def list_statistics(
    request: Request, session: SessionDep, params: Annotated[StatisticListParams, Query()]
) -> Response:
    """List statistics, filtered (value ranges included), sorted and paginated by cursor."""
    return list_records(
        request,
        session,
        params,
        resource="statistics",
        query=statistics_query(),
        filters=statistic_filters(params, session.get_bind().dialect.name),
        sort_fields=STATISTIC_SORT_FIELDS,
        documents=statistic_documents,
        facets=STATISTIC_FACETS,
    )


# Declared before /statistics/{statistic_id}, which would otherwise take "summary" for an id.
@router.get("/statistics/summary", response_model=StatisticSummary, responses=LIST_ERRORS)
def summarize_statistics(
    session: SessionDep, params: Annotated[StatisticSummaryParams, Query()]
) -> Response:
    """Count, min, max and latest value per group, under the filters of list_statistics."""
    filters = statistic_filters(params, session.get_bind().dialect.name)
    return json_response({"data": summarize(session, filters, params.group_by)})


@router.get("/statistics/{statistic_id}", response_model=StatisticRead, responses=GET_ERRORS)
def get_statistic(
    statistic_id: RecordId, session: SessionDep, params: Annotated[StatisticGetParams, Query()]
) -> Response:
    """One statistic by id."""
    return get_record(
        session,
        resource="statistic",
        record_id=statistic_id,
        query=statistics_query(),
        documents=statistic_documents,
        include=params.include,
    )
