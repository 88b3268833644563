"""GET /v1/statistics and /v1/statistics/{id}: every filter, combinations, sorts, includes."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import DUNFORD, SOURCE_ID, assert_problem, expected_order, ids

ALL = "/v1/statistics?limit=500"
Statistic = dict[str, Any]


def claim_topics(client: TestClient) -> dict[str, set[str]]:
    claims = client.get("/v1/claims?limit=500").json()["data"]
    return {claim["id"]: set(claim["topics"]) for claim in claims}


def test_done_when_example_percent_by_value_descending(client: TestClient) -> None:
    response = client.get("/v1/statistics?unit=percent&sort=-value")
    assert response.status_code == 200
    body = response.json()
    assert [s["value"] for s in body["data"]] == [25.7, 5.2]
    assert [s["id"] for s in body["data"]] == [
        "chn-global-semiconductor-capacity-share",
        "chn-gdp-growth-2023",
    ]
    assert body["next_cursor"] is None
    for statistic in body["data"]:
        speaker = client.get(f"/v1/speakers/{statistic['speaker_id']}")
        assert speaker.status_code == 200
        assert speaker.json()["name"] == "Michael Dunford"
        source = client.get(f"/v1/sources/{statistic['source_id']}")
        assert source.status_code == 200
        assert source.json()["id"] == SOURCE_ID


def test_done_when_example_with_everything_embedded(client: TestClient) -> None:
    url = "/v1/statistics?unit=percent&sort=-value&include=claim,speaker,source"
    data = client.get(url).json()["data"]
    assert [s["value"] for s in data] == [25.7, 5.2]
    for statistic in data:
        assert statistic["claim"]["id"] == statistic["claim_id"]
        assert statistic["display"] in statistic["claim"]["text"]
        assert statistic["speaker"]["id"] == DUNFORD
        assert statistic["speaker"]["affiliation"] == "University of Sussex"
        assert statistic["source"]["id"] == SOURCE_ID
        assert statistic["source"]["publisher"] == "Chinese Social Sciences Today"


def test_statistic_document_shape(client: TestClient) -> None:
    response = client.get("/v1/statistics/chn-gdp-growth-2023")
    assert response.status_code == 200
    statistic = response.json()
    assert statistic == {
        **statistic,
        "indicator": "gdp_growth_rate",
        "entity": "CHN",
        "value": 5.2,
        "unit": "percent",
        "display": "5.2%",
        "modality": "asserted",
        "period": {"label": "2023", "start": "2023-01-01", "end": "2023-12-31"},
        "claim_id": "nqpf-11",
        "speaker_id": DUNFORD,
        "source_id": SOURCE_ID,
        "version": 1,
        "retracted_at": None,
    }
    assert set(statistic) == {
        "id", "indicator", "entity", "value", "unit", "display", "modality", "period", "span",
        "section", "paragraph", "citation", "claim_id", "speaker_id", "source_id", "version",
        "created_at", "updated_at", "retracted_at",
    }  # fmt: skip


def test_get_with_include(client: TestClient) -> None:
    url = "/v1/statistics/chn-monthly-wafer-capacity?include=claim,speaker,source"
    statistic = client.get(url).json()
    assert statistic["value"] == 7_600_000
    assert statistic["claim"]["id"] == "nqpf-21"
    assert statistic["speaker"]["name"] == "Michael Dunford"
    assert statistic["source"]["id"] == SOURCE_ID


def test_every_span_in_the_source_is_the_display(client: TestClient) -> None:
    text = client.get(f"/v1/sources/{SOURCE_ID}").json()["text"]
    statistics = client.get(ALL).json()["data"]
    assert len(statistics) == 7
    for statistic in statistics:
        assert text[statistic["span"]["start"] : statistic["span"]["end"]] == statistic["display"]


Predicate = Callable[[Statistic, dict[str, set[str]]], bool]
FILTERS: list[tuple[str, Predicate, int]] = [
    ("indicator=gdp_growth_rate", lambda s, t: s["indicator"] == "gdp_growth_rate", 1),
    (
        "indicator=world_trade_rank,world_export_rank",
        lambda s, t: s["indicator"] in {"world_trade_rank", "world_export_rank"},
        2,
    ),
    ("entity=CHN", lambda s, t: s["entity"] == "CHN", 5),
    ("entity=ASML", lambda s, t: s["entity"] == "ASML", 2),
    ("entity=ASML,CHN", lambda s, t: True, 7),
    ("unit=percent", lambda s, t: s["unit"] == "percent", 2),
    ("unit=rank,nanometres", lambda s, t: s["unit"] in {"rank", "nanometres"}, 4),
    ("speaker=michael-dunford", lambda s, t: s["speaker_id"] == DUNFORD, 7),
    ("speaker=nobody", lambda s, t: False, 0),
    (f"source={SOURCE_ID}", lambda s, t: True, 7),
    ("source=other,nothing", lambda s, t: False, 0),
    ("topic=semiconductors", lambda s, t: "semiconductors" in t[s["claim_id"]], -1),
    (
        "topic=trade,semiconductors",
        lambda s, t: bool({"trade", "semiconductors"} & t[s["claim_id"]]),
        -1,
    ),
    ("period=2023", lambda s, t: s["period"]["label"] == "2023", 1),
    ("modality=possible", lambda s, t: s["modality"] == "possible", 1),
    ("modality=asserted", lambda s, t: s["modality"] == "asserted", 6),
    ("modality=approximate,projected", lambda s, t: False, 0),
    ("modality=possible,projected&unit=nanometres", lambda s, t: s["modality"] == "possible", 1),
    (
        "period=2023,as%20of%202024-05-20",
        lambda s, t: s["period"]["label"] in {"2023", "as of 2024-05-20"},
        -1,
    ),
    ("value_gte=25.7", lambda s, t: s["value"] >= 25.7, 2),
    ("value_gt=25.7", lambda s, t: s["value"] > 25.7, 1),
    ("value_lte=5.2", lambda s, t: s["value"] <= 5.2, 4),
    ("value_lt=5.2", lambda s, t: s["value"] < 5.2, 3),
    ("value_gte=5&value_lte=7", lambda s, t: 5 <= s["value"] <= 7, 3),
    ("value_gt=5&value_lt=7", lambda s, t: 5 < s["value"] < 7, 1),
    ("value_gte=-1e300", lambda s, t: True, 7),
    (
        "unit=percent&value_gt=10",
        lambda s, t: s["unit"] == "percent" and s["value"] > 10,
        1,
    ),
    (
        "entity=CHN&unit=percent,rank&period=as%20of%202024-05-20",
        lambda s, t: (
            s["entity"] == "CHN"
            and s["unit"] in {"percent", "rank"}
            and s["period"]["label"] == "as of 2024-05-20"
        ),
        3,
    ),
    (
        f"speaker={DUNFORD}&source={SOURCE_ID}&topic=semiconductors&indicator="
        "wafer_production_capacity",
        lambda s, t: (
            s["indicator"] == "wafer_production_capacity" and "semiconductors" in t[s["claim_id"]]
        ),
        1,
    ),
]


@pytest.mark.parametrize(("query", "predicate", "count"), FILTERS)
def test_filters_select_exactly_the_matching_statistics(
    client: TestClient, query: str, predicate: Predicate, count: int
) -> None:
    topics = claim_topics(client)
    everything = client.get(ALL).json()["data"]
    want = [s["id"] for s in everything if predicate(s, topics)]
    got = ids(client.get(f"{ALL}&{query}"))
    assert got == want
    if count >= 0:
        assert len(got) == count


SORT_KEYS: dict[str, Callable[[Statistic], Any]] = {
    "id": lambda s: s["id"],
    "value": lambda s: s["value"],
    "indicator": lambda s: s["indicator"],
    "entity": lambda s: s["entity"],
    "unit": lambda s: s["unit"],
    "period": lambda s: s["period"]["start"],
}


@pytest.mark.parametrize("field", list(SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_sorts_order_with_id_tie_breaker(client: TestClient, field: str, descending: bool) -> None:
    everything = client.get(ALL).json()["data"]
    sort = f"-{field}" if descending else field
    expected = expected_order(everything, sort, lambda s, name: SORT_KEYS[name](s))
    assert ids(client.get(f"{ALL}&sort={sort}")) == expected


@pytest.mark.parametrize("sort", ["unit,-value", "-unit,value", "unit,-value,id"])
def test_multi_field_sort(client: TestClient, sort: str) -> None:
    everything = client.get(ALL).json()["data"]
    expected = expected_order(everything, sort, lambda s, name: SORT_KEYS[name](s))
    assert ids(client.get(f"{ALL}&sort={sort}")) == expected


def test_get_missing_statistic_is_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/statistics/no-such-figure"), 404, "not-found")
    assert "no-such-figure" in body["detail"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/statistics?value_gte=abc", "value_gte"),
        ("/v1/statistics?value_lt=nan", "value_lt"),
        ("/v1/statistics?value_gt=inf", "value_gt"),
        ("/v1/statistics?sort=speaker", "sort"),
        ("/v1/statistics?sort=value,-value", "sort"),
        ("/v1/statistics?sort=", "sort"),
        ("/v1/statistics?include=statistics", "include"),
        ("/v1/statistics?unit=per%20cent", "unit"),
        ("/v1/statistics?period=%00", "period"),
        ("/v1/statistics?kind=direct_quote", "kind"),
        ("/v1/statistics?modality=hedged", "modality"),
        ("/v1/statistics?modality=Possible", "modality"),
        ("/v1/statistics?modality=possible,", "modality"),
        ("/v1/statistics/chn-gdp-growth-2023?include=topics", "include"),
        ("/v1/statistics/chn-gdp-growth-2023?unit=percent", "unit"),
    ],
)
def test_bad_statistic_parameters_are_400(client: TestClient, url: str, parameter: str) -> None:
    assert_problem(client.get(url), 400, "invalid-parameter", parameter)
