"""Formats of every list: Accept negotiation and `format`, CSV and NDJSON exports of the whole
filtered collection (streamed), JSON-LD that pyld expands without loss, and 406."""

import csv
import io
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from sqlalchemy.orm import Session

from app.query import reads
from app.resources import SCHEMAS
from app.web.negotiation import SPARSE_MEDIA_TYPE
from tests.support.helpers import add_claims, assert_problem, walk

RESOURCES = ["claims", "statistics", "speakers", "sources", "topics"]
# The CSV columns are a contract: the documented, stable order (docs/formats.md).
META_COLUMNS = ("version", "created_at", "updated_at", "retracted_at")
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "claims": (
        "id", "kind", "text", "span_start", "span_end", "section", "paragraph", "citation",
        "speaker_id", "speaker_name",
        "source_id", "source_title", "topics", *META_COLUMNS,
    ),
    "statistics": (
        "id", "indicator", "entity", "value", "unit", "display", "modality", "period_label",
        "period_start", "period_end", "span_start", "span_end", "section", "paragraph",
        "citation", "claim_id", "speaker_id", "speaker_name", "source_id", "source_title",
        *META_COLUMNS,
    ),
    "speakers": ("id", "name", "title", "affiliation", "country", *META_COLUMNS),
    "sources": (
        "id", "title", "standfirst", "publisher", "authors", "editors", "published_on",
        "language", "url", "text", "sha256", *META_COLUMNS,
    ),
    "topics": ("id", "name", *META_COLUMNS),
}  # fmt: skip


def flatten(document: dict[str, Any]) -> dict[str, Any]:
    """Nested objects flattened with `_` (span -> span_start, span_end), as the CSV columns."""
    flat: dict[str, Any] = {}
    for name, value in document.items():
        if isinstance(value, dict):
            flat.update({f"{name}_{inner}": item for inner, item in value.items()})
        else:
            flat[name] = value
    return flat


def as_cells(document: dict[str, Any]) -> dict[str, str]:
    """A JSON document as the CSV writes it: flattened, lists joined by `;`, null empty."""
    cells = {}
    for name, value in flatten(document).items():
        if value is None:
            cells[name] = ""
        elif isinstance(value, str):
            cells[name] = value
        elif isinstance(value, list):
            cells[name] = ";".join(value)
        else:
            cells[name] = orjson.dumps(value).decode()
    return cells


def read_csv(response: Any) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    header, body = rows[0], rows[1:]
    return header, [dict(zip(header, row, strict=True)) for row in body]


@pytest.mark.parametrize("resource", RESOURCES)
def test_csv_equals_the_json_walk(client: TestClient, resource: str) -> None:
    header, rows = read_csv(client.get(f"/v1/{resource}?format=csv&limit=3"))
    assert header == list(CSV_COLUMNS[resource])
    # The speaker's name and the source's title: their embedded records, flattened.
    labelled = resource in ("claims", "statistics")
    walked = walk(
        client, f"/v1/{resource}?limit=7" + ("&include=speaker,source" if labelled else "")
    )
    assert rows == [
        {column: as_cells(record).get(column, "") for column in header} for record in walked
    ]
    if labelled:
        assert {row["speaker_name"] for row in rows} >= {"Michael Dunford"}


def test_the_csv_names_speakers_and_sources_beside_their_ids(client: TestClient) -> None:
    _, rows = read_csv(client.get("/v1/statistics?format=csv"))
    wafers = next(row for row in rows if row["id"] == "chn-monthly-wafer-capacity")
    assert (wafers["speaker_id"], wafers["speaker_name"]) == ("michael-dunford", "Michael Dunford")
    assert wafers["source_title"] == (
        "New quality productive forces to fuel global industrial progress"
    )


@pytest.mark.parametrize("resource", RESOURCES)
def test_bom_true_starts_the_csv_with_a_utf8_byte_order_mark(
    client: TestClient, resource: str
) -> None:
    plain = client.get(f"/v1/{resource}.csv")
    marked = client.get(f"/v1/{resource}.csv?bom=true")
    negotiated = client.get(f"/v1/{resource}?bom=true", headers={"Accept": "text/csv"})
    assert negotiated.content == marked.content
    assert marked.status_code == 200
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert marked.content == b"\xef\xbb\xbf" + plain.content
    assert marked.content.decode("utf-8-sig") == plain.text


