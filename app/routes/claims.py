"""Claims: statements from sources, verbatim, with their span, speaker and topics."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.query.grammar import ClaimGetParams, ClaimListParams, RecordId
from app.query.listing import list_records
from app.query.records import get_record
from app.resources.kernel import CLAIM
from app.resources.schemas import ClaimPage, ClaimRead
from app.routes.versioned import add_versioned_routes
from app.store.engine import SessionDep
from app.web.responses import GET_ERRORS, LIST_RESPONSES
from app.write.bodies import ClaimCreate, ClaimPatch

router = APIRouter(tags=["claims"])


@router.get("/claims", response_model=ClaimPage, responses=LIST_RESPONSES)
async def list_claims(
    request: Request, session: SessionDep, params: Annotated[ClaimListParams, Query()]
) -> Response:
    """List claims, filtered (full-text `q` included), sorted and paginated by cursor."""
    return list_records(request, session, params, CLAIM)


@router.get("/claims/{claim_id}", response_model=ClaimRead, responses=GET_ERRORS)
async def get_claim(
    request: Request,
    claim_id: RecordId,
    session: SessionDep,
    params: Annotated[ClaimGetParams, Query()],
) -> Response:
    """One claim by id."""
    return get_record(
        request,
        session,
        CLAIM,
        claim_id,
        as_of=params.as_of,
        include=params.include,
    )


add_versioned_routes(router, CLAIM, ClaimRead, ClaimCreate, ClaimPatch)
