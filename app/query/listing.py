"""Serving lists: the one list implementation every resource reuses, for now or for any past
moment (`as_of`), in every list format (JSON page, JSON-LD page, streamed CSV/NDJSON)."""

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, Row, RowMapping, Select
from sqlalchemy.orm import Session

from app.formats.exports import EXPORT_BATCH_ROWS, csv_export, ndjson_export
from app.formats.linked_data import INCLUDES, LinkedData
from app.query.facets import count_facets
from app.query.filters import Column, SortKey, parse_sort, split_list
from app.query.grammar import RecordListParams
from app.query.keyset import (
    PageResult,
    count_query,
    cursor_key,
    keyset_batches,
    next_link,
    paginate,
    query_fingerprint,
)
from app.query.ranking import paginate_ranked, ranked_batches, ranked_start
from app.query.records import includes
from app.query.search import (
    SearchQuery,
    added_order,
    claim_match,
    is_broad,
    parse_query,
    ranked_claims,
    relevance_column,
)
from app.query.search import snippet as search_snippet
from app.resources.documents import Document
from app.resources.kernel import Documents, Resource
from app.store.temporal import Tables, tables_at
from app.web.conditional import cache_control_as_of, not_modified, state_etag, validators
from app.web.negotiation import MEDIA_TYPES, negotiate
from app.web.problems import invalid_parameter
from app.web.responses import json_response, list_response

# Parameters that shape a page (or its format) but not the query a cursor belongs to.
PAGE_ONLY_PARAMS = {"cursor", "limit", "count", "include", "format", "facets"}


@dataclass(frozen=True)
class Listing:
    """What a list reads: its query, its sort fields and how rows become documents."""

    query: Select[Any]
    sort_fields: Mapping[str, Sequence[Column]]
    documents: Documents
    sort: str
    # Set when relevance is ranked in blocks of recent matches (`app.query.ranking`): the order
    # in which claims were added.
    ranked_by: ColumnElement[Any] | None = None


def with_snippets(documents: Documents, search: SearchQuery) -> Documents:
    def snippeted(
        session: Session, t: Tables, rows: Sequence[RowMapping], include: set[str]
    ) -> list[Document]:
        found = documents(session, t, rows, include)
        for document in found:
            document["snippet"] = search_snippet(document["text"], search)
        return found

    return snippeted


def listing(session: Session, t: Tables, params: RecordListParams, resource: Resource) -> Listing:
    """The resource's list, ranked by relevance when its `q` is a full-text search."""
    q: str | None = getattr(params, "q", None) if resource.full_text else None
    sort_fields = resource.sort_fields(t)
    sort = params.sort or ("id" if q is None else "-relevance")
    by_relevance = "relevance" in {name.removeprefix("-") for name in split_list(sort)}
    if q is None:
        if resource.full_text and by_relevance:
            raise invalid_parameter("sort", "relevance needs a full-text query `q`")
        return Listing(resource.query(t), sort_fields, resource.documents, sort)
    search = parse_query(q)
    documents = with_snippets(resource.documents, search)
    if not by_relevance:
        # Exact over every match, in the order of the sort's index.
        broad = t.as_of is None and is_broad(session, search)
        return Listing(
            resource.query(t).where(claim_match(search, t, broad)), sort_fields, documents, sort
        )
    dialect = session.get_bind().dialect.name
    query = ranked_claims(dialect, resource.query(t), search, t)
    # Reads `as_of` a past moment rank every match: history tables are not tuned for scale.
    ranked_by = added_order(dialect) if t.as_of is None else None
    sort_fields = {**sort_fields, "relevance": [relevance_column(query)]}
    return Listing(query, sort_fields, documents, sort, ranked_by)


@dataclass(frozen=True)
class ListQuery:
    """A list request as SQL: what it reads, the filtered query, its sort keys and the
    fingerprint its cursors are bound to."""

    listing: Listing
    query: Select[Any]
    keys: list[SortKey]
    fingerprint: str
    # count=true's own statement where it is cheaper than counting `query`; built only when
    # count=true asks (building a statement costs ~0.1 ms of Python per request).
    count: Select[Any] | None

    def count_statement(self) -> Select[Any]:
        return count_query(self.query) if self.count is None else self.count

    def page(self, session: Session, params: RecordListParams) -> PageResult:
        """The page `params` ask for (their cursor, limit and count)."""
        if self.listing.ranked_by is not None:
            return paginate_ranked(
                session, self.query, self.listing.ranked_by, self.keys, params, self.fingerprint
            )
        return paginate(session, self.query, self.keys, params, self.fingerprint, self.count)

    def batches(self, session: Session, params: RecordListParams) -> Iterator[Sequence[Row[Any]]]:
        """Every row after the cursor of `params`, `EXPORT_BATCH_ROWS` per statement, whatever
        its limit (exports). The cursor is checked now: a bad one is a 400, not a broken
        stream."""
        ranked_by = self.listing.ranked_by
        if ranked_by is not None:
            start = ranked_start(params.cursor, self.fingerprint, self.keys)
            return ranked_batches(
                session, self.query, ranked_by, self.keys, start, EXPORT_BATCH_ROWS
            )
        after = cursor_key(params.cursor, self.fingerprint, self.keys)
        return keyset_batches(session, self.query, self.keys, after, EXPORT_BATCH_ROWS)

    def check_cursor(self, params: RecordListParams) -> None:
        """A cursor not signed for this query is a 400, before any 304 is considered."""
        resume = ranked_start if self.listing.ranked_by is not None else cursor_key
        resume(params.cursor, self.fingerprint, self.keys)


