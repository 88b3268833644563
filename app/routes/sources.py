"""Sources: The documents claims are taken from, with their full text."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.db import SessionDep
from app.filters import SOURCE_SORT_FIELDS, source_filters
from app.params import NoParams, RecordId, SourceListParams
from app.records import get_record, list_records
from app.representations import source_documents, sources_query
from app.responses import GET_ERRORS, LIST_RESPONSES
from app.schemas import SourcePage, SourceRead

router = APIRouter(tags=["sources"])


@router.get("/sources", response_model=SourcePage, responses=LIST_RESPONSES)
def list_sources(
    request: Request, session: SessionDep, params: Annotated[SourceListParams, Query()]
) -> Response:
    """List sources, filtered, sorted and paginated by cursor."""
    return list_records(
        request,
        session,
        params,
        resource="sources",
        query=sources_query(),
        filters=source_filters(params),
        sort_fields=SOURCE_SORT_FIELDS,
        documents=source_documents,
    )


@router.get("/sources/{source_id}", response_model=SourceRead, responses=GET_ERRORS)
def get_source(
    source_id: RecordId, session: SessionDep, _params: Annotated[NoParams, Query()]
) -> Response:
    """One source by id."""
    return get_record(
        session,
        resource="source",
        record_id=source_id,
        query=sources_query(),
        documents=source_documents,
    )
