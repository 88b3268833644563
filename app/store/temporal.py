"""The tables a read runs against: the current ones, or their state at a past moment.

A read builds its query from a `Tables`, so filters, sorts, pagination and includes are one
code path whether it asks for now or for `as_of` (system-versioned temporal tables: the
current row holds the live version, `<table>_history` the superseded ones).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import FromClause, Select, Table, and_, cast, literal, null, or_, select, union_all

from app.store.engine import Base
from app.store.models import (
    NOT_VERSIONED,
    Claim,
    Entity,
    Indicator,
    Review,
    Source,
    Speaker,
    Statistic,
    Topic,
    Unit,
    claim_history,
    claim_topic,
    claim_topic_history,
    entity_history,
    indicator_history,
    review_history,
    source_history,
    speaker_history,
    statistic_history,
    topic_history,
    unit_history,
)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# resource name -> (current table, history table)
RESOURCE_TABLES: dict[str, tuple[Table, Table]] = {
    "source": (_table(Source), source_history),
    "speaker": (_table(Speaker), speaker_history),
    "topic": (_table(Topic), topic_history),
    "claim": (_table(Claim), claim_history),
    "statistic": (_table(Statistic), statistic_history),
    "entity": (_table(Entity), entity_history),
    "indicator": (_table(Indicator), indicator_history),
    "unit": (_table(Unit), unit_history),
    "review": (_table(Review), review_history),
}


@dataclass(frozen=True)
class Tables:
    source: FromClause
    speaker: FromClause
    topic: FromClause
    claim: FromClause
    claim_topic: FromClause
    statistic: FromClause
    entity: FromClause
    indicator: FromClause
    unit: FromClause
    review: FromClause
    as_of: datetime | None = None

    def of(self, resource: str) -> FromClause:
        table: FromClause = getattr(self, resource)
        return table


CURRENT = Tables(
    source=_table(Source),
    speaker=_table(Speaker),
    topic=_table(Topic),
    claim=_table(Claim),
    claim_topic=claim_topic,
    statistic=_table(Statistic),
    entity=_table(Entity),
    indicator=_table(Indicator),
    unit=_table(Unit),
    review=_table(Review),
)


def _versions_at(resource: str, at: datetime) -> FromClause:
    """Each record's version current at `at`: live rows changed by then, else the history row
    whose validity `[updated_at, valid_to)` contains it (a live row is valid until now).

    The moment is a condition on the union, not in its arms: PostgreSQL flattens a UNION ALL
    only when its arms are bare tables, and then reads both in index order (a merge of the
    live and the history index) and stops after a page; with a WHERE in an arm it read both
    tables whole and sorted them. SQLite pushes the condition into the arms either way.
    """
    current, history = RESOURCE_TABLES[resource]
    names = [column.name for column in current.columns if column.name not in NOT_VERSIONED]
    live: Select[tuple[object, ...]] = select(
        *(current.c[name] for name in names),
        cast(null(), history.c.valid_to.type).label("valid_to"),
    )
    superseded: Select[tuple[object, ...]] = select(
        *(history.c[name] for name in names), history.c.valid_to
    )
    versions = union_all(live, superseded).subquery()
    at_value = literal(at, current.c.updated_at.type)
    valid = or_(versions.c.valid_to.is_(None), versions.c.valid_to > at_value)
    return (
        select(*(versions.c[name] for name in names))
        .where(versions.c.updated_at <= at_value, valid)
        .subquery(resource)
    )


def _claim_topics_at(at: datetime) -> FromClause:
    claims, history = RESOURCE_TABLES["claim"]
    at_value = literal(at, claims.c.updated_at.type)
    live = (
        select(claim_topic.c.claim_id, claim_topic.c.topic_id)
        .join(claims, claims.c.id == claim_topic.c.claim_id)
        .where(claims.c.updated_at <= at_value)
    )
    superseded = (
        select(claim_topic_history.c.claim_id, claim_topic_history.c.topic_id)
        .join(
            history,
            and_(
                history.c.id == claim_topic_history.c.claim_id,
                history.c.version == claim_topic_history.c.version,
            ),
        )
        .where(history.c.updated_at <= at_value, history.c.valid_to > at_value)
    )
    return union_all(live, superseded).subquery("claim_topic")


def tables_at(at: datetime | None) -> Tables:
    """The current tables, or every table as it stood at `at`."""
    if at is None:
        return CURRENT
    return Tables(
        source=_versions_at("source", at),
        speaker=_versions_at("speaker", at),
        topic=_versions_at("topic", at),
        claim=_versions_at("claim", at),
        claim_topic=_claim_topics_at(at),
        statistic=_versions_at("statistic", at),
        entity=_versions_at("entity", at),
        indicator=_versions_at("indicator", at),
        unit=_versions_at("unit", at),
        review=_versions_at("review", at),
        as_of=at,
    )