def test_bom_outside_csv_is_400(client: TestClient) -> None:
    assert_problem(client.get("/v1/claims?bom=true"), 400, "invalid-parameter", "bom")
    # The other formats' operations do not take it at all.
    for suffix in (".ndjson", ".jsonld"):
        refused = client.get(f"/v1/claims{suffix}?bom=true")
        assert refused.status_code == 400
        assert "bom" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("resource", "filters"),
    [
        ("claims", "kind=direct_quote&sort=-kind,id"),
        ("claims", "q=china"),
        ("claims", "topic=semiconductors&sort=position"),
        ("statistics", "entity=CHN&sort=-value"),
        ("statistics", "q=semiconductor&unit=percent"),
        ("sources", "q=productive"),
        ("speakers", "sort=-name"),
    ],
)
def test_exports_apply_the_filters_and_sort(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, resource: str, filters: str
) -> None:
    # Batches of two rows, so that every sort is continued across many batch boundaries.
    monkeypatch.setattr(reads, "EXPORT_BATCH_ROWS", 2)
    want = [record["id"] for record in walk(client, f"/v1/{resource}?limit=500&{filters}")]
    _, rows = read_csv(client.get(f"/v1/{resource}?{filters}&format=csv"))
    assert [row["id"] for row in rows] == want
    lines = client.get(f"/v1/{resource}?{filters}&format=ndjson").text.splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == want


@pytest.mark.parametrize("media", ["csv", "ndjson"])
def test_an_export_continues_after_its_cursor_whatever_the_limit(
    client: TestClient, media: str
) -> None:
    first = client.get("/v1/claims?limit=5&sort=-position").json()
    rest = walk(client, "/v1/claims?limit=500&sort=-position")[5:]
    cursor = first["next_cursor"]
    response = client.get(f"/v1/claims?sort=-position&limit=1&format={media}&cursor={cursor}")
    if media == "csv":
        assert [row["id"] for row in read_csv(response)[1]] == [claim["id"] for claim in rest]
    else:
        assert [orjson.loads(line) for line in response.text.splitlines()] == rest


