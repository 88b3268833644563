"""Sparse records: `fields=` keeps only the members it names (and `id`), on every resource's
list, record, nested list and version, served as their own media type."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.resources import RESOURCES
from app.web.negotiation import SPARSE_MEDIA_TYPE
from tests.support.helpers import SAMPLE_PATH_PARAMETERS, assert_problem, etag_of

CLAIM = "/v1/claims/nqpf-21"
# Each resource's record, and the one member (besides `id`) asked for.
RECORDS = {
    resource.plural: (
        f"/v1/{resource.plural}/{SAMPLE_PATH_PARAMETERS[f'{name}_id']}",
        resource.field_names()[1],
    )
    for name, resource in RESOURCES.items()
}


def sparse(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == SPARSE_MEDIA_TYPE
    return response.json()


@pytest.mark.parametrize("plural", list(RECORDS))
def test_every_list_and_record_keeps_only_the_fields_asked_and_id(
    client: TestClient, plural: str
) -> None:
    record, member = RECORDS[plural]
    assert set(sparse(client.get(record, params={"fields": member}))) == {"id", member}
    page = sparse(client.get(f"/v1/{plural}", params={"fields": f"{member},version"}))
    assert page["data"]
    assert all(set(document) == {"id", member, "version"} for document in page["data"])
    assert "next_cursor" in page
    whole = client.get(record)
    assert whole.headers["content-type"] == "application/json"
    assert sparse(client.get(record, params={"fields": member}))[member] == whole.json()[member]


def test_nested_lists_and_versions_are_sparse_too(client: TestClient) -> None:
    reviews = sparse(client.get("/v1/claims/nqpf-11/reviews?fields=rating"))["data"]
    assert reviews
    assert all(set(review) == {"id", "rating"} for review in reviews)
    version = sparse(client.get(f"{CLAIM}/versions/1?fields=text"))
    assert set(version) == {"id", "text"}
    past = sparse(client.get(CLAIM, params={"fields": "kind", "as_of": "2100-01-01T00:00:00Z"}))
    assert past == {"id": "nqpf-21", "kind": client.get(CLAIM).json()["kind"]}


def test_what_include_and_q_add_stays(client: TestClient) -> None:
    document = sparse(client.get(f"{CLAIM}?fields=text&include=speaker,context"))
    assert set(document) == {"id", "text", "speaker", "context"}
    # An embedded record is whole (less what it leaves out where embedded).
    assert document["speaker"] == client.get("/v1/speakers/michael-dunford").json()
    found = sparse(client.get("/v1/claims?q=semiconductor&fields=kind"))["data"]
    assert found
    assert all(set(claim) == {"id", "kind", "snippet"} for claim in found)


def test_pages_follow_with_the_same_or_other_fields(client: TestClient) -> None:
    first = sparse(client.get("/v1/claims?fields=kind&limit=3"))
    assert first["next_cursor"]
    assert "fields=kind" in client.get("/v1/claims?fields=kind&limit=3").headers["link"]
    after = {"cursor": first["next_cursor"], "limit": 3}
    plain = client.get("/v1/claims", params=after).json()["data"]
    other = sparse(client.get("/v1/claims", params={**after, "fields": "text"}))["data"]
    assert [c["id"] for c in other] == [c["id"] for c in plain]
    assert other[0] == {"id": plain[0]["id"], "text": plain[0]["text"]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fields=id,txt", "unknown field 'txt'; did you mean text?"),
        ("fields=speaker", "unknown field 'speaker'; did you mean speaker_id?"),
        ("fields=zzz", "the known ones are citation, created_at, id, kind"),
        ("fields=", "must name one or more fields"),
        ("fields=id,,text", "must name one or more fields"),
        ("fields=id&fields=text", "given 2 times; send it once"),
    ],
)
def test_unknown_empty_or_repeated_fields_are_refused(
    client: TestClient, query: str, message: str
) -> None:
    for url in ("/v1/claims", CLAIM):
        body = assert_problem(client.get(f"{url}?{query}"), 400, "invalid-parameter", "fields")
        assert message in body["detail"], body["detail"]


def test_format_operations_refuse_fields(client: TestClient) -> None:
    for suffix in (".csv", ".ndjson", ".jsonld"):
        response = client.get(f"/v1/claims{suffix}?fields=id")
        body = assert_problem(response, 400, "invalid-parameter", "fields")
        assert "Unknown parameter" in body["detail"]
    # The deprecated `format=` is refused at once, not redirected to a path that refuses it.
    for media in ("csv", "ndjson", "jsonld"):
        response = client.get(f"/v1/claims?format={media}&fields=id", follow_redirects=False)
        assert_problem(response, 400, "invalid-parameter", "fields")
    redirected = client.get("/v1/claims?format=json&fields=id", follow_redirects=False)
    assert redirected.status_code == 308
    for accept in ("text/csv", "application/x-ndjson", "application/ld+json"):
        response = client.get("/v1/claims?fields=id", headers={"Accept": accept})
        body = assert_problem(response, 400, "invalid-parameter", "fields")
        assert "sparse records are JSON only" in body["detail"]


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*", SPARSE_MEDIA_TYPE])
def test_sparse_answers_any_json_accept(client: TestClient, accept: str) -> None:
    for url in ("/v1/claims?fields=kind", f"{CLAIM}?fields=kind", f"{CLAIM}/versions/1?fields=id"):
        sparse(client.get(url, headers={"Accept": accept}))


def test_the_sparse_type_alone_needs_fields(client: TestClient) -> None:
    for url in ("/v1/claims", CLAIM, f"{CLAIM}/versions/1"):
        response = client.get(url, headers={"Accept": SPARSE_MEDIA_TYPE})
        assert_problem(response, 406, "not-acceptable")
    assert_problem(
        client.get(f"{CLAIM}?fields=id", headers={"Accept": "text/csv"}), 406, "not-acceptable"
    )


@pytest.mark.parametrize(
    "accept",
    [
        f"application/json, {SPARSE_MEDIA_TYPE};q=0",
        f"{SPARSE_MEDIA_TYPE};q=0, application/json",
        "application/*;q=0, application/json",
    ],
)
def test_an_accept_that_refuses_the_sparse_type_is_a_406(client: TestClient, accept: str) -> None:
    for url in ("/v1/claims?fields=kind", f"{CLAIM}?fields=kind", f"{CLAIM}/versions/1?fields=id"):
        body = assert_problem(client.get(url, headers={"Accept": accept}), 406, "not-acceptable")
        assert SPARSE_MEDIA_TYPE in body["detail"]
        # Without `fields` the same Accept is served JSON (or refuses JSON's own range too).
        if "application/*;q=0" not in accept:
            plain = client.get(url.split("?")[0], headers={"Accept": accept})
            assert plain.headers["content-type"] == "application/json"


def test_sparse_answers_are_compressed_like_json(client: TestClient) -> None:
    source = RECORDS["sources"][0]
    for url in ("/v1/claims?limit=50&fields=text", f"{source}?fields=text"):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["vary"]
        sparse(response)
    # Below the minimum size it is sent as is, and still says that it varies.
    small = client.get(f"{CLAIM}?fields=kind", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert small.headers["vary"] == "Accept-Encoding"


def test_if_match_with_a_sparse_etag_says_to_send_the_whole_records(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    url = "/v1/speakers/michael-dunford"
    sparse_tag = etag_of(client, f"{url}?fields=title")
    response = client.patch(
        url,
        json={"title": "Emeritus professor", "reason": "r"},
        headers={**write_headers, "If-Match": sparse_tag},
    )
    body = assert_problem(response, 412, "precondition-failed")
    whole = etag_of(client, url)
    assert response.headers["etag"] == whole
    assert "sparse record's ETag" in body["detail"]
    assert whole in body["detail"]


def test_each_set_of_fields_has_its_own_etag(client: TestClient) -> None:
    whole = etag_of(client, CLAIM)
    text = etag_of(client, f"{CLAIM}?fields=text")
    kind = etag_of(client, f"{CLAIM}?fields=kind")
    assert len({whole, text, kind}) == 3
    # The same representation, however the list is written, has the same tag.
    assert etag_of(client, f"{CLAIM}?fields=text,id") == text
    assert text.startswith('"claim-nqpf-21-v')
    again = client.get(f"{CLAIM}?fields=text", headers={"If-None-Match": text})
    assert again.status_code == 304
    assert client.get(f"{CLAIM}?fields=kind", headers={"If-None-Match": text}).status_code == 200
    assert client.get(CLAIM, headers={"If-None-Match": text}).status_code == 200
    lists = {etag_of(client, f"/v1/claims{q}") for q in ("", "?fields=text", "?fields=kind")}
    assert len(lists) == 3
    embedded = {etag_of(client, f"{CLAIM}?include=speaker{q}") for q in ("", "&fields=text")}
    assert len(embedded) == 2


def test_the_openapi_declares_fields_and_the_sparse_schemas() -> None:
    document = app.openapi()
    schemas = document["components"]["schemas"]
    declared = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            names = {p["name"]: p for p in operation.get("parameters", [])}
            content = operation["responses"].get("200", {}).get("content", {})
            if "fields" not in names:
                assert SPARSE_MEDIA_TYPE not in content, path
                continue
            declared += 1
            assert method == "get"
            assert names["fields"]["schema"]["pattern"].startswith("^(id|")
            full = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            thin = content[SPARSE_MEDIA_TYPE]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert thin == full.replace("Read", "SparseRead").replace("Page", "SparsePage")
            if full.endswith("Read"):
                assert schemas[thin]["properties"] == schemas[full]["properties"]
                assert schemas[thin]["required"] == ["id"]
                assert set(schemas[full]["required"]) > {"id", "version"}
    # A list, a record and a version per resource, and the nested review lists.
    assert declared == 3 * len(RESOURCES) + 2
    for suffix in (".csv", ".ndjson", ".jsonld"):
        parameters = document["paths"][f"/v1/claims{suffix}"]["get"]["parameters"]
        assert "fields" not in {p["name"] for p in parameters}
