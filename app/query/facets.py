"""Facets: counts per value under the current filters, for drawing a filter sidebar."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Select, func, select

from app.query.filters import split_list
from app.resources.kernel import Field
from app.store.temporal import Tables


def _buckets(
    connection: Connection, t: Tables, matched: Any, parameters: Mapping[str, Any], field: Field
) -> list[dict[str, Any]]:
    """Counts of the matched rows per value of `field` (a list field: one row per value)."""
    assert field.facet is not None
    counted: Select[Any]
    if field.link is not None:
        link = getattr(t, field.link.table)
        value: Any = link.c[field.link.value]
        counted = select(value, func.count()).join_from(
            matched, link, link.c[field.link.key] == matched.c.id
        )
    else:
        value = matched.c[field.stored_as]
        counted = select(value, func.count()).select_from(matched).where(value.is_not(None))
    rows = connection.execute(counted.group_by(value), parameters).all()
    labels: dict[str, str] = {}
    if field.facet.label is not None and rows:
        named_by = t.of(field.facet.label).c
        named = select(named_by.id, named_by.name).where(named_by.id.in_([row[0] for row in rows]))
        labels = {str(row[0]): str(row[1]) for row in connection.execute(named)}
    buckets = [
        {"value": row[0], "label": labels.get(row[0], row[0]), "count": row[1]} for row in rows
    ]
    return sorted(buckets, key=lambda bucket: (-bucket["count"], bucket["value"]))


def count_facets(
    connection: Connection,
    t: Tables,
    filtered: Select[Any],
    parameters: Mapping[str, Any],
    names: str,
    facets: Mapping[str, Field],
) -> dict[str, list[dict[str, Any]]]:
    """`names` (validated against `facets` by the params) counted over the `filtered` rows
    (run with its `parameters`), with the tables (current or `as_of`) the rows were read
    from."""
    matched = filtered.order_by(None).subquery()
    return {
        name: _buckets(connection, t, matched, parameters, facets[name])
        for name in split_list(names)
    }
