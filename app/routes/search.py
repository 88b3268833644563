"""One search box over everything: claims and statistics by full text, speakers and sources
by name and title."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Select

from app.db import SessionDep
from app.filters import Column, contains_text
from app.models import Claim, Source, Speaker, Statistic
from app.params import SearchParams
from app.representations import (
    claim_documents,
    claims_query,
    source_documents,
    sources_query,
    speaker_documents,
    speakers_query,
    statistic_documents,
    statistics_query,
)
from app.responses import LIST_ERRORS, json_response
from app.schemas import SearchResults
from app.search import SearchQuery, parse_query, ranked_claims, snippet

router = APIRouter(tags=["search"])


def _every_word(column: Column, search: SearchQuery) -> list[Any]:
    return [
        clause for term in search.terms for clause in contains_text(column, " ".join(term.words))
    ]


def _by_relevance(query: Select[Any], id_column: Column, limit: int) -> Select[Any]:
    return query.order_by(query.selected_columns.relevance.desc(), id_column).limit(limit)


@router.get("/search", response_model=SearchResults, responses=LIST_ERRORS)
def search(session: SessionDep, params: Annotated[SearchParams, Query()]) -> Response:
    """Search claims, statistics, speakers and sources at once; the first `limit` of each."""
    query = parse_query(params.q)
    dialect = session.get_bind().dialect.name
    claim_rows = session.execute(
        _by_relevance(ranked_claims(dialect, claims_query(), query), Claim.id, params.limit)
    ).mappings()
    claims = claim_documents(session, list(claim_rows), set())
    for claim in claims:
        claim["snippet"] = snippet(claim["text"], query)
    # Ranked by their claim's text, so the claim is joined here (the list query has no join).
    with_claim = statistics_query().join_from(Statistic, Claim, Statistic.claim_id == Claim.id)
    statistic_rows = session.execute(
        _by_relevance(ranked_claims(dialect, with_claim, query), Statistic.id, params.limit)
    ).mappings()
    speaker_rows = session.execute(
        speakers_query()
        .where(*_every_word(Speaker.name, query))
        .order_by(Speaker.id)
        .limit(params.limit)
    ).mappings()
    source_rows = session.execute(
        sources_query()
        .where(*_every_word(Source.title, query))
        .order_by(Source.id)
        .limit(params.limit)
    ).mappings()
    return json_response(
        {
            "claims": claims,
            "statistics": statistic_documents(session, list(statistic_rows), set()),
            "speakers": speaker_documents(session, list(speaker_rows), set()),
            "sources": source_documents(session, list(source_rows), set()),
        }
    )
