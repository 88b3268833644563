"""Serving reads, for every resource: a list (a JSON or JSON-LD page, or the whole filtered
collection streamed as CSV or NDJSON) and one record, for now or for any past moment
(`as_of`)."""

from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, Connection, Row, RowMapping, Select, select

from app.formats.exports import EXPORT_BATCH_ROWS, csv_export, ndjson_export
from app.formats.linked_data import LinkedData
from app.query.facets import count_facets
from app.query.filters import Column, shape_of, split_list
from app.query.grammar import CsvOptions, RecordListParams
from app.query.keyset import (
    KeyValue,
    PageResult,
    SortKey,
    count_query,
    cursor_key,
    keyset_batches,
    keyset_page,
    next_link,
    page_parameters,
    parse_sort,
    query_fingerprint,
    read_page,
)
from app.query.ranking import Block, paginate_ranked, ranked_batches, ranked_start
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
from app.resources.kernel import Document, Resource, shaped
from app.store.engine import OwnReads, end_read
from app.store.models import Change, ChangeOperation
from app.store.temporal import Tables, tables_at
from app.web.conditional import (
    cache_control_as_of,
    conditional,
    not_modified,
    record_etag,
    settled_last_modified,
    state_etag,
    validators,
)
from app.web.negotiation import (
    MEDIA_TYPES,
    SPARSE_MEDIA_TYPE,
    STREAMED,
    accepts_record,
    negotiate,
)
from app.web.offload import off_loop, read_off_loop
from app.web.problems import ApiError, invalid_parameter, not_found
from app.web.responses import json_response, list_response

# Parameters that shape a page (or its format) but not the query a cursor belongs to.
PAGE_ONLY_PARAMS = {"cursor", "limit", "count", "include", "format", "facets", "bom", "fields"}
UTF8_BOM = "\ufeff".encode()


def includes(include: str | None) -> set[str]:
    return set() if include is None else set(include.split(","))


def chosen_fields(fields: str | None) -> frozenset[str] | None:
    """The members `fields=` keeps (`id` among them), or None for whole records."""
    return None if fields is None else frozenset({"id", *fields.split(",")})


def sparse_response(response: Response, fields: frozenset[str] | None) -> Response:
    """A sparse document (or page) says so by its media type, whose schema requires no
    member but `id` (app/web/openapi.py)."""
    if fields is not None:
        response.headers["Content-Type"] = SPARSE_MEDIA_TYPE
    return response


def sparse_is_json_only() -> ApiError:
    """`fields=` asked of a list in another format than JSON."""
    return invalid_parameter(
        "fields", "sparse records are JSON only: CSV, NDJSON and JSON-LD carry every field"
    )


