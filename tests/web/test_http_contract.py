"""Issue 12, the HTTP part, on both databases: Allow on 405 and OPTIONS, repeated parameters,
If-Modified-Since and validators on exports, Cache-Control everywhere, gzip with per-encoding
ETags, trusted hosts, one content-negotiation rule, the URL length limit, Vary: Origin only
where it varies, messages a person reads, and the change feed's `cursor`."""

import gzip
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT, Settings
from app.resources import LIST_FILTERS, SCHEMAS
from app.store.models import Statistic
from app.web.compression import accepts_gzip, gzip_etag
from app.web.guards import MAX_URL_BYTES, repeated_parameters
from tests.conftest import OwnedDatabase, app_on
from tests.support.helpers import (
    WAFERS,
    assert_problem,
    etag_of,
    get_operations,
    ids,
    served_methods,
    walk,
)

RECORD = f"/v1/statistics/{WAFERS}"
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


# -- 1. Allow ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allow"),
    [
        ("/v1/claims/nqpf-21", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        ("/v1/statistics", "GET, HEAD, OPTIONS, POST"),
        ("/v1/statistics/summary", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        ("/v1/changes", "GET, HEAD, OPTIONS"),
        ("/healthz", "GET, HEAD, OPTIONS"),
        ("/static/docs/swagger-ui.css", "GET, HEAD, OPTIONS"),
    ],
)
def test_405_and_options_list_every_method_of_the_path(
    client: TestClient, url: str, allow: str
) -> None:
    refused = client.put(url, json={})
    assert_problem(refused, 405, "method-not-allowed")
    assert refused.headers["allow"] == allow
    options = client.options(url)
    assert options.status_code == 204
    assert options.headers["allow"] == allow
    assert options.content == b""


@pytest.mark.parametrize(("name", "url"), get_operations())
def test_allow_is_what_the_routes_serve(client: TestClient, name: str, url: str) -> None:
    served = served_methods(url)
    expected = sorted({*served, "HEAD", "OPTIONS"})
    assert client.options(url).headers["allow"].split(", ") == expected, name


def test_options_of_an_unserved_path_is_404(client: TestClient) -> None:
    assert_problem(client.options("/nowhere"), 404, "not-found")


def test_a_cors_preflight_is_still_answered_by_cors(client: TestClient) -> None:
    preflight = client.options(
        "/v1/claims/nqpf-21",
        headers={"Origin": "https://any.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


# -- 2. Repeated parameters -------------------------------------------------------------------


def test_a_repeated_list_filter_is_any_of_like_a_comma(client: TestClient) -> None:
    repeated = client.get("/v1/claims?kind=direct_quote&kind=paraphrase&limit=500")
    comma = client.get("/v1/claims?kind=direct_quote,paraphrase&limit=500")
    assert ids(repeated) == ids(comma)
    kinds = {claim["kind"] for claim in repeated.json()["data"]}
    assert kinds == {"direct_quote", "paraphrase"}
    assert repeated.headers["etag"] == comma.headers["etag"]


def test_a_repeated_list_filter_pages_like_the_comma_form(client: TestClient) -> None:
    records = walk(client, "/v1/claims?kind=direct_quote&limit=3&kind=paraphrase")
    expected = walk(client, "/v1/claims?kind=direct_quote,paraphrase&limit=3")
    assert [r["id"] for r in records] == [r["id"] for r in expected]


def test_repeated_filters_work_on_the_summary_too(client: TestClient) -> None:
    url = "/v1/statistics/summary?group_by=unit"
    repeated = client.get(f"{url}&unit=percent&unit=rank")
    assert repeated.status_code == 200, repeated.text
    assert repeated.json() == client.get(f"{url}&unit=percent,rank").json()


@pytest.mark.parametrize(
    "query",
    [
        "/v1/statistics?value_gte=5&value_gte=30",
        "/v1/claims?limit=5&limit=10",
        "/v1/claims?sort=kind&sort=-id",
        "/v1/claims?cursor=a&cursor=b",
        "/v1/claims?q=china&q=trade",
        "/v1/claims/nqpf-21?include=speaker&include=source",
        "/v1/changes?limit=1&limit=2",
    ],
)
def test_a_repeated_scalar_is_a_400_naming_it(client: TestClient, query: str) -> None:
    name = query.split("?")[1].split("=")[0]
    body = assert_problem(client.get(query), 400, "invalid-parameter", name)
    assert "given 2 times" in body["detail"]


def test_the_rule_reads_names_as_the_api_does() -> None:
    joined, refused = repeated_parameters(b"kin%64=a&x=1&kind=b&x=2", frozenset({"kind"}))
    assert joined == b"kin%64=a,b&x=1&x=2"
    assert refused == [("x", 2)]
    assert repeated_parameters(b"kind=a", frozenset({"kind"})) == (b"kind=a", [])


def test_list_filters_are_list_valued_wherever_they_appear() -> None:
    """A name joined as a list must be a comma-separated filter on every operation."""
    for schemas in SCHEMAS.values():
        for model in (schemas.list_params, schemas.get_params):
            for name, info in model.model_fields.items():
                if name in LIST_FILTERS:
                    assert "Comma-separated values match any of them" in str(info.description)


# -- 3. Conditional requests and caching ------------------------------------------------------


def _age(session: Session, days: int = 2) -> datetime:
    """Make the wafer figure's current version `days` old; its time, to the second."""
    moment = (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=250_000)
    session.execute(update(Statistic).where(Statistic.id == WAFERS).values(updated_at=moment))
    session.flush()
    return moment.replace(microsecond=0)


def test_if_modified_since_is_honoured_where_last_modified_is_sent(
    client: TestClient, session: Session
) -> None:
    moment = _age(session)
    first = client.get(RECORD)
    assert parsedate_to_datetime(first.headers["last-modified"]) == moment
    same = client.get(RECORD, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == first.headers["etag"]
    later = format_datetime(moment + timedelta(hours=1), usegmt=True)
    assert client.get(RECORD, headers={"If-Modified-Since": later}).status_code == 304
    earlier = format_datetime(moment - timedelta(seconds=1), usegmt=True)
    assert client.get(RECORD, headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get(RECORD, headers={"If-Modified-Since": "yesterday"}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(client: TestClient, session: Session) -> None:
    _age(session)
    future = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    headers = {"If-Modified-Since": future, "If-None-Match": '"other"'}
    assert client.get(RECORD, headers=headers).status_code == 200


def test_a_fresh_version_has_no_last_modified_yet(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    """One-second dates cannot tell apart versions made within a second: a current version
    gets its Last-Modified once it has settled (a minute), and the ETag is always there."""
    patched = client.patch(
        RECORD,
        json={"modality": "approximate", "reason": "r"},
        headers={**write_headers, "If-Match": etag_of(client, RECORD)},
    )
    assert patched.status_code == 200
    response = client.get(RECORD)
    assert "last-modified" not in response.headers
    assert response.headers["etag"] == f'"statistic-{WAFERS}-v2"'
    future = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    assert client.get(RECORD, headers={"If-Modified-Since": future}).status_code == 200


def test_a_version_always_has_its_last_modified(client: TestClient) -> None:
    version = client.get(f"{RECORD}/versions/1")
    modified = version.headers["last-modified"]
    assert (
        client.get(f"{RECORD}/versions/1", headers={"If-Modified-Since": modified}).status_code
        == 304
    )


def test_embedding_records_drops_last_modified(client: TestClient, session: Session) -> None:
    _age(session)
    assert "last-modified" not in client.get(f"{RECORD}?include=claim").headers


@pytest.mark.parametrize("media", ["csv", "ndjson"])
def test_exports_carry_a_validator_and_answer_304(client: TestClient, media: str) -> None:
    url = f"/v1/claims?topic=semiconductors&format={media}"
    first = client.get(url, headers=IDENTITY)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    unchanged = client.get(url, headers={**IDENTITY, "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert "Accept" in unchanged.headers["vary"]
    page = client.get("/v1/claims?topic=semiconductors&format=json", headers=IDENTITY)
    assert page.headers["etag"] != etag


def test_an_export_etag_follows_the_data(client: TestClient, write_headers: dict[str, str]) -> None:
    url = "/v1/statistics?format=csv"
    before = client.get(url).headers["etag"]
    client.patch(
        RECORD,
        json={"modality": "approximate", "reason": "r"},
        headers={**write_headers, "If-Match": etag_of(client, RECORD)},
    )
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert "approximate" in after.text


@pytest.mark.parametrize(
    ("url", "policy"),
    [
        ("/v1/openapi.json", "no-cache"),
        ("/docs", "no-cache"),
        ("/redoc", "no-cache"),
        ("/static/docs/swagger-ui-bundle.js", "no-cache"),
        ("/static/docs/redoc.standalone.js", "no-cache"),
        ("/explorer/", "no-cache"),
        ("/problems/not-found", "no-cache"),
        ("/healthz", "no-store"),
        ("/readyz", "no-store"),
    ],
)
def test_every_response_states_a_cache_policy(client: TestClient, url: str, policy: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == policy


@pytest.mark.parametrize(
    "url", ["/v1/openapi.json", "/static/docs/swagger-ui.css", "/static/docs/swagger-ui-bundle.js"]
)
def test_the_documents_and_assets_revalidate_with_a_304(client: TestClient, url: str) -> None:
    for headers in (IDENTITY, GZIP):
        first = client.get(url, headers=headers)
        again = client.get(url, headers={**headers, "If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, headers
        assert again.headers["etag"] == first.headers["etag"]


# -- 4. Compression ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/v1/claims?limit=100", "/v1/openapi.json", RECORD + "?include=claim"]
)
def test_large_responses_are_gzipped_with_their_own_etag(client: TestClient, url: str) -> None:
    plain = client.get(url, headers=IDENTITY)
    packed = client.get(url, headers=GZIP)
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    for response in (plain, packed):
        assert "Accept-Encoding" in response.headers["vary"]
    assert packed.content == plain.content  # httpx decodes
    assert packed.headers["etag"] == gzip_etag(plain.headers["etag"])
    assert packed.headers["etag"].endswith('-gzip"')
    assert int(packed.headers["content-length"]) < len(plain.content)


@pytest.mark.parametrize("url", ["/v1/claims?limit=100", RECORD + "?include=claim"])
def test_if_none_match_works_with_either_etag(client: TestClient, url: str) -> None:
    plain = client.get(url, headers=IDENTITY).headers["etag"]
    packed = client.get(url, headers=GZIP).headers["etag"]
    for sent, headers, answered in [
        (packed, GZIP, packed),
        (plain, IDENTITY, plain),
        (plain, GZIP, plain),
        (f"W/{packed}", GZIP, packed),
    ]:
        response = client.get(url, headers={**headers, "If-None-Match": sent})
        assert response.status_code == 304, sent
        assert response.headers["etag"] == answered
        assert "Accept-Encoding" in response.headers["vary"]


def test_if_match_takes_the_gzip_etag_too(
    client: TestClient, write_headers: dict[str, str]
) -> None:
    etag = gzip_etag(etag_of(client, RECORD))
    patched = client.patch(
        RECORD,
        json={"modality": "approximate", "reason": "r"},
        headers={**write_headers, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text


def test_small_responses_are_not_compressed_but_vary(client: TestClient) -> None:
    response = client.get(RECORD, headers=GZIP)
    assert len(response.content) < 1024
    assert "content-encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["vary"]
    assert response.headers["etag"] == f'"statistic-{WAFERS}-v1"'


def test_exports_are_compressed_as_they_stream(client: TestClient) -> None:
    plain = client.get("/v1/claims?format=ndjson", headers=IDENTITY)
    with client.stream("GET", "/v1/claims?format=ndjson", headers=GZIP) as packed:
        assert packed.headers["content-encoding"] == "gzip"
        assert "content-length" not in packed.headers
        raw = b"".join(packed.iter_raw())
    assert gzip.decompress(raw) == plain.content


def test_head_reports_what_a_gzip_get_gets(client: TestClient) -> None:
    got, head = client.get("/v1/claims", headers=GZIP), client.head("/v1/claims", headers=GZIP)
    assert head.content == b""
    for name in ("content-encoding", "content-length", "etag", "vary"):
        assert head.headers.get(name) == got.headers.get(name), name


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*;q=0", False),
        ("deflate, gzip;q=0, *", False),
        ("", False),
    ],
)
def test_accept_encoding_is_read_with_its_qualities(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


# -- 5. Trusted hosts -------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "testserver.evil.example"])
def test_an_untrusted_host_is_refused_before_any_link_is_built(
    client: TestClient, host: str
) -> None:
    response = client.get("/v1/claims?limit=1", headers={"Host": host})
    body = assert_problem(response, 400, "invalid-host", "host")
    assert "evil" not in response.headers.get("link", "")
    assert "evil" not in body["instance"]


def test_a_trusted_host_builds_the_links(client: TestClient) -> None:
    link = client.get("/v1/claims?limit=1").headers["link"]
    assert link.startswith("<http://testserver/v1/claims?")


def test_probes_answer_any_host(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_trusted_hosts_patterns(owned_database: OwnedDatabase) -> None:
    settings = Settings(trusted_hosts=["api.example.org", "*.claims.example"])
    with TestClient(app_on(owned_database.engine, settings)) as client:
        for host, status in [
            ("api.example.org", 200),
            ("API.example.org:443", 200),
            ("eu.claims.example", 200),
            ("claims.example", 400),
            ("testserver", 400),
        ]:
            response = client.get("/v1/topics", headers={"Host": host})
            assert response.status_code == status, host


# -- 6. One content-negotiation rule ----------------------------------------------------------

JSON_ONLY = [
    RECORD,
    f"{RECORD}/versions",
    f"{RECORD}/versions/1",
    "/v1/changes",
    "/v1/search?q=china",
    "/v1/statistics/summary?group_by=unit",
    "/healthz",
    "/readyz",
]


@pytest.mark.parametrize("url", JSON_ONLY)
@pytest.mark.parametrize("accept", ["application/xml", "text/csv", "application/json;q=0"])
def test_an_unsupported_accept_is_406_everywhere(client: TestClient, url: str, accept: str) -> None:
    response = client.get(url, headers={"Accept": accept})
    body = assert_problem(response, 406, "not-acceptable")
    assert "application/json" in body["detail"]


@pytest.mark.parametrize("url", JSON_ONLY)
@pytest.mark.parametrize(
    "accept", ["application/json", "*/*", "application/*", "text/html, */*;q=0.1", ""]
)
def test_json_is_served_to_whatever_accepts_it(client: TestClient, url: str, accept: str) -> None:
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"


def test_writes_negotiate_alike(client: TestClient, write_headers: dict[str, str]) -> None:
    response = client.patch(
        RECORD,
        json={"value": 1.0, "reason": "r"},
        headers={**write_headers, "If-Match": "*", "Accept": "application/xml"},
    )
    assert_problem(response, 406, "not-acceptable")
    assert client.get(RECORD).json()["version"] == 1


# -- 7. The URL length limit ------------------------------------------------------------------


def test_a_url_over_the_limit_is_a_414_problem(client: TestClient) -> None:
    response = client.get("/v1/claims?q=" + "a" * MAX_URL_BYTES)
    body = assert_problem(response, 414, "uri-too-long")
    assert body["instance"] == "/v1/claims"  # the query is not echoed back
    assert len(response.content) < 1000
    assert client.get("/v1/claims?q=" + "a" * 400).status_code == 200


# -- 8. Vary: Origin --------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [None, "https://any.example"])
def test_with_any_origin_allowed_nothing_varies_on_origin(
    client: TestClient, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin else {}
    for url in ("/v1/claims", f"{RECORD}/versions/1", "/v1/claims?limit=0"):
        response = client.get(url, headers=headers)
        assert response.headers["access-control-allow-origin"] == "*"
        assert "origin" not in response.headers.get("vary", "").lower(), url


def test_configured_origins_still_vary(owned_database: OwnedDatabase) -> None:
    settings = Settings(cors_origins=["https://app.example"])
    with TestClient(app_on(owned_database.engine, settings)) as client:
        response = client.get("/v1/topics", headers={"Origin": "https://app.example"})
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert "Origin" in response.headers["vary"]


# -- 14. Messages a person reads --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name", "message"),
    [
        ("/v1/claims?q=" + "a" * 501, "q", "must be at most 500 characters, not 501"),
        ("/v1/claims?q=", "q", "must be at least 1 character, not 0"),
        ("/v1/speakers?q=", "q", "must be at least 1 character, not 0"),
        (
            "/v1/claims?sort=name",
            "sort",
            "must be fields from `id`, `kind`, `position`, `relevance`, comma-separated, each "
            "at most once and prefixed with `-` for descending",
        ),
        (
            "/v1/claims?kind=quote",
            "kind",
            "must be one or more of `direct_quote`, `paraphrase`, `author_statement`, "
            "comma-separated",
        ),
        (
            "/v1/claims/nqpf-21?include=statistic",
            "include",
            "must be one or more of `speaker`, `source`, `statistics`, `reviews`, `context`, "
            "`source.text`, comma-separated",
        ),
        (
            "/v1/statistics?facets=kind",
            "facets",
            "must be one or more of `indicator`, `entity`, `unit`, `modality`, comma-separated",
        ),
        (
            "/v1/claims?as_of=2024-05-20T12:00:00+00:00",
            "as_of",
            "the offset's `+` arrived as a space, as an unencoded `+` in a URL does: send it "
            "as `%2B` (2024-05-20T12:00:00%2B00:00)",
        ),
    ],
)
def test_messages_name_what_is_allowed(
    client: TestClient, url: str, name: str, message: str
) -> None:
    body = assert_problem(client.get(url), 400, "invalid-parameter", name)
    assert [e["message"] for e in body["errors"] if e["name"] == name] == [message]
    assert "^" not in body["detail"]


@pytest.mark.parametrize(
    ("url", "unknown", "guess"),
    [
        ("/v1/claims?lmit=5", "lmit", "limit"),
        ("/v1/claims?Limit=5", "Limit", "limit"),
        ("/v1/statistics?value_ge=5", "value_ge", "value_gte"),
        ("/v1/changes?since_=x", "since_", "since"),
        ("/v1/claims?colour=red", "colour", None),
    ],
)
def test_an_unknown_parameter_gets_a_guess_and_the_valid_names(
    client: TestClient, url: str, unknown: str, guess: str | None
) -> None:
    body = assert_problem(client.get(url), 400, "invalid-parameter", unknown)
    message = body["errors"][0]["message"]
    assert message.startswith("Unknown parameter")
    assert ("did you mean" in message) is (guess is not None)
    if guess is not None:
        assert f"did you mean `{guess}`?" in message
    assert "Valid parameters: " in message
    assert "limit" in message.split("Valid parameters: ")[1]


def test_an_operation_without_parameters_says_so(client: TestClient) -> None:
    body = assert_problem(client.get("/healthz?verbose=1"), 400, "invalid-parameter", "verbose")
    assert body["errors"][0]["message"] == (
        "Unknown parameter: this operation takes no query parameters"
    )


@pytest.mark.parametrize("if_match", ["claim-nqpf-21-v2", f"statistic-{WAFERS}-v1", "v1", '"a", b'])
def test_an_unquoted_if_match_is_a_400_not_a_412(
    client: TestClient, write_headers: dict[str, str], if_match: str
) -> None:
    response = client.patch(
        RECORD, json={"value": 1.0, "reason": "r"}, headers={**write_headers, "If-Match": if_match}
    )
    body = assert_problem(response, 400, "invalid-parameter", "if-match")
    assert f'"statistic-{WAFERS}-v1"' in body["detail"]
    assert client.get(RECORD).json()["version"] == 1


# -- 15. The change feed's cursor -------------------------------------------------------------


def test_the_feed_takes_its_cursor_as_cursor(client: TestClient) -> None:
    first = client.get("/v1/changes?limit=2")
    cursor = first.json()["next_cursor"]
    link = first.headers["link"]
    assert re.search(r"[?&]cursor=", link)
    assert "since=" not in link
    second = client.get("/v1/changes", params={"limit": 2, "cursor": cursor})
    assert second.status_code == 200
    assert "deprecation" not in second.headers
    assert second.json()["data"][0] != first.json()["data"][0]


def test_since_still_works_as_a_deprecated_alias(client: TestClient) -> None:
    cursor = client.get("/v1/changes?limit=2").json()["next_cursor"]
    old = client.get("/v1/changes", params={"limit": 2, "since": cursor})
    new = client.get("/v1/changes", params={"limit": 2, "cursor": cursor})
    assert old.json() == new.json()
    assert old.headers["deprecation"].startswith("@")
    assert old.headers["sunset"].endswith("GMT")
    assert "since=" not in old.headers["link"]
    both = client.get("/v1/changes", params={"since": cursor, "cursor": cursor})
    assert_problem(both, 400, "invalid-parameter", "since")
    assert_problem(client.get("/v1/changes?cursor=nonsense"), 400, "invalid-cursor", "cursor")


def test_the_openapi_keeps_since_as_a_time_and_names_the_cursor_alias(
    client: TestClient,
) -> None:
    operation = client.get("/v1/openapi.json").json()["paths"]["/v1/changes"]["get"]
    parameters: dict[str, Any] = {p["name"]: p for p in operation["parameters"]}
    assert not parameters["since"].get("deprecated", False)
    assert "RFC 3339" in parameters["since"]["description"]
    assert "deprecated old name of `cursor`" in parameters["since"]["description"]
    assert not parameters["cursor"].get("deprecated", False)


# -- 16. Commands that work from a fresh clone ------------------------------------------------


def test_the_readme_runs_the_app_through_the_virtualenv_or_make() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    for line in readme.splitlines():
        if re.search(r"(?<![/\w])python3? -m (app|seed)\b", line):
            raise AssertionError(f"a bare `python -m` fails outside the virtualenv: {line}")
    assert "make -s key NAME=" in readme
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"^key: migrate ", makefile, re.M)
