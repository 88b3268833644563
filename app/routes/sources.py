"""Sources: the documents claims are taken from, with their full text."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.query.grammar import GetParams, RecordId, SourceListParams
from app.query.listing import list_records
from app.query.records import get_record
from app.resources.kernel import SOURCE
from app.resources.schemas import SourcePage, SourceRead
from app.routes.versioned import add_versioned_routes
from app.store.engine import SessionDep
from app.web.responses import GET_ERRORS, LIST_RESPONSES
from app.write.bodies import SourceCreate, SourcePatch

router = APIRouter(tags=["sources"])


@router.get("/sources", response_model=SourcePage, responses=LIST_RESPONSES)
async def list_sources(
    request: Request, session: SessionDep, params: Annotated[SourceListParams, Query()]
) -> Response:
    """List sources, filtered, sorted and paginated by cursor."""
    return list_records(request, session, params, SOURCE)


@router.get("/sources/{source_id}", response_model=SourceRead, responses=GET_ERRORS)
async def get_source(
    request: Request,
    source_id: RecordId,
    session: SessionDep,
    params: Annotated[GetParams, Query()],
) -> Response:
    """One source by id."""
    return get_record(
        request,
        session,
        SOURCE,
        source_id,
        as_of=params.as_of,
    )


add_versioned_routes(router, SOURCE, SourceRead, SourceCreate, SourcePatch)
