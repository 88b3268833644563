"""Serving records: the one list and one get implementation that every resource reuses."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import RowMapping, Select
from sqlalchemy.orm import Session

from app.errors import not_found
from app.facets import Facet, count_facets
from app.filters import Clause, Column, SortKey, parse_sort
from app.formats import MEDIA_TYPES, csv_lines, ndjson_lines, negotiate
from app.linked_data import INCLUDES, LinkedData
from app.pagination import PageResult, next_link, paginate, query_fingerprint
from app.params import ListParams
from app.representations import Document
from app.responses import json_response, list_response

# Rows into documents, given the session (to embed related records) and the includes asked.
Documents = Callable[[Session, Sequence[RowMapping], set[str]], list[Document]]
# Parameters that shape a page (or its format) but not the query a cursor belongs to.
PAGE_ONLY_PARAMS = {"cursor", "limit", "count", "include", "format", "facets"}


def includes(include: str | None) -> set[str]:
    return set() if include is None else set(include.split(","))


@dataclass(frozen=True)
class ListQuery:
    """A list request as SQL: the filtered query, its sort keys and the cursor binding."""

    query: Select[Any]
    keys: list[SortKey]
    fingerprint: str


def list_query(
    params: ListParams,
    *,
    resource: str,
    query: Select[Any],
    filters: Sequence[Clause],
    sort_fields: Mapping[str, Sequence[Column]],
    sort: str | None = None,
) -> ListQuery:
    """The filtered query, sort keys and fingerprint of a list request; `sort` overrides the
    requested sort (a resource's default, e.g. relevance when `q` is given)."""
    criteria = params.model_dump(mode="json", exclude=PAGE_ONLY_PARAMS)
    return ListQuery(
        query.where(*filters),
        parse_sort(sort or params.sort or "id", sort_fields),
        query_fingerprint(resource, criteria),
    )


def _batches(
    session: Session,
    query: Select[Any],
    keys: Sequence[SortKey],
    params: ListParams,
    fingerprint: str,
    first: PageResult,
    documents: Callable[[Sequence[RowMapping]], list[Document]],
) -> Iterator[list[Document]]:
    """Every page of the query from `first` on, one keyset page (`limit` rows) at a time, so
    an export of any size holds one page in memory."""
    page = first
    while True:
        yield documents(page.rows)
        if page.next_cursor is None:
            return
        following = params.model_copy(update={"cursor": page.next_cursor, "count": False})
        page = paginate(session, query, keys, following, fingerprint)


def list_records(
    request: Request,
    session: Session,
    params: ListParams,
    *,
    resource: str,
    query: Select[Any],
    filters: Sequence[Clause],
    sort_fields: Mapping[str, Sequence[Column]],
    documents: Documents,
    sort: str | None = None,
    facets: Mapping[str, Facet] | None = None,
) -> Response:
    media = negotiate(request.headers.get("accept"), params.format)
    listed = list_query(
        params, resource=resource, query=query, filters=filters, sort_fields=sort_fields, sort=sort
    )
    filtered, keys, fingerprint = listed.query, listed.keys, listed.fingerprint
    include = includes(getattr(params, "include", None))
    if media in {"csv", "ndjson"}:
        # Exports are the whole collection; the first page is read now so that a bad cursor
        # is still a 400 problem rather than a broken stream.
        export = params.model_copy(update={"count": False})
        first = paginate(session, filtered, keys, export, fingerprint)
        batches = _batches(
            session,
            filtered,
            keys,
            export,
            fingerprint,
            first,
            lambda rows: documents(session, rows, set()),
        )
        lines = csv_lines(resource, batches) if media == "csv" else ndjson_lines(batches)
        headers = {"Vary": "Accept"}
        if media == "csv":
            headers["Content-Disposition"] = f'attachment; filename="{resource}.csv"'
        media_type = MEDIA_TYPES[media] + ("; charset=utf-8" if media == "csv" else "")
        return StreamingResponse(lines, media_type=media_type, headers=headers)
    page = paginate(session, filtered, keys, params, fingerprint)
    if media == "jsonld":
        linked = LinkedData(f"{request.base_url}v1/")
        graph = linked.graph(resource, documents(session, page.rows, INCLUDES.get(resource, set())))
        response = json_response(graph)
        response.headers["Content-Type"] = MEDIA_TYPES["jsonld"]
        if page.next_cursor is not None:
            response.headers["Link"] = next_link(request.url, page.next_cursor)
    else:
        extra: dict[str, Any] = {}
        facet_names: str | None = getattr(params, "facets", None)
        if facets is not None and facet_names is not None:
            extra["facets"] = count_facets(session, filtered, facet_names, facets)
        response = list_response(request, documents(session, page.rows, include), page, extra)
    response.headers["Vary"] = "Accept"
    return response


def get_record(
    session: Session,
    *,
    resource: str,
    record_id: str,
    query: Select[Any],
    documents: Documents,
    include: str | None = None,
) -> Response:
    row = session.execute(query.where(query.selected_columns.id == record_id)).mappings().first()
    if row is None:
        raise not_found(resource, record_id)
    return json_response(documents(session, [row], includes(include))[0])
