"""Claims: statements from sources, verbatim, with their span, speaker and topics."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.db import SessionDep
from app.filters import CLAIM_SORT_FIELDS, claim_filters
from app.params import ClaimGetParams, ClaimListParams, RecordId
from app.records import get_record, list_records
from app.representations import claim_documents, claims_query
from app.responses import GET_ERRORS, LIST_ERRORS
from app.schemas import ClaimPage, ClaimRead

router = APIRouter(tags=["claims"])


@router.get("/claims", response_model=ClaimPage, responses=LIST_ERRORS)
def list_claims(
    request: Request, session: SessionDep, params: Annotated[ClaimListParams, Query()]
) -> Response:
    """List claims, filtered, sorted and paginated by cursor."""
    return list_records(
        request,
        session,
        params,
        resource="claims",
        query=claims_query(),
        filters=claim_filters(params),
        sort_fields=CLAIM_SORT_FIELDS,
        documents=claim_documents,
    )


@router.get("/claims/{claim_id}", response_model=ClaimRead, responses=GET_ERRORS)
def get_claim(
    claim_id: RecordId, session: SessionDep, params: Annotated[ClaimGetParams, Query()]
) -> Response:
    """One claim by id."""
    return get_record(
        session,
        resource="claim",
        record_id=claim_id,
        query=claims_query(),
        documents=claim_documents,
        include=params.include,
    )
