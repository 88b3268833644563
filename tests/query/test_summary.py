"""GET /v1/statistics/summary: count, min, max and latest value per group, under the filters
of /v1/statistics, checked against the records themselves."""

from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.store.models import Indicator, Statistic
from tests.support.helpers import assert_problem


def group_key(statistic: dict[str, Any], names: list[str]) -> tuple[str, ...]:
    return tuple(
        statistic["period"]["label"] if name == "period" else statistic[name] for name in names
    )


def expected(statistics: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for statistic in statistics:
        groups[group_key(statistic, names)].append(statistic)
    rows = []
    for key in sorted(groups):
        members = groups[key]
        latest = max(members, key=lambda s: (s["period"]["end"], s["id"]))
        rows.append(
            {
                "group": dict(zip(names, key, strict=True)),
                "count": len(members),
                "min": min(s["value"] for s in members),
                "max": max(s["value"] for s in members),
                "latest": {
                    "value": latest["value"],
                    "statistic_id": latest["id"],
                    "period_label": latest["period"]["label"],
                    "period_end": latest["period"]["end"],
                },
            }
        )
    return rows


@pytest.mark.parametrize(
    ("group_by", "filters"),
    [
        ("indicator,entity", ""),
        ("indicator", ""),
        ("entity", ""),
        ("unit", ""),
        ("period", ""),
        ("entity,unit,indicator", ""),
        ("indicator,entity", "entity=CHN"),
        ("unit", "value_gte=6"),
        ("indicator", "q=semiconductor"),
        ("entity", "topic=semiconductors"),
        ("indicator", "speaker=nobody"),
    ],
)
def test_summary_matches_the_records(client: TestClient, group_by: str, filters: str) -> None:
    statistics = client.get(f"/v1/statistics?limit=500&{filters}").json()["data"]
    response = client.get(f"/v1/statistics/summary?group_by={group_by}&{filters}")
    assert response.status_code == 200, response.text
    assert response.json() == {"data": expected(statistics, group_by.split(","))}


def test_summary_is_not_trivial(client: TestClient) -> None:
    data = client.get("/v1/statistics/summary?group_by=indicator,entity").json()["data"]
    assert any(group["count"] > 1 and group["min"] < group["max"] for group in data)


def test_latest_is_the_latest_period_then_the_greatest_id(
    client: TestClient, session: Session
) -> None:
    base = client.get("/v1/statistics/chn-gdp-growth-2023").json()
    rows = [
        {
            "id": statistic_id,
            "claim_id": base["claim_id"],
            "indicator": "test_indicator",
            "entity": "CHN",
            "value": value,
            "unit": "percent",
            "display": f"{value}%",
            "period_label": str(year),
            "period_start": date(year, 1, 1),
            "period_end": date(year, 12, 31),
            "span_start": base["span"]["start"],
            "span_end": base["span"]["end"],
        }
        for statistic_id, value, year in [
            ("t-a", 1.0, 2030),
            ("t-c", 3.0, 2031),
            ("t-b", 2.0, 2031),
            ("t-d", 9.0, 2029),
        ]
    ]
    # Filters take only the vocabulary's ids: the test's indicator is one.
    indicator = {"id": "test_indicator", "label": "Test indicator", "unit": "percent"}
    session.execute(insert(Indicator), [{**indicator, "version": 1}])
    session.execute(insert(Statistic), rows)
    session.flush()
    [group] = client.get(
        "/v1/statistics/summary?group_by=indicator&indicator=test_indicator"
    ).json()["data"]
    assert group == {
        "group": {"indicator": "test_indicator"},
        "count": 4,
        "min": 1.0,
        "max": 9.0,
        "latest": {
            "value": 3.0,
            "statistic_id": "t-c",
            "period_label": "2031",
            "period_end": "2031-12-31",
        },
    }


def test_summary_is_not_taken_for_a_statistic_id(client: TestClient) -> None:
    assert_problem(client.get("/v1/statistics/summary"), 400, "invalid-parameter", "group_by")
    operation = client.get("/v1/openapi.json").json()["paths"]["/v1/statistics/summary"]["get"]
    assert operation["operationId"] == "summarize_statistics"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "group_by"),
        ("group_by=", "group_by"),
        ("group_by=value", "group_by"),
        ("group_by=indicator,indicator", "group_by"),
        ("group_by=indicator&limit=5", "limit"),
        ("group_by=indicator&sort=value", "sort"),
        ("group_by=indicator&value_gte=abc", "value_gte"),
        ("group_by=indicator&q=*", "q"),
    ],
)
def test_bad_summary_parameters_are_400(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/v1/statistics/summary?{query}")
    assert_problem(response, 400, "invalid-parameter", parameter)