@dataclass(frozen=True)
class ListQuery:
    """A list request as SQL: the resource, the filtered query and the values of its
    parameters, its sort keys, the fingerprint its cursors are bound to, where its cursor
    resumes (decoded once), and the shape its statements are kept by.

    The filters bind their values as named parameters, so the statements of one shape (which
    filters, each one value or several; which sort; whether a cursor) are built once and run
    with each request's `parameters`: the filtered query, a page and its count."""

    resource: Resource
    tables: Tables
    # Run it (and every statement made from it) with `parameters`: one kept by its shape
    # holds no values of its own (`app.resources.kernel.without_values`).
    query: Select[Any]
    parameters: dict[str, Any]
    keys: list[SortKey]
    fingerprint: str
    # Set when `q` ranks by relevance in blocks of recent matches (`app.query.ranking`): the
    # order in which claims were added; then `start` is a block and a key, else a key.
    ranked_by: ColumnElement[Any] | None
    start: Any
    # The full-text query whose matches get a snippet.
    search: SearchQuery | None
    # What its statements are kept by; None where they are built for the request (`q`).
    shape: Hashable | None
    include_retracted: bool

    def _kept(self, kind: Hashable, build: Callable[[], Select[Any]]) -> Select[Any]:
        """The statement `build` makes, kept by `kind` and the list's shape where it has one."""
        if self.shape is None:
            return build()
        return shaped((kind, self.shape), self.tables, build)

    def _count(self) -> Select[Any]:
        """count=true's statement: from the link rows where they can answer (claims by
        topic), else a count of the filtered query."""

        def build() -> Select[Any]:
            t, values = self.tables, self.parameters
            by_links = self.resource.count_statement(
                t, values, include_retracted=self.include_retracted
            )
            return count_query(self.query) if by_links is None else by_links

        return self._kept("list count", build)

    def _page(self, limit: int) -> Select[Any]:
        """One keyset page (one row extra, which says whether another follows)."""
        order = tuple((key.column.key, key.descending) for key in self.keys)
        return self._kept(
            ("list page", order, self.start is not None),
            lambda: keyset_page(self.query, self.keys, self.start, limit + 1),
        )

    def page(self, connection: Connection, limit: int, *, counted: bool) -> PageResult:
        count = self._count() if counted else None
        if self.ranked_by is not None:
            return paginate_ranked(
                connection, self.query, self.ranked_by, self.keys, self.start, limit,
                self.fingerprint, count,
            )  # fmt: skip
        parameters = {**self.parameters, **page_parameters(self.start, limit + 1)}
        return read_page(
            connection, self._page(limit), parameters, self.keys, limit,
            self.fingerprint, count,
        )  # fmt: skip

    def page_statement(self, limit: int) -> Select[Any]:
        """The SQL of one keyset page with its values (query plan tests, benchmarks)."""
        return self._page(limit).params(
            {**self.parameters, **page_parameters(self.start, limit + 1)}
        )

    def count_statement(self) -> Select[Any]:
        """The SQL of count=true with its values (query plan tests, benchmarks)."""
        return self._count().params(self.parameters)

    def batches(self, connect: Callable[[], Connection]) -> Iterator[Sequence[Row[Any]]]:
        """Every row after the cursor, `EXPORT_BATCH_ROWS` per statement whatever the limit
        (exports), each batch read on `connect()` (see `OwnReads`)."""
        if self.ranked_by is not None:
            return ranked_batches(
                connect, self.query, self.ranked_by, self.keys, self.start, EXPORT_BATCH_ROWS
            )
        return keyset_batches(
            connect, self.query, self.parameters, self.keys, self.start, EXPORT_BATCH_ROWS
        )

    def documents(
        self, connection: Connection, rows: Sequence[RowMapping], include: set[str]
    ) -> list[Document]:
        documents = self.resource.documents(connection, self.tables, rows, include)
        if self.search is not None:
            for document in documents:
                document["snippet"] = search_snippet(document["text"], self.search)
        return documents


def list_query(
    connection: Connection, t: Tables, params: RecordListParams, resource: Resource
) -> ListQuery:
    """The SQL of a list request, before its page is cut (the query plan tests and the
    benchmark read it from here, so they check exactly what the API runs). The resource's
    `q` is a full-text search that ranks by relevance (by default) or filters (with another
    sort). A cursor not signed for this query is a 400 here, before any 304 is considered."""
    resource.check_vocabularies(connection, params)
    q: str | None = getattr(params, "q", None) if resource.full_text else None
    sort_fields: dict[str, list[Column]] = resource.sort_fields(t)
    sort = params.sort or ("id" if q is None else "-relevance")
    by_relevance = "relevance" in {name.removeprefix("-") for name in split_list(sort)}
    values = resource.filter_bindings(params)
    # A search's words are written into the SQL (each engine has its own syntax), so a list
    # with `q` is built for its request; so is one `as_of` a moment (`shaped`).
    searching = getattr(params, "q", None) is not None
    shape = None if searching else (resource.name, shape_of(values), params.include_retracted)

    def filtered(query: Select[Any]) -> Select[Any]:
        filters = resource.filter_clauses(t, values)
        if not params.include_retracted:
            filters.append(t.of(resource.name).c.retracted_at.is_(None))
        return query.where(*filters)

    search = None if q is None else parse_query(q)
    ranked_by = None
    if search is None:
        if by_relevance:
            raise invalid_parameter("sort", "relevance needs a full-text query `q`")
        if shape is None:
            query = filtered(resource.query(t))
        else:
            query = shaped(("list", shape), t, lambda: filtered(resource.query(t)))
    elif not by_relevance:
        # Exact over every match, in the order of the sort's index.
        broad = t.as_of is None and is_broad(connection, search)
        query = filtered(resource.query(t).where(claim_match(search, t, broad)))
    else:
        dialect = connection.dialect.name
        ranked = ranked_claims(dialect, resource.query(t), search, t)
        # Reads `as_of` a past moment rank every match: history tables are not tuned for scale.
        ranked_by = added_order(dialect) if t.as_of is None else None
        sort_fields["relevance"] = [relevance_column(ranked)]
        query = filtered(ranked)
    keys = parse_sort(sort, sort_fields)
    fingerprint = query_fingerprint(
        resource.plural, params.model_dump(mode="json", exclude=PAGE_ONLY_PARAMS)
    )
    start: tuple[Block, Sequence[Any]] | list[KeyValue] | None = (
        ranked_start(params.cursor, fingerprint, keys)
        if ranked_by is not None
        else cursor_key(params.cursor, fingerprint, keys)
    )
    return ListQuery(
        resource,
        t,
        query,
        values,
        keys,
        fingerprint,
        ranked_by,
        start,
        search,
        shape,
        params.include_retracted,
    )