@pytest.mark.parametrize("resource", RESOURCES)
def test_ndjson_is_one_document_per_record(client: TestClient, resource: str) -> None:
    response = client.get(f"/v1/{resource}", headers={"Accept": "application/x-ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    total = client.get(f"/v1/{resource}?count=true&limit=1").json()["total"]
    lines = response.text.splitlines()
    assert len(lines) == total
    assert [orjson.loads(line) for line in lines] == walk(client, f"/v1/{resource}?limit=500")


def test_exports_stream_a_large_collection_completely(client: TestClient, session: Session) -> None:
    added = add_claims(session, [f"Synthetic claim number {n}, about wafers." for n in range(5000)])
    total = client.get("/v1/claims?count=true&limit=1").json()["total"]
    assert total == 5034
    _, rows = read_csv(client.get("/v1/claims?format=csv&limit=500"))
    assert len(rows) == total
    assert len({row["id"] for row in rows}) == total
    assert {row["id"] for row in rows} >= set(added)
    ndjson = client.get("/v1/claims?format=ndjson&q=wafers").text.splitlines()
    matching = client.get("/v1/claims?q=wafers&count=true&limit=1").json()["total"]
    assert matching > 5000
    assert len(ndjson) == matching


def test_csv_quotes_per_rfc_4180(client: TestClient, session: Session) -> None:
    text = 'He said, "no"\r\nthen; left'
    [claim_id] = add_claims(session, [text])
    response = client.get("/v1/claims?format=csv&q=left")
    assert '"He said, ""no""\r\nthen; left"' in response.text
    assert response.text.endswith("\r\n")
    _, rows = read_csv(response)
    assert [(row["id"], row["text"]) for row in rows] == [(claim_id, text)]


def test_csv_is_offered_as_a_download(client: TestClient) -> None:
    response = client.get("/v1/statistics?format=csv")
    assert response.headers["content-disposition"] == 'attachment; filename="statistics.csv"'
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/*", "application/json"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/*", "text/csv; charset=utf-8"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("application/ld+json", "application/ld+json"),
        ("text/csv;q=0.5, application/x-ndjson", "application/x-ndjson"),
        ("text/csv, application/json", "text/csv; charset=utf-8"),
        ("application/json;q=0.1, text/csv;q=0.9", "text/csv; charset=utf-8"),
        ("text/html, */*;q=0.8", "application/json"),
        ("*/*;q=0.1, application/ld+json", "application/ld+json"),
        ("text/csv;q=0, */*", "application/json"),
        ("TEXT/CSV", "text/csv; charset=utf-8"),
        ("text/csv; charset=utf-8", "text/csv; charset=utf-8"),
        ("application/json;q=abc, text/csv", "text/csv; charset=utf-8"),
    ],
)
def test_accept_negotiation(client: TestClient, accept: str | None, media_type: str) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = client.get("/v1/claims?limit=2", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type


FORMAT_OPERATIONS = [
    ("csv", ".csv", "text/csv; charset=utf-8"),
    ("ndjson", ".ndjson", "application/x-ndjson"),
    ("jsonld", ".jsonld", "application/ld+json"),
]


@pytest.mark.parametrize(("format_", "suffix", "media_type"), FORMAT_OPERATIONS)
def test_each_format_has_its_operation(
    client: TestClient, format_: str, suffix: str, media_type: str
) -> None:
    response = client.get(f"/v1/topics{suffix}?limit=2", headers={"Accept": "*/*"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert "Accept" not in response.headers["vary"].split(", ")
    # One rule: an Accept that allows none of what the operation answers is a 406.
    refused = client.get(f"/v1/topics{suffix}", headers={"Accept": "application/json"})
    assert_problem(refused, 406, "not-acceptable")
    assert_problem(client.get(f"/v1/topics{suffix}?format={format_}"), 400, "invalid-parameter")


@pytest.mark.parametrize(
    ("format_", "suffix"), [("json", ""), *((f, s) for f, s, _ in FORMAT_OPERATIONS)]
)
def test_the_format_parameter_redirects_to_its_operation(
    client: TestClient, format_: str, suffix: str
) -> None:
    """`format=` is deprecated: a 308 to the same query at the format's path."""
    url = f"/v1/claims?kind=direct_quote&format={format_}&limit=3"
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == f"/v1/claims{suffix}?kind=direct_quote&limit=3"
    assert response.headers["deprecation"].startswith("@")
    assert response.headers["sunset"].endswith("GMT")
    followed = client.get(url)
    assert followed.status_code == 200
    assert followed.content == client.get(response.headers["location"]).content


@pytest.mark.parametrize(
    "accept", ["text/html", "image/png, application/xml", "application/json;q=0", "text/plain"]
)
@pytest.mark.parametrize("resource", RESOURCES)
def test_unsupported_accept_is_406(client: TestClient, resource: str, accept: str) -> None:
    response = client.get(f"/v1/{resource}", headers={"Accept": accept})
    body = assert_problem(response, 406, "not-acceptable")
    assert "text/csv" in body["detail"]


@pytest.mark.parametrize(
    "url", ["/v1/claims?format=xml", "/v1/claims?format=", "/v1/topics?format=CSV"]
)
def test_unknown_format_is_400(client: TestClient, url: str) -> None:
    assert_problem(client.get(url), 400, "invalid-parameter", "format")


def test_a_bad_cursor_in_an_export_is_400_not_a_broken_stream(client: TestClient) -> None:
    response = client.get("/v1/claims?format=csv&cursor=nonsense")
    assert_problem(response, 400, "invalid-cursor", "cursor")


def test_json_ld_pages_follow_link(client: TestClient) -> None:
    response = client.get("/v1/claims.jsonld?limit=5")
    assert len(response.json()["@graph"]) == 5
    assert response.headers["link"].endswith('>; rel="next"')
    assert "/v1/claims.jsonld?limit=5&cursor=" in response.headers["link"]
    # Its schema in the OpenAPI holds: typed nodes under @graph, the @context inline.
    graph = SCHEMAS["claim"].graph.model_validate(response.json())
    assert graph.model_dump(by_alias=True)["@graph"][0]["@type"] == "Claim"


def no_network(url: str, _options: dict[str, Any]) -> Any:
    raise AssertionError(f"the JSON-LD processor tried to load {url}")


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    dropped: list[str | None] = []
    expanded = jsonld.expand(
        document, {"documentLoader": no_network}, on_property_dropped=dropped.append
    )
    assert dropped == [], "JSON-LD expansion dropped properties"
    nodes: list[dict[str, Any]] = expanded
    return nodes


SCHEMA = "https://schema.org/"


def value(node: dict[str, Any], term: str) -> Any:
    [entry] = node[SCHEMA + term]
    return entry.get("@value", entry)


def test_json_ld_claims_expand_without_loss(client: TestClient) -> None:
    claims = {
        c["id"]: c for c in client.get("/v1/claims?limit=500&include=speaker,source").json()["data"]
    }
    nodes = expand(client.get("/v1/claims?format=jsonld&limit=500").json())
    assert len(nodes) == len(claims) == 34
    for node in nodes:
        claim = claims[node["@id"].rsplit("/", 1)[1]]
        assert node["@type"] == [SCHEMA + "Claim"]
        assert value(node, "text") == claim["text"]
        assert node["urn:claimbase:spanStart"] == [{"@value": claim["span"]["start"]}]
        assert node["urn:claimbase:spanEnd"] == [{"@value": claim["span"]["end"]}]
        [author] = node[SCHEMA + "author"]
        if claim["speaker"] is None:
            assert author["@type"] == [SCHEMA + "Organization"]
        else:
            assert author["@type"] == [SCHEMA + "Person"]
            assert value(author, "name") == claim["speaker"]["name"]
        [article] = node[SCHEMA + "appearance"]
        assert article["@type"] == [SCHEMA + "NewsArticle"]
        assert value(article, "headline") == claim["source"]["title"]
        assert article[SCHEMA + "datePublished"] == [
            {
                "@type": "http://www.w3.org/2001/XMLSchema#date",
                "@value": claim["source"]["published_on"],
            }
        ]
        assert value(value(article, "publisher"), "name") == claim["source"]["publisher"]


def test_json_ld_statistics_expand_without_loss(client: TestClient) -> None:
    statistics = {s["id"]: s for s in client.get("/v1/statistics?limit=500").json()["data"]}
    nodes = expand(client.get("/v1/statistics", headers={"Accept": "application/ld+json"}).json())
    assert len(nodes) == len(statistics)
    for node in nodes:
        statistic = statistics[node["@id"].rsplit("/", 1)[1]]
        assert node["@type"] == [SCHEMA + "Observation"]
        assert value(node, "value") == statistic["value"]
        assert value(node, "unitText") == statistic["unit"]
        assert value(node, "measuredProperty") == statistic["indicator"]
        assert value(node, "measurementQualifier") == statistic["modality"]
        assert value(node, "observationAbout") == statistic["entity"]
        assert value(node, "observationDate") == statistic["period"]["end"]
        period = statistic["period"]
        assert value(node, "temporalCoverage") == f"{period['start']}/{period['end']}"
        assert value(node, "about")["@id"].endswith(f"/v1/claims/{statistic['claim_id']}")


@pytest.mark.parametrize("resource", ["speakers", "sources", "topics"])
def test_json_ld_of_other_resources_expands(client: TestClient, resource: str) -> None:
    records = client.get(f"/v1/{resource}?limit=500").json()["data"]
    nodes = expand(client.get(f"/v1/{resource}?format=jsonld&limit=500").json())
    assert sorted(node[SCHEMA + "identifier"][0]["@value"] for node in nodes) == sorted(
        record["id"] for record in records
    )


@pytest.mark.parametrize("resource", RESOURCES)
def test_openapi_declares_every_format(client: TestClient, resource: str) -> None:
    """JSON is the list's 200 (the full page, and the sparse one `fields=` asks for); each
    other format is an operation of its own, with its own media type and schema."""
    paths = client.get("/v1/openapi.json").json()["paths"]
    operation = paths[f"/v1/{resource}"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", SPARSE_MEDIA_TYPE}
    assert "application/problem+json" in operation["responses"]["406"]["content"]
    assert operation["responses"]["308"]["headers"]["Location"]
    (format_parameter,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert format_parameter["deprecated"] is True
    for _, suffix, media_type in FORMAT_OPERATIONS:
        exported = paths[f"/v1/{resource}{suffix}"]["get"]
        (declared,) = exported["responses"]["200"]["content"].items()
        assert declared[0] == media_type.split(";")[0]
        assert "format" not in {p["name"] for p in exported["parameters"]}
    graph = paths[f"/v1/{resource}.jsonld"]["get"]["responses"]["200"]["content"]
    ref = graph["application/ld+json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = client.get("/v1/openapi.json").json()["components"]["schemas"][ref]
    assert schema["required"] == ["@context", "@graph"]
