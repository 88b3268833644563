"""One search box over everything: claims and statistics by full text, speakers and sources
by name and title."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from app.query.filters import Column, SortKey, contains_text
from app.query.grammar import SearchParams
from app.query.listing import with_snippets
from app.query.ranking import ranked_rows
from app.query.search import SearchQuery, added_order, parse_query, ranked_claims, relevance_column
from app.resources.documents import statistics_with_claim
from app.resources.kernel import CLAIM, SOURCE, SPEAKER, STATISTIC, Resource
from app.resources.schemas import SearchResults
from app.store.engine import SessionDep
from app.store.temporal import CURRENT
from app.web.responses import LIST_ERRORS, json_response

router = APIRouter(tags=["search"])


def _every_word(column: Column, search: SearchQuery) -> list[Any]:
    return [
        clause for term in search.terms for clause in contains_text(column, " ".join(term.words))
    ]


def _found(
    session: Session, resource: Resource, search: SearchQuery, limit: int
) -> list[RowMapping]:
    """The first `limit` live records of `resource`: claims and statistics by the relevance of
    their claim's text, speakers and sources (names, titles) by id. Retracted records are not
    found (the search box is over the present: no `as_of`)."""
    t = CURRENT
    table = t.of(resource.name).c
    # Statistics rank by their claim's text, so their claim is joined (their list has no join).
    base = statistics_with_claim(t) if resource.name == "statistic" else resource.query(t)
    query = base.where(table.retracted_at.is_(None))
    if resource.name in {"claim", "statistic"}:
        # Ranked as `/v1/claims?q=` ranks: in blocks of the most recently added matches.
        dialect = session.get_bind().dialect.name
        ranked = ranked_claims(dialect, query, search, t)
        keys = [SortKey(relevance_column(ranked), True), SortKey(table.id, True)]
        found = ranked_rows(session, ranked, added_order(dialect), keys, limit)
        return [row._mapping for row, _block in found]
    named = table.name if resource.name == "speaker" else table.title
    query = query.where(*_every_word(named, search)).order_by(table.id)
    return list(session.execute(query.limit(limit)).mappings())


@router.get("/search", response_model=SearchResults, responses=LIST_ERRORS)
async def search(session: SessionDep, params: Annotated[SearchParams, Query()]) -> Response:
    """Search claims, statistics, speakers and sources at once; the first `limit` of each."""
    query = parse_query(params.q)
    claims = with_snippets(CLAIM.documents, query)
    return json_response(
        {
            resource.plural: documents(
                session, CURRENT, _found(session, resource, query, params.limit), set()
            )
            for resource, documents in (
                (CLAIM, claims),
                (STATISTIC, STATISTIC.documents),
                (SPEAKER, SPEAKER.documents),
                (SOURCE, SOURCE.documents),
            )
        }
    )
