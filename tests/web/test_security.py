"""Security: response headers, no details in errors, 503 only for lost connections, rate limits,
CORS, and proof that no request value reaches SQL as statement text."""

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT, Settings
from app.resources import RESOURCES, STATISTIC
from app.store.engine import build_engine, is_unavailable
from app.web.ratelimit import TokenBuckets
from app.web.security import script_hashes
from app.write.auth import create_key
from tests.conftest import OwnedDatabase, app_on
from tests.support.helpers import assert_problem
from tests.support.operations import GETS, JSON_LISTS, LISTS, Operation
from tests.support.servers import free_port

# -- headers ----------------------------------------------------------------------------------

EVERY_KIND_OF_RESPONSE = [
    *(op.path for op in LISTS),
    *(op.url("nqpf-01") for op in GETS),
    "/healthz",
    "/v1/openapi.json",
    "/docs",
    "/redoc",
    "/static/docs/swagger-ui.css",
    "/problems/not-found",
    "/v1/claims?limit=0",
    "/nowhere",
]


@pytest.mark.parametrize("url", EVERY_KIND_OF_RESPONSE)
def test_every_response_carries_the_security_headers(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" in response.headers
    assert "server" not in response.headers
    if response.status_code >= 400 or url in ("/healthz", "/readyz"):
        assert response.headers["cache-control"] == "no-store"
    else:
        assert "no-store" not in response.headers["cache-control"]


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in policy.split(";") if directive.strip())
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_pages_run_only_their_own_scripts(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    policy = _directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Every inline script is allowed by its exact hash, and nothing else inline is.
    hashes = script_hashes(response.content)
    assert hashes == [source for source in policy["script-src"] if source.startswith("'sha256-")]
    assert (page == "/docs") == bool(hashes)
    # Every script and stylesheet the page loads is served here ('self'), and exists.
    for asset in re.findall(r'(?:src|href)="([^"]+)"', response.text):
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset


def test_uvicorn_is_started_without_a_server_header_everywhere() -> None:
    candidates = [
        "Makefile", "Dockerfile", "bench/load.py", "tests/support/servers.py",
    ]  # fmt: skip
    launchers = [PROJECT_ROOT / name for name in candidates if (PROJECT_ROOT / name).exists()]
    assert PROJECT_ROOT / "Makefile" in launchers
    assert PROJECT_ROOT / "Dockerfile" in launchers
    for path in launchers:
        source = path.read_text()
        # `python -m app serve` starts uvicorn with app/serving.py's options (checked below);
        # the tests' servers (and so bench/load.py) with their command-line form.
        if "python -m app serve" in source or "server_process" in source:
            continue
        assert "cli_arguments()" in source or "UVICORN_OPTIONS" in source, path
    assert "UVICORN_OPTIONS" in (PROJECT_ROOT / "app" / "__main__.py").read_text()
    assert '"server_header": False' in (PROJECT_ROOT / "app" / "serving.py").read_text()


# -- errors tell nothing about the internals --------------------------------------------------

LEAKS = ["SELECT", "FROM ", "claim_topic", "Traceback", "sqlalchemy", "sqlite3", "psycopg", "File "]


def test_a_database_error_is_a_bare_500(client: TestClient, session: Session) -> None:
    # A missing table is a bug (500), not an outage (503), on both backends, even though
    # SQLite reports it as an OperationalError.
    session.execute(text("DROP TABLE claim_topic"))
    response = client.get("/v1/claims")
    body = assert_problem(response, 500, "internal-error")
    assert body["detail"] == "An unexpected error occurred."
    assert "retry-after" not in response.headers
    for leak in LEAKS:
        assert leak not in response.text


def _error_of(engine: Engine, statement: str | None = None) -> SQLAlchemyError:
    """The error that connecting (and running `statement`) on `engine` raises."""
    try:
        with engine.connect() as connection:
            if statement is not None:
                connection.execute(text(statement))
    except SQLAlchemyError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("no error")


def _sqlite_syntax_error(tmp_path: Path) -> SQLAlchemyError:
    return _error_of(build_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"), "SELEC 1")


def _sqlite_missing_file(tmp_path: Path) -> SQLAlchemyError:
    missing = f"sqlite:///{tmp_path / 'missing.sqlite'}"
    return _error_of(build_engine(missing, create_missing=False))


def _sqlite_locked(tmp_path: Path) -> SQLAlchemyError:
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        return _error_of(engine, "SELECT * FROM t")
    finally:
        holder.close()


def _postgres_refused(_: Path) -> SQLAlchemyError:
    nobody = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres"
    return _error_of(build_engine(nobody))


ERRORS = [
    (_sqlite_syntax_error, False),
    (_sqlite_missing_file, True),
    (_sqlite_locked, True),
    (_postgres_refused, True),
]


@pytest.mark.parametrize(
    ("make_error", "unavailable"), ERRORS, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_only_connection_errors_mean_unavailable(
    tmp_path: Path, make_error: Any, unavailable: bool
) -> None:
    assert is_unavailable(make_error(tmp_path)) is unavailable


def test_a_postgres_syntax_error_is_not_unavailable(seeded_engine: Engine) -> None:
    with seeded_engine.connect() as connection:
        with pytest.raises(SQLAlchemyError) as caught:
            connection.execute(text("SELEC 1"))
        assert not is_unavailable(caught.value)


# -- rate limits ------------------------------------------------------------------------------

LIMITED = Settings(
    rate_limit_enabled=True,
    rate_limit_writes_per_minute=6,
    rate_limit_expensive_reads_per_minute=6,
    rate_limit_burst=3,
)
EXPENSIVE_READS = [
    "/v1/claims?count=true",
    "/v1/claims?q=growth",
    "/v1/claims?limit=200",
    "/v1/claims/nqpf-21/versions?count=true",
    "/v1/claims.csv",
    "/v1/statistics.ndjson",
    "/v1/topics.jsonld",
]


@pytest.fixture
def limited(owned_database: OwnedDatabase) -> Iterator[TestClient]:
    with TestClient(app_on(owned_database.engine, LIMITED)) as client:
        yield client


@pytest.mark.parametrize("url", EXPENSIVE_READS)
def test_expensive_reads_are_limited_per_address(limited: TestClient, url: str) -> None:
    for _ in range(LIMITED.rate_limit_burst):
        assert limited.get(url).status_code == 200
    response = limited.get(url)
    assert_problem(response, 429, "too-many-requests")
    assert int(response.headers["retry-after"]) >= 1
    # ...as its operation declares, with its Retry-After.
    path = url.split("?")[0].replace("nqpf-21", "{claim_id}")
    declared = limited.get("/v1/openapi.json").json()["paths"][path]["get"]["responses"]["429"]
    assert declared["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}
    # Cheap reads are never limited.
    for _ in range(10):
        assert limited.get("/v1/claims?limit=10").status_code == 200


@pytest.fixture(scope="module")
def write_keys(owned_database: OwnedDatabase) -> dict[str, str]:
    with owned_database.engine.begin() as connection:
        return {name: create_key(connection, name, "write") for name in ("key-a", "key-b")}


def _post(client: TestClient, token: str) -> httpx.Response:
    # An empty body: a valid key gets 422, an invalid one 401; nothing is ever written.
    response: httpx.Response = client.post(
        "/v1/claims", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    return response


def test_writes_are_limited_per_api_key(limited: TestClient, write_keys: dict[str, str]) -> None:
    for _ in range(LIMITED.rate_limit_burst):
        assert_problem(_post(limited, write_keys["key-a"]), 422, "invalid-body")
    response = _post(limited, write_keys["key-a"])
    assert_problem(response, 429, "too-many-requests")
    assert int(response.headers["retry-after"]) >= 1
    # Another key has its own budget.
    assert_problem(_post(limited, write_keys["key-b"]), 422, "invalid-body")


def test_unknown_keys_share_the_address_budget(
    limited: TestClient, write_keys: dict[str, str]
) -> None:
    # Each invented key is new, yet all of them spend this client address's one budget.
    for attempt in range(LIMITED.rate_limit_burst):
        assert_problem(_post(limited, f"cb_invented-{attempt}"), 401, "unauthorized")
    assert_problem(_post(limited, "cb_invented-again"), 429, "too-many-requests")
    assert_problem(_post(limited, ""), 429, "too-many-requests")  # no key at all: the same
    # A valid key is not held back by what others sent from the address.
    assert_problem(_post(limited, write_keys["key-a"]), 422, "invalid-body")


def test_token_bucket_refills_at_the_configured_rate() -> None:
    buckets = TokenBuckets(per_minute=60, burst=2)
    assert buckets.take("a", now=0) == 0
    assert buckets.take("a", now=0) == 0
    assert buckets.take("a", now=0) == pytest.approx(1.0)
    assert buckets.take("a", now=0.5) == pytest.approx(0.5)
    assert buckets.take("a", now=1.5) == 0
    assert buckets.take("b", now=1.5) == 0


# -- CORS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_browsers_on_other_origins_get_no_write_methods(client: TestClient, method: str) -> None:
    response = client.options(
        "/v1/claims",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": method},
    )
    assert response.status_code == 400
    assert method not in response.headers.get("access-control-allow-methods", "")


def test_cross_origin_reads_are_allowed_without_credentials(client: TestClient) -> None:
    preflight = client.options(
        "/v1/claims",
        headers={"Origin": "https://any.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    response = client.get("/v1/claims", headers={"Origin": "https://any.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    for answer in (preflight, response):
        assert "access-control-allow-credentials" not in answer.headers


def test_configured_origins_are_echoed_only_for_themselves(
    owned_database: OwnedDatabase,
) -> None:
    settings = Settings(cors_origins=["https://app.example"])
    with TestClient(app_on(owned_database.engine, settings)) as client:
        allowed = client.get("/v1/topics", headers={"Origin": "https://app.example"})
        other = client.get("/v1/topics", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers


# -- no request value reaches SQL as text -----------------------------------------------------

MARKER = "zq9"
# Filters whose values must be ids of a vocabulary (a statistic's `entity`), by operation.
VOCABULARY_PARAMETERS = {
    f"list_{resource.plural}": set(resource.vocabulary_parameters())
    for resource in RESOURCES.values()
} | {"summarize_statistics": set(STATISTIC.vocabulary_parameters())}


def _hostile(operation: Operation) -> Iterator[tuple[str, str, str]]:
    """(parameter, value, evidence): values that pass validation where they can, so they reach
    SQL, and the text that must then be found among the bound parameters only."""
    for parameter in operation.query:
        if parameter.name in {"cursor", "since"}:
            continue  # opaque cursors: the list cursor is checked below
        allow_lists = {"sort", "include", "kind", "modality", "rating", "dimension", "fields"}
        if parameter.name in allow_lists | {"count", "format", "facets", "resource", "operation"}:
            continue  # allow-lists, not data
        if parameter.name == "author":
            continue  # names an existing API key (else a 400): checked in the feed's tests
        if parameter.kind == "boolean":
            continue
        if parameter.kind == "integer" and operation.operation_id == "search":
            yield parameter.name, "37", "37"  # one query per group, `limit` rows each
        elif parameter.kind == "integer":
            # A page query asks for limit + 1 rows, to know whether another page follows; the
            # change feed asks for exactly `limit`.
            yield parameter.name, "437", "437|438"
        elif parameter.kind == "number":
            yield parameter.name, "98765.4321", "98765.4321"
        elif parameter.kind == "date":
            yield parameter.name, "2019-07-13", "2019-07-13"
        elif parameter.kind == "datetime":
            yield parameter.name, "2031-07-13T10:11:12Z", "2031-07-13"
        elif parameter.constrained:
            yield parameter.name, f"{MARKER}-{parameter.name}.x:1_y", MARKER
        else:
            yield parameter.name, f"{MARKER}'); DROP TABLE claim; --{parameter.name} %_\\", MARKER


def _bound_values(parameters: Any) -> list[str]:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    flat: list[str] = []
    for value in values:
        flat.extend(
            _bound_values(value) if isinstance(value, dict | list | tuple) else [str(value)]
        )
    return [value.lower() for value in flat]


@pytest.fixture
def statements(owned_database: OwnedDatabase) -> Iterator[list[tuple[str, list[str]]]]:
    captured: list[tuple[str, list[str]]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement.lower(), _bound_values(parameters)))

    event.listen(owned_database.engine, "before_cursor_execute", capture)
    yield captured
    event.remove(owned_database.engine, "before_cursor_execute", capture)


@pytest.mark.parametrize("operation", JSON_LISTS, ids=lambda op: op.operation_id)
def test_request_values_reach_sql_only_as_bound_parameters(
    owned_database: OwnedDatabase,
    statements: list[tuple[str, list[str]]],
    operation: Operation,
) -> None:
    # Operations that need a parameter (search's q) get a harmless one beside the hostile value.
    required = {p.name: "china" for p in operation.query if p.required}
    with TestClient(app_on(owned_database.engine)) as client:
        first = client.get(operation.path, params={**required, "limit": 1}).json()
        # A cursor carries the last row's sort key: that id must come back as a parameter.
        sent = list(_hostile(operation))
        # The seed has a single speaker and source; /v1/search is grouped, with no cursor.
        # (The change feed's `since` cursor holds a sequence number, not a record id.)
        if (
            first.get("next_cursor") is not None
            and "cursor" in operation.names
            and operation.operation_id != "list_changes"
        ):
            sent.append(("cursor", first["next_cursor"], first["data"][-1]["id"]))
        for name, value, evidence in sent:
            statements.clear()
            response = client.get(operation.path, params={**required, name: value})
            if name in VOCABULARY_PARAMETERS.get(operation.operation_id, set()):
                # Checked against the vocabulary's ids (read whole), so refused before any
                # filter is built: never in SQL at all.
                assert response.status_code == 400, (name, value, response.text)
                assert not any(MARKER in statement for statement, _ in statements)
                continue
            assert response.status_code == 200, (name, value, response.text)
            assert statements, "the request ran no SQL"
            for statement, _ in statements:
                for trace in evidence.lower().split("|"):
                    assert trace not in statement, (name, statement)
                assert "drop table" not in statement
            bound = [value for _, values in statements for value in values]
            traces = evidence.lower().split("|")
            assert any(t in value for t in traces for value in bound), (name, bound)
