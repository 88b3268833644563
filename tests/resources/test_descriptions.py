"""Each resource's description, its served documents and its OpenAPI schema agree field for
field; what is derived from a description (parameters, sorts, facets, CSV columns, the kind
and modality enumerations) is what the API serves; and no filter is forgotten by counts."""

import csv
import io
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import CheckConstraint

from app.main import app
from app.resources import RESOURCES, SCHEMAS
from app.resources.kernel import META, Resource
from app.store.models import ClaimKind, Modality
from app.store.temporal import CURRENT, RESOURCE_TABLES, tables_at

DESCRIBED = list(RESOURCES.values())
# The parameters every list has, whatever its resource.
LIST_BASICS = {"as_of", "include_retracted", "limit", "cursor", "count", "sort", "format"}
# CSV's byte order mark, and sparse records (JSON's).
LIST_BASICS |= {"bom", "fields"}


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = app.openapi()
    return document


def component(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = openapi()["components"]["schemas"][name]
    return schema


def served_names(resource: Resource) -> list[str]:
    return [field.name for field in resource.fields if field.served]


def list_parameters(resource: Resource) -> dict[str, dict[str, Any]]:
    operation = openapi()["paths"][f"/v1/{resource.plural}"]["get"]
    parameters = operation["parameters"]
    return {parameter["name"]: parameter for parameter in parameters if parameter["in"] == "query"}


def first_record_id(client: TestClient, resource: Resource) -> str:
    record_id: str = client.get(f"/v1/{resource.plural}?limit=1").json()["data"][0]["id"]
    return record_id


@pytest.mark.parametrize("resource", DESCRIBED, ids=lambda r: r.name)
def test_the_read_schema_has_the_described_fields_in_order(resource: Resource) -> None:
    properties = list(component(f"{resource.name.title()}Read")["properties"])
    members = [*(r.name for r in resource.relations), *resource.annotations]
    expected = [*META, *served_names(resource), *members]
    if resource.full_text:
        expected.append("snippet")
    assert properties == expected


@pytest.mark.parametrize("resource", DESCRIBED, ids=lambda r: r.name)
def test_a_served_document_has_the_described_fields_and_fits_its_schema(
    client: TestClient, resource: Resource
) -> None:
    record_id = first_record_id(client, resource)
    document = client.get(f"/v1/{resource.plural}/{record_id}").json()
    assert list(document) == [*served_names(resource), *META]
    SCHEMAS[resource.name].read.model_validate(document)
    listed = client.get(f"/v1/{resource.plural}?limit=5").json()["data"]
    assert all(list(item) == list(document) for item in listed)


@pytest.mark.parametrize("resource", DESCRIBED, ids=lambda r: r.name)
def test_a_query_shape_is_built_once_for_now_and_binds_its_values(
    client: TestClient, resource: Resource
) -> None:
    """One record's statement is made once for the current tables (and per request `as_of` a
    moment, whose tables embed it); each request binds its own id."""
    assert resource.by_id(CURRENT) is resource.by_id(CURRENT)
    moment = datetime.now(UTC)
    assert resource.by_id(tables_at(moment)) is not resource.by_id(tables_at(moment))
    listed = client.get(f"/v1/{resource.plural}?limit=3").json()["data"]
    assert listed
    for record in listed:
        assert client.get(f"/v1/{resource.plural}/{record['id']}").json() == record
        before = {"as_of": moment.isoformat()}
        past = client.get(f"/v1/{resource.plural}/{record['id']}", params=before).json()
        assert past["id"] == record["id"]


@pytest.mark.parametrize(
    ("resource", "relation"),
    [(r, relation.name) for r in DESCRIBED for relation in r.relations],
    ids=str,
)
def test_an_included_relation_is_embedded_as_its_resources_document(
    client: TestClient, resource: Resource, relation: str
) -> None:
    record_id = first_record_id(client, resource)
    document = client.get(f"/v1/{resource.plural}/{record_id}?include={relation}").json()
    assert relation in document
    SCHEMAS[resource.name].read.model_validate(document)


@pytest.mark.parametrize("resource", DESCRIBED, ids=lambda r: r.name)
def test_the_list_parameters_are_the_described_filters(resource: Resource) -> None:
    parameters = set(list_parameters(resource))
    derived = set(resource.filter_parameters())
    extra = {"include"} if resource.relations else set()
    if resource.facets():
        extra.add("facets")
    assert parameters == LIST_BASICS | derived | extra


@pytest.mark.parametrize(
    ("resource", "sort"),
    [(r, name) for r in DESCRIBED for name in r.sort_names() if name != "relevance"],
    ids=str,
)
def test_every_described_sort_is_served_both_ways(
    client: TestClient, resource: Resource, sort: str
) -> None:
    for direction in ("", "-"):
        response = client.get(f"/v1/{resource.plural}?sort={direction}{sort}")
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("resource", DESCRIBED, ids=lambda r: r.name)
def test_a_sort_that_is_not_described_is_refused(client: TestClient, resource: Resource) -> None:
    response = client.get(f"/v1/{resource.plural}?sort=nonexistent")
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "sort"


@pytest.mark.parametrize("resource", DESCRIBED, ids=lambda r: r.name)
def test_the_csv_header_is_the_described_fields_flattened(
    client: TestClient, resource: Resource
) -> None:
    response = client.get(f"/v1/{resource.plural}?format=csv")
    header = next(csv.reader(io.StringIO(response.text)))
    flattened = [
        column
        for field in resource.fields
        if field.served
        for column in (
            field.parts.values()
            if field.parts
            else [field.name, *([field.label.column] if field.label else [])]
        )
    ]
    assert header == [*flattened, *META]


@pytest.mark.parametrize(
    ("resource", "field", "enumeration"),
    [("claim", "kind", ClaimKind), ("statistic", "modality", Modality)],
)
def test_an_enumeration_has_one_definition(
    resource: str, field: str, enumeration: type[StrEnum]
) -> None:
    """The database's check, the OpenAPI enum and the filter's pattern are its members."""
    members = [member.value for member in enumeration]
    assert component(enumeration.__name__)["enum"] == members
    constraints = [
        constraint
        for constraint in RESOURCE_TABLES[resource][0].constraints
        if isinstance(constraint, CheckConstraint) and str(constraint.name).endswith(field)
    ]
    assert [str(c.sqltext) for c in constraints] == [
        f"{field} IN (" + ", ".join(f"'{member}'" for member in members) + ")"
    ]
    pattern = "(" + "|".join(members) + ")"
    parameter = list_parameters(RESOURCES[resource])[field]
    assert parameter["schema"]["pattern"] == f"^{pattern}(,{pattern})*$"


def sample(name: str, spec: tuple[Any, Any]) -> str:
    """A value for a filter parameter: its example, else one of its type."""
    annotation, info = spec
    if info.examples:
        return str(info.examples[0]).split(",")[0]
    if date in getattr(annotation, "__args__", ()) or "date" in str(annotation):
        return "2000-01-01"
    if "after" in name or "before" in name:
        return "2000-01-01"
    return "1"


CLAIM_FILTERS = [
    (name, spec) for name, spec in RESOURCES["claim"].filter_parameters().items() if name != "topic"
]


@pytest.mark.parametrize(("name", "spec"), CLAIM_FILTERS, ids=[n for n, _ in CLAIM_FILTERS])
@pytest.mark.parametrize("topics", ["semiconductors", "semiconductors,trade"])
def test_counts_by_topic_apply_every_other_claim_filter(
    client: TestClient, name: str, spec: tuple[Any, Any], topics: str
) -> None:
    """count=true with a topic is counted from the link table (app.resources.kernel
    `count_statement`): every other filter must still apply."""
    value = sample(name, spec)
    response = client.get(
        "/v1/claims", params={"topic": topics, name: value, "count": "true", "limit": "500"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["data"])