def _export(
    session: Session,
    t: Tables,
    params: RecordListParams,
    resource: Resource,
    media: str,
    listed: ListQuery,
) -> Response:
    """The whole collection streamed in batches of `EXPORT_BATCH_ROWS` whatever `limit` says;
    the cursor is checked and the first batch read now, so that a bad cursor (or a database
    that fails) is still a problem response rather than a broken stream.

    The request's session ends before the body is sent, so the stream reads in a session of
    its own, on the event loop like every read."""
    exporting = Session(bind=session.get_bind())
    batches = listed.batches(exporting, params)
    read = chain(list(islice(batches, 1)), batches)
    exporting.close()  # until the stream starts, which may be after other requests' reads
    plural = resource.plural
    if media == "csv":
        lines = csv_export(exporting, t, plural, read)
    else:
        lines = ndjson_export(exporting, t, listed.listing.documents, read)
    headers = {"Vary": "Accept", "Cache-Control": cache_control_as_of(params.as_of)}
    if media == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{plural}.csv"'
    media_type = MEDIA_TYPES[media] + ("; charset=utf-8" if media == "csv" else "")
    return StreamingResponse(
        released_between_chunks(exporting, lines), media_type=media_type, headers=headers
    )


async def released_between_chunks(
    session: Session, chunks: Iterator[bytes]
) -> AsyncIterator[bytes]:
    """Sends `chunks` (one per batch read), giving `session`'s connection back before each is
    sent: a slow or vanished client holds no connection while the stream waits on it."""
    try:
        for chunk in chunks:
            session.close()
            yield chunk
    finally:
        session.close()


def list_query(
    session: Session, t: Tables, params: RecordListParams, resource: Resource
) -> ListQuery:
    """The SQL of a list request, before its page is cut (the query plan tests and the
    benchmark read it from here, so they check exactly what the API runs)."""
    chosen = listing(session, t, params, resource)
    criteria = params.model_dump(mode="json", exclude=PAGE_ONLY_PARAMS)
    filters = resource.filters(t, params)
    if not params.include_retracted:
        filters.append(t.of(resource.name).c.retracted_at.is_(None))
    return ListQuery(
        chosen,
        chosen.query.where(*filters),
        parse_sort(chosen.sort, chosen.sort_fields),
        query_fingerprint(resource.plural, criteria),
        resource.count(t, params) if params.count else None,
    )


def list_records(
    request: Request, session: Session, params: RecordListParams, resource: Resource
) -> Response:
    media = negotiate(request.headers.get("accept"), params.format)
    t = tables_at(params.as_of)
    listed = list_query(session, t, params, resource)
    chosen, filtered = listed.listing, listed.query
    if media in {"csv", "ndjson"}:
        return _export(session, t, params, resource, media, listed)
    listed.check_cursor(params)
    cache_control = cache_control_as_of(params.as_of)
    etag = state_etag(session, request, media)
    unchanged = not_modified(request, etag, cache_control=cache_control, vary="Accept")
    if unchanged is not None:
        return unchanged
    page = listed.page(session, params)
    if media == "jsonld":
        linked = LinkedData(f"{request.base_url}v1/")
        embedded = INCLUDES.get(resource.plural, set())
        graph = linked.graph(resource.plural, chosen.documents(session, t, page.rows, embedded))
        response = json_response(graph)
        response.headers["Content-Type"] = MEDIA_TYPES["jsonld"]
        if page.next_cursor is not None:
            response.headers["Link"] = next_link(request.url, page.next_cursor)
    else:
        extra: dict[str, Any] = {}
        facet_names: str | None = getattr(params, "facets", None)
        if facet_names is not None:
            extra["facets"] = count_facets(session, t, filtered, facet_names, resource.facets)
        include = includes(getattr(params, "include", None))
        documents = chosen.documents(session, t, page.rows, include)
        response = list_response(request, documents, page, extra)
    response.headers["Vary"] = "Accept"
    response.headers.update(validators(etag, None, cache_control))
    return response
