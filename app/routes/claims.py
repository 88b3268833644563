"""Claims: statements from sources, verbatim, with their span, speaker and topics."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from app.db import SessionDep
from app.errors import invalid_parameter
from app.facets import CLAIM_FACETS
from app.filters import CLAIM_SORT_FIELDS, Column, claim_filters, split_list
from app.params import ClaimGetParams, ClaimListParams, RecordId
from app.records import Documents, get_record, list_records
from app.representations import Document, claim_documents, claims_query
from app.responses import GET_ERRORS, LIST_RESPONSES
from app.schemas import ClaimPage, ClaimRead
from app.search import SearchQuery, parse_query, ranked_claims, relevance_column, snippet

router = APIRouter(tags=["claims"])


def _with_snippets(search: SearchQuery) -> Documents:
    def documents(
        session: Session, rows: Sequence[RowMapping], include: set[str]
    ) -> list[Document]:
        claims = claim_documents(session, rows, include)
        for claim in claims:
            claim["snippet"] = snippet(claim["text"], search)
        return claims

    return documents


@router.get("/claims", response_model=ClaimPage, responses=LIST_RESPONSES)
def list_claims(
    request: Request, session: SessionDep, params: Annotated[ClaimListParams, Query()]
) -> Response:
    """List claims, filtered (full-text `q` included), sorted and paginated by cursor."""
    query = claims_query()
    sort_fields: dict[str, Sequence[Column]] = CLAIM_SORT_FIELDS
    documents: Documents = claim_documents
    if params.q is None:
        sorted_by = {name.removeprefix("-") for name in split_list(params.sort or "id")}
        if "relevance" in sorted_by:
            raise invalid_parameter("sort", "relevance needs a full-text query `q`")
    else:
        search = parse_query(params.q)
        query = ranked_claims(session.get_bind().dialect.name, query, search)
        sort_fields = {**CLAIM_SORT_FIELDS, "relevance": [relevance_column(query)]}
        documents = _with_snippets(search)
    return list_records(
        request,
        session,
        params,
        resource="claims",
        query=query,
        filters=claim_filters(params),
        sort_fields=sort_fields,
        documents=documents,
        sort=params.sort or ("-relevance" if params.q is not None else "id"),
        facets=CLAIM_FACETS,
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
