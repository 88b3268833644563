"""One search box over everything: claims and statistics by full text, speakers and sources
by name and title."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import Connection, RowMapping

from app.query.filters import SEARCH_DESCRIPTION, Column, contains_text
from app.query.grammar import PageSize, Text
from app.query.keyset import SortKey
from app.query.ranking import ranked_rows
from app.query.search import (
    SearchQuery,
    added_order,
    parse_query,
    ranked_claims,
    relevance_column,
    snippet,
)
from app.resources import CLAIM, SCHEMAS, SOURCE, SPEAKER, STATISTIC
from app.resources.kernel import Resource
from app.store.engine import ReaderDep
from app.store.temporal import CURRENT
from app.web.conditional import state_validated
from app.web.negotiation import JSON_ONLY_DEPENDENCY
from app.web.responses import LIST_ERRORS, NOT_MODIFIED, json_response

router = APIRouter(tags=["search"], dependencies=[JSON_ONLY_DEPENDENCY])


@dataclass(frozen=True)
class Searched:
    """A resource the search box covers: ranked by its claim's text, or (`name`) every word
    contained in that column."""

    resource: Resource
    name: str | None
    description: str


SEARCHED = (
    Searched(CLAIM, None, "By relevance, each with its `snippet`."),
    Searched(STATISTIC, None, "Figures of matching claims."),
    Searched(SPEAKER, "name", "Names containing every word."),
    Searched(SOURCE, "title", "Titles containing every word."),
)
_RESULTS: dict[str, Any] = {
    searched.resource.plural: (
        list.__class_getitem__(SCHEMAS[searched.resource.name].read),
        Field(description=searched.description),
    )
    for searched in SEARCHED
}
SearchResults = create_model("SearchResults", **_RESULTS)


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Text = Field(min_length=1, max_length=500, description=SEARCH_DESCRIPTION)
    limit: PageSize = Field(10, ge=1, le=50, description="Records per resource (1-50).")


def _every_word(column: Column, search: SearchQuery) -> list[Any]:
    return [
        clause for term in search.terms for clause in contains_text(column, " ".join(term.words))
    ]


def _found(
    connection: Connection, searched: Searched, search: SearchQuery, limit: int
) -> list[RowMapping]:
    """The first `limit` live records of `resource`: claims and statistics by the relevance of
    their claim's text, speakers and sources (names, titles) by id. Retracted records are not
    found (the search box is over the present: no `as_of`)."""
    t = CURRENT
    resource = searched.resource
    table = t.of(resource.name).c
    query = resource.query(t).where(table.retracted_at.is_(None))
    if searched.name is None:
        if resource is STATISTIC:
            # Statistics rank by their claim's text, so their claim is joined.
            query = query.join_from(t.statistic, t.claim, table.claim_id == t.claim.c.id)
        # Ranked as `/v1/claims?q=` ranks: in blocks of the most recently added matches.
        dialect = connection.dialect.name
        ranked = ranked_claims(dialect, query, search, t)
        keys = [SortKey(relevance_column(ranked), True), SortKey(table.id, True)]
        found = ranked_rows(connection, ranked, added_order(dialect), keys, limit)
        return [row._mapping for row, _block in found]
    query = query.where(*_every_word(table[searched.name], search)).order_by(table.id)
    return list(connection.execute(query.limit(limit)).mappings())


@router.get("/search", response_model=SearchResults, responses={**NOT_MODIFIED, **LIST_ERRORS})
async def search(
    request: Request, connection: ReaderDep, params: Annotated[SearchParams, Query()]
) -> Response:
    """Search claims, statistics, speakers and sources at once; the first `limit` of each."""
    query = parse_query(params.q)
    return await state_validated(
        request, connection, lambda reading: json_response(_results(reading, params, query))
    )


def _results(connection: Connection, params: SearchParams, query: SearchQuery) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for searched in SEARCHED:
        resource = searched.resource
        rows = _found(connection, searched, query, params.limit)
        documents = resource.documents(connection, CURRENT, rows, set())
        if resource.full_text:
            for document in documents:
                document["snippet"] = snippet(document["text"], query)
        results[resource.plural] = documents
    return results
