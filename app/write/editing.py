"""What a write means, for any resource, from its description: the record as an editable
document (what a merge patch applies to), a validated body as row values (its references
checked against the database like the seed checks its files, then the resource's own rules),
and whether a record may be retracted."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, RowMapping, select

from app.resources.kernel import Prepared, Resource, Write, resource_named
from app.web.problems import conflict, invalid_body


def live_row(connection: Connection, resource: str, record_id: str) -> RowMapping | None:
    """The current, unretracted record, or None."""
    table = resource_named(resource).table
    query = select(table).where(table.c.id == record_id, table.c.retracted_at.is_(None))
    return connection.execute(query).mappings().first()


def _referenced(
    connection: Connection, resource: Resource, body: dict[str, Any]
) -> dict[str, RowMapping]:
    """The live records the body's references name (a 422 naming the field if one is not)."""
    found: dict[str, RowMapping] = {}
    for field in resource.fields:
        target = field.reference or (field.link.resource if field.link and field.write else None)
        if target is None or body.get(field.name) is None:
            continue
        values = body[field.name] if field.link is not None else [body[field.name]]
        for record_id in values:
            row = live_row(connection, target, record_id)
            if row is None:
                raise invalid_body(field.name, f"no {target} {record_id!r} (or it is retracted)")
            found[field.name] = row
    return found


def prepare(
    connection: Connection, resource: Resource, body: BaseModel, current: RowMapping | None
) -> Prepared:
    """A validated create body (or a merged patch) as the record's row and link values."""
    fields = body.model_dump(exclude={"reason"})
    prepared = resource.values(body)
    referenced = _referenced(connection, resource, fields)
    if resource.prepare is not None:
        resource.prepare(Write(connection, fields, prepared, current, referenced))
    return prepared


def check_no_dependents(connection: Connection, resource: Resource, record_id: str) -> None:
    """A record named by live records is not retracted (retraction never cascades)."""
    blocking: list[str] = []
    for dependent, field in resource.dependents():
        table = dependent.table
        if field.link is not None:
            links = table.metadata.tables[field.link.table]
            query = (
                select(links.c[field.link.key])
                .join(table, table.c.id == links.c[field.link.key])
                .where(links.c[field.link.value] == record_id, table.c.retracted_at.is_(None))
            )
        else:
            query = select(table.c.id).where(
                table.c[field.stored_as] == record_id, table.c.retracted_at.is_(None)
            )
        blocking += [
            f"{dependent.name} {row_id}" for row_id in connection.execute(query.limit(5)).scalars()
        ]
    if blocking:
        raise conflict(
            f"live records depend on it ({', '.join(blocking)}); retract or re-point them first"
        )
