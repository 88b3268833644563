"""Serving one record: the one get implementation every resource reuses, for now or for any
past moment (`as_of`); lists are in `app.query.listing`."""

from datetime import datetime
from typing import Any

from fastapi import Request, Response
from sqlalchemy import RowMapping, select
from sqlalchemy.orm import Session

from app.resources.documents import Document
from app.resources.kernel import Resource
from app.store.models import Change, ChangeOperation
from app.store.temporal import Tables, tables_at
from app.web.conditional import cache_control_as_of, conditional, content_etag, record_etag
from app.web.problems import ApiError, not_found
from app.web.responses import json_response


def includes(include: str | None) -> set[str]:
    return set() if include is None else set(include.split(","))


def retraction(session: Session, resource: str, record_id: str, version: int) -> dict[str, Any]:
    """When, by whom and why a record was retracted: from its retract change."""
    change = session.execute(
        select(Change).where(
            Change.resource == resource,
            Change.record_id == record_id,
            Change.version == version,
            Change.operation == ChangeOperation.retract,
        )
    ).scalar_one()
    return {"retracted_at": change.at, "retracted_by": change.author, "reason": change.reason}


def gone(session: Session, resource: str, row: RowMapping) -> ApiError:
    facts = retraction(session, resource, row["id"], row["version"])
    return ApiError(
        410,
        "gone",
        "Gone",
        f"The {resource} {row['id']!r} was retracted at {facts['retracted_at'].isoformat()} "
        f"by {facts['retracted_by']}: {facts['reason']}",
        extensions=facts,
    )


def find_row(session: Session, t: Tables, resource: Resource, record_id: str) -> RowMapping:
    query = resource.query(t)
    row = session.execute(query.where(query.selected_columns.id == record_id)).mappings().first()
    if row is None:
        raise not_found(resource.name, record_id)
    return row


def document_response(
    request: Request,
    session: Session,
    t: Tables,
    resource: Resource,
    row: RowMapping,
    include: set[str],
    cache_control: str,
) -> Response:
    document: Document = resource.documents(session, t, [row], include)[0]
    response = json_response(document)
    # Embedded records have versions of their own, so only the bare record is tagged by version.
    etag = (
        record_etag(resource.name, row["id"], row["version"])
        if not include
        else content_etag(bytes(response.body))
    )
    return conditional(
        request,
        response,
        etag=etag,
        last_modified=row["updated_at"],
        cache_control=cache_control,
    )


def get_record(
    request: Request,
    session: Session,
    resource: Resource,
    record_id: str,
    *,
    as_of: datetime | None = None,
    include: str | None = None,
) -> Response:
    t = tables_at(as_of)
    row = find_row(session, t, resource, record_id)
    if row["retracted_at"] is not None:
        raise gone(session, resource.name, row)
    return document_response(
        request, session, t, resource, row, includes(include), cache_control_as_of(as_of)
    )