def is_heavy(params: RecordListParams) -> bool:
    """A list whose cost no index bounds: it counts, counts facets or searches full text."""
    return bool(params.count or getattr(params, "facets", None) or getattr(params, "q", None))


async def list_records(
    request: Request,
    connection: Connection,
    params: RecordListParams,
    resource: Resource,
    media: str | None = None,
) -> Response:
    """A list in `media`, or, at the list's own path, in the format Accept asks for. Its ETag
    (and a 304) is known on the event loop; a heavy page and every export batch are read off
    it (app.web.offload), after the request's connection is given back, so that a request
    waiting for a heavy-read thread holds none."""
    negotiated = media is None
    fields = chosen_fields(getattr(params, "fields", None))
    media = media or negotiate(request.headers.get("accept"), sparse=fields is not None)
    vary = "Accept" if negotiated else None
    bom = isinstance(params, CsvOptions) and params.bom
    if bom and media != "csv":
        raise invalid_parameter("bom", "a byte order mark is for CSV only (`.csv` or `text/csv`)")
    if fields is not None and media != "json":
        raise sparse_is_json_only()
    t = tables_at(params.as_of)
    listed = list_query(connection, t, params, resource)
    cache_control = cache_control_as_of(params.as_of)
    # Pages and exports alike: known from the state and the request before anything is read.
    etag = state_etag(connection, request, media)
    unchanged = not_modified(request, etag, cache_control=cache_control, vary=vary)
    if unchanged is not None:
        return unchanged
    validated = {**validators(etag, None, cache_control), **({"Vary": vary} if vary else {})}
    if media in STREAMED:
        return await _export(connection, media, listed, validated, bom=bom)
    if not is_heavy(params):
        return _page_response(connection, request, params, listed, media, validated)
    return await read_off_loop(
        connection, _page_response, request, params, listed, media, validated
    )


def _page_response(
    connection: Connection,
    request: Request,
    params: RecordListParams,
    listed: ListQuery,
    media: str,
    validated: dict[str, str],
) -> Response:
    resource, t = listed.resource, listed.tables
    page = listed.page(connection, params.limit, counted=params.count)
    if media == "jsonld":
        linked = LinkedData(f"{request.base_url}v1/")
        documents = listed.documents(connection, page.rows, set(resource.linked_includes))
        response = json_response(linked.graph(resource, documents))
        response.headers["Content-Type"] = MEDIA_TYPES["jsonld"]
        if page.next_cursor is not None:
            response.headers["Link"] = next_link(request.url, page.next_cursor)
    else:
        extra: dict[str, Any] = {}
        facet_names: str | None = getattr(params, "facets", None)
        if facet_names is not None:
            extra["facets"] = count_facets(
                connection, t, listed.query, listed.parameters, facet_names, resource.facets()
            )
        include = includes(getattr(params, "include", None))
        documents = listed.documents(connection, page.rows, include)
        fields = chosen_fields(getattr(params, "fields", None))
        resource.sparse(documents, fields)
        response = sparse_response(list_response(request, documents, page, extra), fields)
    response.headers.update(validated)
    return response


async def _export(
    connection: Connection, media: str, listed: ListQuery, validated: dict[str, str], *, bom: bool
) -> Response:
    """The whole collection streamed in batches of `EXPORT_BATCH_ROWS` whatever `limit` says;
    the first batch is read now, so that a database that fails is still a problem response
    rather than a broken stream.

    The request's read ends before the body is sent (`end_read`), so the stream reads in reads
    of its own, one per batch. Every batch is read and written off the event loop: the loop
    serves other requests between batches, and hears of a client that left (the stream then
    stops after the batch in hand)."""
    exporting = OwnReads(end_read(connection))
    lines = await off_loop(_export_lines, exporting, media, listed, bom)
    resource = listed.resource
    headers = dict(validated)
    if media == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{resource.plural}.csv"'
    media_type = MEDIA_TYPES[media] + ("; charset=utf-8" if media == "csv" else "")
    return StreamingResponse(
        released_between_chunks(exporting, lines), media_type=media_type, headers=headers
    )


