"""Facets: counts per value under the current filters, for drawing a filter sidebar."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.query.filters import split_list
from app.store.temporal import Tables


@dataclass(frozen=True)
class Facet:
    """Counts by `column` of the filtered rows; values named by the `label` resource's names."""

    column: str
    link: str | None = None  # "topic": counted through claim_topic, one claim per topic
    label: str | None = None  # the resource (with `id` and `name`) that names the values


CLAIM_FACETS = {
    "speaker": Facet("speaker_id", label="speaker"),
    "topic": Facet("id", link="topic", label="topic"),
    "kind": Facet("kind"),
}
STATISTIC_FACETS = {name: Facet(name) for name in ("indicator", "entity", "unit")}


def _buckets(session: Session, t: Tables, matched: Any, facet: Facet) -> list[dict[str, Any]]:
    value: Any = matched.c[facet.column]
    counted: Select[Any]
    if facet.link == "topic":
        value = t.claim_topic.c.topic_id
        counted = select(value, func.count()).join_from(
            matched, t.claim_topic, t.claim_topic.c.claim_id == matched.c.id
        )
    else:
        counted = select(value, func.count()).select_from(matched).where(value.is_not(None))
    rows = session.execute(counted.group_by(value)).all()
    labels: dict[str, str] = {}
    if facet.label is not None and rows:
        named_by = t.of(facet.label).c
        named = select(named_by.id, named_by.name).where(named_by.id.in_([row[0] for row in rows]))
        labels = {str(row[0]): str(row[1]) for row in session.execute(named)}
    buckets = [
        {"value": row[0], "label": labels.get(row[0], row[0]), "count": row[1]} for row in rows
    ]
    return sorted(buckets, key=lambda bucket: (-bucket["count"], bucket["value"]))


def count_facets(
    session: Session, t: Tables, filtered: Select[Any], names: str, facets: Mapping[str, Facet]
) -> dict[str, list[dict[str, Any]]]:
    """`names` (validated against `facets` by the params) counted over the `filtered` rows,
    with the tables (current or `as_of`) the rows were read from."""
    matched = filtered.order_by(None).subquery()
    wanted: Sequence[str] = split_list(names)
    return {name: _buckets(session, t, matched, facets[name]) for name in wanted}
