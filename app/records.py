"""Serving records: the one list and one get implementation that every resource reuses."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from sqlalchemy import RowMapping, Select
from sqlalchemy.orm import Session

from app.errors import not_found
from app.filters import Clause, Column, SortKey, parse_sort
from app.pagination import paginate, query_fingerprint
from app.params import ListParams
from app.representations import Document
from app.responses import json_response, list_response

# Rows into documents, given the session (to embed related records) and the includes asked.
Documents = Callable[[Session, Sequence[RowMapping], set[str]], list[Document]]
# Parameters that shape a page but not the query a cursor belongs to.
PAGE_ONLY_PARAMS = {"cursor", "limit", "count", "include"}


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
) -> ListQuery:
    sort: str = params.sort
    criteria = params.model_dump(mode="json", exclude=PAGE_ONLY_PARAMS)
    return ListQuery(
        query.where(*filters), parse_sort(sort, sort_fields), query_fingerprint(resource, criteria)
    )


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
) -> Response:
    listed = list_query(
        params, resource=resource, query=query, filters=filters, sort_fields=sort_fields
    )
    page = paginate(session, listed.query, listed.keys, params, listed.fingerprint)
    include = includes(getattr(params, "include", None))
    return list_response(request, documents(session, page.rows, include), page)


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
