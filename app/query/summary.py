"""Statistics summarized per group: count, min, max and the latest value, in one query."""

from typing import Any

from sqlalchemy import Connection, func, select

from app.query.filters import split_list
from app.resources import STATISTIC
from app.resources.schemas import summary_params
from app.store.temporal import tables_at
from app.web.problems import invalid_parameter

# What a summary groups by: the name, and the column.
GROUPS = {"indicator": "indicator", "entity": "entity", "unit": "unit", "period": "period_label"}
SummaryParams = summary_params(STATISTIC, list(GROUPS))


def summarize(connection: Connection, params: Any) -> list[dict[str, Any]]:
    """One row per group, under the filters (and `as_of`, retractions) of the list. `latest` is
    the figure with the latest period end (the greatest id among equals), found by a window
    over each group rather than a query per group."""
    names = split_list(params.group_by)
    if len(set(names)) != len(names):
        raise invalid_parameter("group_by", "a field is given more than once")
    t = tables_at(params.as_of)
    statistic = t.statistic.c
    columns = {name: statistic[column] for name, column in GROUPS.items()}
    STATISTIC.check_vocabularies(connection, params)
    filters = STATISTIC.filter_clauses(t, STATISTIC.filter_bindings(params))
    if not params.include_retracted:
        filters.append(statistic.retracted_at.is_(None))
    groups = [columns[name].label(name) for name in names]
    partition = [columns[name] for name in names]
    recency = func.row_number().over(
        partition_by=partition, order_by=(statistic.period_end.desc(), statistic.id.desc())
    )
    ranked = (
        select(
            *groups,
            func.count().over(partition_by=partition).label("count"),
            func.min(statistic.value).over(partition_by=partition).label("min"),
            func.max(statistic.value).over(partition_by=partition).label("max"),
            statistic.id.label("latest_id"),
            statistic.value.label("latest_value"),
            statistic.period_label.label("latest_period_label"),
            statistic.period_end.label("latest_period_end"),
            recency.label("recency"),
        )
        .select_from(t.statistic)
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
        for row in connection.execute(query).mappings()
    ]
