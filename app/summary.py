"""Statistics summarized per group: count, min, max and the latest value, in one query."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import invalid_parameter
from app.filters import Clause, split_list
from app.models import Statistic

GROUP_COLUMNS = {
    "indicator": Statistic.indicator,
    "entity": Statistic.entity,
    "unit": Statistic.unit,
    "period": Statistic.period_label,
}


def summarize(session: Session, filters: Sequence[Clause], group_by: str) -> list[dict[str, Any]]:
    """One row per group. `latest` is the figure with the latest period end (the greatest id
    among equals), found by a window over each group rather than a query per group."""
    names = split_list(group_by)
    if len(set(names)) != len(names):
        raise invalid_parameter("group_by", "a field is given more than once")
    groups = [GROUP_COLUMNS[name].label(name) for name in names]
    partition = [GROUP_COLUMNS[name] for name in names]
    recency = func.row_number().over(
        partition_by=partition, order_by=(Statistic.period_end.desc(), Statistic.id.desc())
    )
    ranked = (
        select(
            *groups,
            func.count().over(partition_by=partition).label("count"),
            func.min(Statistic.value).over(partition_by=partition).label("min"),
            func.max(Statistic.value).over(partition_by=partition).label("max"),
            Statistic.id.label("latest_id"),
            Statistic.value.label("latest_value"),
            Statistic.period_label.label("latest_period_label"),
            Statistic.period_end.label("latest_period_end"),
            recency.label("recency"),
        )
        .where(*filters)
        .subquery()
    )
    query = (
        select(ranked).where(ranked.c.recency == 1).order_by(*(ranked.c[name] for name in names))
    )
    return [
        {
            "group": {name: row[name] for name in names},
            "count": row["count"],
            "min": row["min"],
            "max": row["max"],
            "latest": {
                "value": row["latest_value"],
                "statistic_id": row["latest_id"],
                "period_label": row["latest_period_label"],
                "period_end": row["latest_period_end"],
            },
        }
        for row in session.execute(query).mappings()
    ]
