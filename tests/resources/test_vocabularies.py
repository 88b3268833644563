"""/v1/entities, /v1/indicators and /v1/units: the vocabularies statistics are stated in,
seeded, versioned like every record; filters on them take only their ids, with suggestions;
writes naming anything else are 422."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.helpers import WAFERS, assert_problem, etag_of, ids, retract
from tests.write.test_writes import NEW_STATISTIC

ENTITIES = {"ASML": ("ASML", "company", None), "CHN": ("China", "country", "CHN")}


def test_entities_give_each_code_its_name_kind_and_iso_code(client: TestClient) -> None:
    data = client.get("/v1/entities").json()["data"]
    assert {e["id"]: (e["name"], e["kind"], e["iso_code"]) for e in data} == ENTITIES
    china = client.get("/v1/entities/CHN").json()
    assert set(china) == {
        "id", "name", "kind", "iso_code", "version", "created_at", "updated_at", "retracted_at"
    }  # fmt: skip


def test_indicators_have_a_label_a_description_and_a_unit(client: TestClient) -> None:
    indicator = client.get("/v1/indicators/wafer_production_capacity").json()
    assert indicator["label"] == "Wafer production capacity"
    assert indicator["unit"] == "wafers_per_month"
    assert indicator["description"]
    assert ids(client.get("/v1/indicators?unit=rank")) == ["world_export_rank", "world_trade_rank"]


def test_units_have_a_label_a_symbol_and_a_dimension(client: TestClient) -> None:
    percent = client.get("/v1/units/percent").json()
    assert (percent["label"], percent["symbol"], percent["dimension"]) == ("Percent", "%", "ratio")
    currencies = ids(client.get("/v1/units?dimension=currency&limit=100"))
    assert {"cny", "usd", "eur"} <= set(currencies)


def test_every_figure_names_known_vocabulary(client: TestClient) -> None:
    statistics = client.get("/v1/statistics?limit=500").json()["data"]
    for field, plural in (("entity", "entities"), ("indicator", "indicators"), ("unit", "units")):
        known = set(ids(client.get(f"/v1/{plural}?limit=500")))
        assert {statistic[field] for statistic in statistics} <= known, field


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("entity=China", "unknown entity 'China'; did you mean CHN (China)?"),
        ("entity=chn", "unknown entity 'chn'; did you mean CHN (China)?"),
        ("entity=CHINA", "unknown entity 'CHINA'; did you mean CHN (China)?"),
        ("entity=Chna", "unknown entity 'Chna'; did you mean CHN (China)?"),
        ("entity=asml", "unknown entity 'asml'; did you mean ASML (ASML)?"),
        ("entity=CHN,Germany", "unknown entity 'Germany'; the known ones are ASML, CHN"),
        ("unit=Percent", "unknown unit 'Percent'; did you mean percent (Percent)?"),
        (
            "indicator=gdp_growth",
            "unknown indicator 'gdp_growth'; did you mean gdp_growth_rate (GDP growth rate)?",
        ),
        ("indicator=GDP%20growth%20rate", "must be ids"),
    ],
)
def test_a_filter_outside_the_vocabulary_is_400_with_suggestions(
    client: TestClient, query: str, message: str
) -> None:
    for url in (f"/v1/statistics?{query}", f"/v1/statistics/summary?group_by=unit&{query}"):
        body = assert_problem(client.get(url), 400, "invalid-parameter", query.split("=")[0])
        assert body["errors"][0]["message"].startswith(message), url


def test_a_known_value_filters_as_before(client: TestClient) -> None:
    assert ids(client.get("/v1/statistics?entity=ASML")) == [
        "asml-restricted-process-node-5nm", "asml-restricted-process-node-7nm"
    ]  # fmt: skip


@pytest.mark.parametrize("field", ["entity", "indicator", "unit"])
def test_a_figure_naming_an_unknown_value_is_422_naming_the_field(
    client: TestClient, write_headers: dict[str, str], field: str
) -> None:
    body = {**NEW_STATISTIC, field: "not_in_the_vocabulary"}
    response = client.post("/v1/statistics", json=body, headers=write_headers)
    problem = assert_problem(response, 422, "invalid-body", field)
    assert f"no {field} 'not_in_the_vocabulary'" in problem["detail"]
    patched = client.patch(
        f"/v1/statistics/{WAFERS}",
        json={field: "not_in_the_vocabulary", "reason": "r"},
        headers={**write_headers, "If-Match": etag_of(client, f"/v1/statistics/{WAFERS}")},
    )
    assert_problem(patched, 422, "invalid-body", field)


def test_vocabularies_are_versioned_like_every_record(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = "/v1/entities/CHN"
    before = client.get(url).json()
    response = client.patch(
        url,
        json={"name": "People's Republic of China", "reason": "the official name"},
        headers={**write_headers, "If-Match": etag_of(client, url)},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["version"]) == (
        "People's Republic of China",
        2,
    )
    versions = client.get(f"{url}/versions").json()["data"]
    assert [(v["version"], v["changed_fields"]) for v in versions] == [(2, ["name"]), (1, [])]
    as_of = before["updated_at"]
    assert client.get(url, params={"as_of": as_of}).json()["name"] == "China"
    stale = client.patch(
        url, json={"name": "China", "reason": "r"}, headers={**write_headers, "If-Match": '"x"'}
    )
    assert_problem(stale, 412, "precondition-failed")


def test_a_new_entry_can_be_named_once_it_exists(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    entity: dict[str, Any] = {"id": "TWN", "name": "Taiwan", "kind": "region", "reason": "r"}
    created = client.post("/v1/entities", json=entity, headers=write_headers)
    assert created.status_code == 201, created.text
    assert ids(client.get("/v1/statistics?entity=TWN")) == []
    figure = {**NEW_STATISTIC, "entity": "TWN"}
    assert client.post("/v1/statistics", json=figure, headers=write_headers).status_code == 201


def test_an_entry_named_by_a_live_figure_is_not_retracted(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    response = retract(client, "/v1/units/percent", write_headers)
    assert "statistic chn-gdp-growth-2023" in assert_problem(response, 409, "conflict")["detail"]


@pytest.mark.parametrize(
    ("plural", "body", "field"),
    [
        ("entities", {"id": "XX", "name": "X", "kind": "planet"}, "kind"),
        ("entities", {"id": "XX", "name": "X", "kind": "country", "iso_code": "xx"}, "iso_code"),
        ("units", {"id": "Bad Unit", "label": "X", "dimension": "ratio"}, "id"),
        ("units", {"id": "x", "label": "X", "dimension": "vibes"}, "dimension"),
        ("indicators", {"id": "x", "label": "X", "unit": "no_such_unit"}, "unit"),
    ],
)
def test_bad_vocabulary_entries_are_422(
    client: TestClient, write_headers: dict[str, str], plural: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(f"/v1/{plural}", json={**body, "reason": "r"}, headers=write_headers)
    assert_problem(response, 422, "invalid-body", field)