def _export_lines(exporting: OwnReads, media: str, listed: ListQuery, bom: bool) -> Iterator[bytes]:
    """The export's chunks, its first batch read already."""
    batches = listed.batches(exporting.connection)
    try:
        read = chain(list(islice(batches, 1)), batches)
    finally:
        exporting.end()  # until the stream starts, which may be after other requests' reads
    if media == "csv":
        rows = csv_export(exporting.connection, listed.tables, listed.resource, read)
        return chain([UTF8_BOM], rows) if bom else rows
    return ndjson_export(
        listed.documents(exporting.connection(), [row._mapping for row in rows], set())
        for rows in read
    )


def _next_chunk(exporting: OwnReads, chunks: Iterator[bytes]) -> bytes | None:
    try:
        return next(chunks, None)
    finally:
        exporting.end()


async def released_between_chunks(
    exporting: OwnReads, chunks: Iterator[bytes]
) -> AsyncIterator[bytes]:
    """Sends `chunks` (one per batch read, each read off the loop), ending `exporting`'s read
    before each is sent: a slow or vanished client holds no connection while the stream waits
    on it."""
    try:
        while (chunk := await off_loop(_next_chunk, exporting, chunks)) is not None:
            yield chunk
    finally:
        exporting.end()


def retraction(
    connection: Connection, resource: str, record_id: str, version: int
) -> dict[str, Any]:
    """When, by whom and why a record was retracted: from its retract change."""
    at, author, reason = connection.execute(
        select(Change.at, Change.author, Change.reason).where(
            Change.resource == resource,
            Change.record_id == record_id,
            Change.version == version,
            Change.operation == ChangeOperation.retract,
        )
    ).one()
    return {"retracted_at": at, "retracted_by": author, "reason": reason}


def gone(connection: Connection, resource: str, row: RowMapping) -> ApiError:
    facts = retraction(connection, resource, row["id"], row["version"])
    return ApiError(
        "gone",
        f"The {resource} {row['id']!r} was retracted at {facts['retracted_at'].isoformat()} "
        f"by {facts['retracted_by']}: {facts['reason']}",
        extensions=facts,
    )


def find_row(connection: Connection, t: Tables, resource: Resource, record_id: str) -> RowMapping:
    by_id = resource.by_id(t)
    row = connection.execute(by_id, {"record_id": record_id}).mappings().first()
    if row is None:
        raise not_found(resource.name, record_id)
    return row


def document_response(
    request: Request,
    connection: Connection,
    t: Tables,
    resource: Resource,
    row: RowMapping,
    include: set[str],
    cache_control: str,
    fields: frozenset[str] | None = None,
) -> Response:
    # Embedded records have versions of their own, so only the bare record is tagged by
    # version (and by the members it keeps); they change on their own (and leave when
    # retracted), so only the bare record has a Last-Modified that If-Modified-Since can trust.
    etag = None if include else record_etag(resource.name, row["id"], row["version"], fields)
    last_modified = None if include else row["updated_at"]
    if etag is not None:
        # Its validators come from the row alone: a 304 is answered before any document work.
        settled = settled_last_modified(last_modified, cache_control)
        unchanged = not_modified(request, etag, last_modified=settled, cache_control=cache_control)
        if unchanged is not None:
            return unchanged
    documents = resource.documents(connection, t, [row], include)
    resource.sparse(documents, fields)
    response = sparse_response(json_response(documents[0]), fields)
    return conditional(
        request, response, etag=etag, last_modified=last_modified, cache_control=cache_control
    )


def get_record(
    request: Request,
    connection: Connection,
    resource: Resource,
    record_id: str,
    *,
    as_of: datetime | None = None,
    include: str | None = None,
    fields: str | None = None,
) -> Response:
    chosen = chosen_fields(fields)
    accepts_record(request.headers.get("accept"), sparse=chosen is not None)
    t = tables_at(as_of)
    row = find_row(connection, t, resource, record_id)
    if row["retracted_at"] is not None:
        raise gone(connection, resource.name, row)
    cache_control = cache_control_as_of(as_of)
    return document_response(
        request, connection, t, resource, row, includes(include), cache_control, chosen
    )
