"""The one place that turns query parameters into SQL: filter clauses and sort keys."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    distinct,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import KeyedColumnElement

from app.query.grammar import (
    ClaimListParams,
    SourceListParams,
    SpeakerListParams,
    StatisticFilterParams,
)
from app.query.search import claim_match, parse_query
from app.store.temporal import Tables
from app.web.problems import invalid_parameter

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


def has_topic(t: Tables, topics: str, *, probed_per_claim: bool) -> Clause:
    """The claim is tagged with any of `topics`.

    A correlated EXISTS, probing claim_topic's primary key (claim_id, topic_id) row by row, so
    the database walks claims in the page's order and stops after one page; `id IN (SELECT
    claim_id ...)` made SQLite materialize every claim of the topic (200k at 1M) first.

    `probed_per_claim` (a page of claims) fences the subquery with `OFFSET 0` on PostgreSQL
    (SQLite probes anyway), which keeps it from turning the EXISTS into a merge semi-join:
    that join reads the topic's links from its first one, as the keyset bound on claim.id does
    not carry over to claim_topic.claim_id, so page 1000 read 50,000 links (13 ms instead of
    0.7 ms at 1M). Without it (statistics by topic, which collect every matching claim)
    either database may join as it likes.
    """
    links = t.claim_topic.c
    linked = select(links.claim_id).where(
        links.claim_id == t.claim.c.id, *any_of(links.topic_id, topics)
    )
    if probed_per_claim:
        linked = linked.suffix_with("OFFSET 0", dialect="postgresql")
    return linked.exists()


def source_ids_published(t: Tables, after: Any, before: Any) -> list[Clause]:
    if after is None and before is None:
        return []
    published = select(t.source.c.id)
    if after is not None:
        published = published.where(t.source.c.published_on > after)
    if before is not None:
        published = published.where(t.source.c.published_on < before)
    return [t.claim.c.source_id.in_(published)]


def claim_sort_fields(t: Tables) -> dict[str, Sequence[Column]]:
    claim = t.claim.c
    return {"id": [claim.id], "kind": [claim.kind], "position": [claim.source_id, claim.span_start]}


def _claim_place_and_kind(t: Tables, params: ClaimListParams) -> list[Clause]:
    claim = t.claim.c
    return [
        *any_of(claim.source_id, params.source),
        *any_of(claim.kind, params.kind),
        *source_ids_published(t, params.published_after, params.published_before),
    ]


def claim_filters(t: Tables, params: ClaimListParams) -> list[Clause]:
    """Every claim filter but `q`, which ranks as it filters (see `app.query.search`)."""
    clauses = [
        *any_of(t.claim.c.speaker_id, params.speaker),
        *_claim_place_and_kind(t, params),
    ]
    if params.topic is not None:
        clauses.append(has_topic(t, params.topic, probed_per_claim=True))
    return clauses


def claim_count_by_topic(t: Tables, params: ClaimListParams) -> Select[Any] | None:
    """count=true of claims filtered by topic, counted from claim_topic rows, which carry
    their claim's speaker and retraction: with or without a speaker, a range of one index.

    The list's EXISTS suits a page (it stops after one) but would probe every candidate claim
    to count them. None where the copies cannot answer: `as_of` (past links carry none) and
    `q` (the search ranks and counts its own matches).
    """
    if params.topic is None or params.q is not None or t.as_of is not None:
        return None
    links = t.claim_topic.c
    # A claim has each topic once, so only several topics can count a claim twice.
    several = len(split_list(params.topic)) > 1
    query = select(func.count(distinct(links.claim_id)) if several else func.count()).where(
        *any_of(links.topic_id, params.topic), *any_of(links.speaker_id, params.speaker)
    )
    if not params.include_retracted:
        query = query.where(links.retracted_at.is_(None))
    others = _claim_place_and_kind(t, params)
    if others:
        return query.select_from(t.claim_topic.join(t.claim, t.claim.c.id == links.claim_id)).where(
            *others
        )
    return query.select_from(t.claim_topic)


def statistic_sort_fields(t: Tables) -> dict[str, Sequence[Column]]:
    statistic = t.statistic.c
    return {
        "id": [statistic.id],
        "value": [statistic.value],
        "indicator": [statistic.indicator],
        "entity": [statistic.entity],
        "unit": [statistic.unit],
        "period": [statistic.period_start],
    }


def statistic_filters(t: Tables, params: StatisticFilterParams) -> list[Clause]:
    statistic, claim = t.statistic.c, t.claim.c
    clauses = [
        *any_of(statistic.indicator, params.indicator),
        *any_of(statistic.entity, params.entity),
        *any_of(statistic.unit, params.unit),
        *any_of(statistic.period_label, params.period),
    ]
    claim_clauses = [
        *any_of(claim.speaker_id, params.speaker),
        *any_of(claim.source_id, params.source),
    ]
    if params.topic is not None:
        claim_clauses.append(has_topic(t, params.topic, probed_per_claim=False))
    if params.q is not None:
        claim_clauses.append(claim_match(parse_query(params.q), t))
    if claim_clauses:
        clauses.append(statistic.claim_id.in_(select(claim.id).where(*claim_clauses)))
    if params.value_gte is not None:
        clauses.append(statistic.value >= params.value_gte)
    if params.value_gt is not None:
        clauses.append(statistic.value > params.value_gt)
    if params.value_lte is not None:
        clauses.append(statistic.value <= params.value_lte)
    if params.value_lt is not None:
        clauses.append(statistic.value < params.value_lt)
    return clauses


def speaker_sort_fields(t: Tables) -> dict[str, Sequence[Column]]:
    return {"id": [t.speaker.c.id], "name": [t.speaker.c.name]}


def speaker_filters(t: Tables, params: SpeakerListParams) -> list[Clause]:
    speaker = t.speaker.c
    return [*any_of(speaker.country, params.country), *contains_text(speaker.name, params.q)]


def source_sort_fields(t: Tables) -> dict[str, Sequence[Column]]:
    source = t.source.c
    return {"id": [source.id], "published_on": [source.published_on], "title": [source.title]}


def source_filters(t: Tables, params: SourceListParams) -> list[Clause]:
    source = t.source.c
    clauses = [
        *any_of(source.publisher, params.publisher),
        *any_of(source.language, params.language),
        *contains_text(source.title, params.q),
    ]
    if params.published_after is not None:
        clauses.append(source.published_on > params.published_after)
    if params.published_before is not None:
        clauses.append(source.published_on < params.published_before)
    return clauses


def topic_sort_fields(t: Tables) -> dict[str, Sequence[Column]]:
    return {"id": [t.topic.c.id], "name": [t.topic.c.name]}


def topic_filters(_t: Tables, _params: Any) -> list[Clause]:
    return []
