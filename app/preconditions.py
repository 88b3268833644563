"""Preconditions of a write to an existing record: it exists, is not retracted, and the
writer read its current version (If-Match)."""

from sqlalchemy import RowMapping, select
from sqlalchemy.orm import Session

from app.caching import match, record_etag
from app.errors import ApiError, not_found
from app.records import gone
from app.resources import Resource
from app.tables import RESOURCE_TABLES


def current_row(session: Session, resource: Resource, record_id: str) -> RowMapping:
    """The record to write to: 404 if it never existed, 410 if retracted."""
    table = RESOURCE_TABLES[resource.name][0]
    row = session.execute(select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        raise not_found(resource.name, record_id)
    if row["retracted_at"] is not None:
        raise gone(session, resource.name, row)
    return row


def check_if_match(resource: Resource, row: RowMapping, if_match: str | None) -> None:
    etag = record_etag(resource.name, row["id"], row["version"])
    if if_match is None:
        raise ApiError(
            428,
            "precondition-required",
            "Precondition required",
            f"Send If-Match: {etag} (the ETag of the version you read).",
        )
    if not match(if_match, etag):
        raise ApiError(
            412,
            "precondition-failed",
            "Precondition failed",
            f"The {resource.name} {row['id']!r} is at version {row['version']} now; "
            "GET it again and re-apply your change.",
            headers={"ETag": etag},
        )
