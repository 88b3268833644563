"""The one place that turns query parameters into SQL: filter clauses and sort keys."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import KeyedColumnElement

from app.errors import invalid_parameter
from app.models import Claim, Source, Speaker, Statistic, Topic, claim_topic
from app.params import (
    ClaimListParams,
    SourceListParams,
    SpeakerListParams,
    StatisticFilterParams,
)
from app.search import claim_match, parse_query

Column = QueryableAttribute[Any] | KeyedColumnElement[Any]
Clause = ColumnElement[bool]


@dataclass(frozen=True)
class SortKey:
    column: Column
    descending: bool


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def any_of(column: Column, value: str | None) -> list[Clause]:
    if value is None:
        return []
    values = split_list(value)
    # One value as `=`: SQLite then knows the rows come out of a (column, id) index in id
    # order; with `IN (x)` it sorts them again.
    return [column == values[0]] if len(values) == 1 else [column.in_(values)]


def contains_text(column: Column, text: str | None) -> list[Clause]:
    """Case-insensitive substring match with LIKE wildcards in the text taken literally."""
    if text is None:
        return []
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [func.lower(column).like(f"%{escaped}%", escape="\\")]


def parse_sort(sort: str, fields: Mapping[str, Sequence[Column]]) -> list[SortKey]:
    """`field,-other` into sort keys, always ending with the id so the order is total."""
    tie_breaker = fields["id"][0]
    keys: list[SortKey] = []
    seen: set[str] = set()
    for item in split_list(sort):
        name = item.removeprefix("-")
        if name in seen:
            raise invalid_parameter("sort", f"the field {name!r} is given more than once")
        seen.add(name)
        keys.extend(SortKey(column, item.startswith("-")) for column in fields[name])
    if not any(key.column.key == tie_breaker.key for key in keys):
        # Ties run the way the last field does, so a `(field, id)` index read backwards
        # serves `-field`; an ascending id under a descending field makes the database sort
        # every group of equal values (half the table for `-kind`).
        keys.append(SortKey(tie_breaker, keys[-1].descending if keys else False))
    return keys


def order_by(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [key.column.desc() if key.descending else key.column.asc() for key in keys]


def after_key(keys: Sequence[SortKey], values: Sequence[Any]) -> Clause:
    """Rows strictly after `values` in the order of `keys` (the keyset condition)."""
    if all(key.descending == keys[0].descending for key in keys):
        row = tuple_(*(key.column for key in keys))
        bound = tuple_(*values)
        return row < bound if keys[0].descending else row > bound
    alternatives: list[Clause] = []
    for index, key in enumerate(keys):
        equal_prefix = [keys[i].column == values[i] for i in range(index)]
        beyond = key.column < values[index] if key.descending else key.column > values[index]
        alternatives.append(and_(*equal_prefix, beyond))
    return or_(*alternatives)


def has_topic(topics: str) -> Clause:
    """The claim is tagged with any of `topics`.

    A correlated EXISTS, probing claim_topic's primary key (claim_id, topic_id) row by row, so
    the database walks claims in the page's order and stops after one page; `id IN (SELECT
    claim_id ...)` made SQLite materialize every claim of the topic (200k at 1M) first.
    """
    return (
        select(claim_topic.c.claim_id)
        .where(claim_topic.c.claim_id == Claim.id, *any_of(claim_topic.c.topic_id, topics))
        .exists()
    )


def source_ids_published(after: Any, before: Any) -> list[Clause]:
    if after is None and before is None:
        return []
    published = select(Source.id)
    if after is not None:
        published = published.where(Source.published_on > after)
    if before is not None:
        published = published.where(Source.published_on < before)
    return [Claim.source_id.in_(published)]


CLAIM_SORT_FIELDS: dict[str, Sequence[Column]] = {
    "id": [Claim.id],
    "kind": [Claim.kind],
    "position": [Claim.source_id, Claim.span_start],
}


def claim_filters(params: ClaimListParams) -> list[Clause]:
    """Every claim filter but `q`, which ranks as it filters (see `app.search`)."""
    clauses = [
        *any_of(Claim.speaker_id, params.speaker),
        *any_of(Claim.source_id, params.source),
        *any_of(Claim.kind, params.kind),
        *source_ids_published(params.published_after, params.published_before),
    ]
    if params.topic is not None:
        clauses.append(has_topic(params.topic))
    return clauses


STATISTIC_SORT_FIELDS: dict[str, Sequence[Column]] = {
    "id": [Statistic.id],
    "value": [Statistic.value],
    "indicator": [Statistic.indicator],
    "entity": [Statistic.entity],
    "unit": [Statistic.unit],
    "period": [Statistic.period_start],
}


def statistic_filters(params: StatisticFilterParams, dialect: str) -> list[Clause]:
    clauses = [
        *any_of(Statistic.indicator, params.indicator),
        *any_of(Statistic.entity, params.entity),
        *any_of(Statistic.unit, params.unit),
        *any_of(Statistic.period_label, params.period),
    ]
    claim_clauses = [
        *any_of(Claim.speaker_id, params.speaker),
        *any_of(Claim.source_id, params.source),
    ]
    if params.topic is not None:
        claim_clauses.append(has_topic(params.topic))
    if params.q is not None:
        claim_clauses.append(claim_match(dialect, parse_query(params.q)))
    if claim_clauses:
        clauses.append(Statistic.claim_id.in_(select(Claim.id).where(*claim_clauses)))
    if params.value_gte is not None:
        clauses.append(Statistic.value >= params.value_gte)
    if params.value_gt is not None:
        clauses.append(Statistic.value > params.value_gt)
    if params.value_lte is not None:
        clauses.append(Statistic.value <= params.value_lte)
    if params.value_lt is not None:
        clauses.append(Statistic.value < params.value_lt)
    return clauses


SPEAKER_SORT_FIELDS: dict[str, Sequence[Column]] = {"id": [Speaker.id], "name": [Speaker.name]}


def speaker_filters(params: SpeakerListParams) -> list[Clause]:
    return [*any_of(Speaker.country, params.country), *contains_text(Speaker.name, params.q)]


SOURCE_SORT_FIELDS: dict[str, Sequence[Column]] = {
    "id": [Source.id],
    "published_on": [Source.published_on],
    "title": [Source.title],
}


def source_filters(params: SourceListParams) -> list[Clause]:
    clauses = [
        *any_of(Source.publisher, params.publisher),
        *any_of(Source.language, params.language),
        *contains_text(Source.title, params.q),
    ]
    if params.published_after is not None:
        clauses.append(Source.published_on > params.published_after)
    if params.published_before is not None:
        clauses.append(Source.published_on < params.published_before)
    return clauses


TOPIC_SORT_FIELDS: dict[str, Sequence[Column]] = {"id": [Topic.id], "name": [Topic.name]}
