"""Facets: counts per value under the current filters, for drawing a filter sidebar."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.filters import split_list
from app.models import Speaker, Topic, claim_topic


@dataclass(frozen=True)
class Facet:
    """Counts by `column` of the filtered rows; `label` names a value when not None."""

    column: str
    link: str | None = None  # "topic": counted through claim_topic, one claim per topic
    label: Any = None  # a model with `id` and `name`


CLAIM_FACETS = {
    "speaker": Facet("speaker_id", label=Speaker),
    "topic": Facet("id", link="topic", label=Topic),
    "kind": Facet("kind"),
}
STATISTIC_FACETS = {name: Facet(name) for name in ("indicator", "entity", "unit")}


def _buckets(session: Session, matched: Any, facet: Facet) -> list[dict[str, Any]]:
    value: Any = matched.c[facet.column]
    counted: Select[Any]
    if facet.link == "topic":
        value = claim_topic.c.topic_id
        counted = select(value, func.count()).join_from(
            matched, claim_topic, claim_topic.c.claim_id == matched.c.id
        )
    else:
        counted = select(value, func.count()).select_from(matched).where(value.is_not(None))
    rows = session.execute(counted.group_by(value)).all()
    labels: dict[str, str] = {}
    if facet.label is not None and rows:
        named = select(facet.label.id, facet.label.name).where(
            facet.label.id.in_([row[0] for row in rows])
        )
        labels = {str(row[0]): str(row[1]) for row in session.execute(named)}
    buckets = [
        {"value": row[0], "label": labels.get(row[0], row[0]), "count": row[1]} for row in rows
    ]
    return sorted(buckets, key=lambda bucket: (-bucket["count"], bucket["value"]))


def count_facets(
    session: Session, filtered: Select[Any], names: str, facets: Mapping[str, Facet]
) -> dict[str, list[dict[str, Any]]]:
    """`names` (validated against `facets` by the params) counted over the `filtered` rows."""
    matched = filtered.order_by(None).subquery()
    wanted: Sequence[str] = split_list(names)
    return {name: _buckets(session, matched, facets[name]) for name in wanted}
