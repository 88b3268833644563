"""GET /metrics (Prometheus text format): off by default, behind METRICS_TOKEN when set, and
counting what the app does, on a real database of each backend; and one sum over the workers of
a multi-worker server (PROMETHEUS_MULTIPROC_DIR). Replica metrics: tests/test_replicas.py."""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from app.config import Settings
from app.main import create_app
from app.store.models import Change
from tests.conftest import OwnedDatabase
from tests.support.helpers import assert_problem
from tests.support.servers import server_process

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text_format: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text_format)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def metrics_app(database: OwnedDatabase, **settings: object) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database.url, metrics_enabled=True, **settings))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


@pytest.fixture
def metered(owned_database: OwnedDatabase) -> Iterator[TestClient]:
    yield from metrics_app(owned_database)


def test_metrics_are_off_by_default(client: TestClient) -> None:
    assert_problem(client.get("/metrics"), 404, "not-found")


def test_requests_are_counted_by_route_template_never_by_path(
    metered: TestClient, owned_database: OwnedDatabase
) -> None:
    before = samples(metered.get("/metrics").text)
    for url, status in [
        ("/v1/claims/nqpf-21", 200),
        ("/v1/claims/nqpf-22", 200),
        ("/v1/claims/no-such-claim", 404),
        ("/v1/claims?limit=0", 400),
        ("/no/such/page", 404),
    ]:
        assert metered.get(url).status_code == status
    assert metered.head("/v1/claims/nqpf-21").status_code == 200
    response = metered.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    text_format = response.text
    found = samples(text_format)

    def grew(name: str, **labels: str) -> float:
        return value(found, name, **labels) - value(before, name, **labels)

    requests = "claimbase_http_requests_total"
    item = "/v1/claims/{claim_id}"
    assert grew(requests, method="GET", route=item, status="200") == 2
    assert grew(requests, method="GET", route=item, status="404") == 1
    assert grew(requests, method="HEAD", route=item, status="200") == 1
    assert grew(requests, method="GET", route="/v1/claims", status="400") == 1
    assert grew(requests, method="GET", route="unmatched", status="404") == 1
    for raw in ("nqpf-21", "no-such-claim", "/no/such/page", "limit=0"):
        assert raw not in text_format
    latency = "claimbase_http_request_duration_seconds"
    assert grew(f"{latency}_count", method="GET", route=item) == 3
    assert grew(f"{latency}_bucket", method="GET", route=item, le="+Inf") == 3
    # The scrape itself is the one request in flight.
    assert value(found, "claimbase_http_requests_in_flight") == 1
    assert grew("claimbase_db_statement_duration_seconds_count", kind="select") >= 5
    for pool, capacity in (("write", 10), ("read", 6)):
        labels = {"database": "primary", "pool": pool}
        assert value(found, "claimbase_db_pool_capacity", **labels) == capacity
        # Every request gave its connection back before answering.
        assert value(found, "claimbase_db_connections_in_use", **labels) == 0
    with owned_database.engine.connect() as connection:
        head = connection.execute(select(func.max(Change.id))).scalar()
    assert value(found, "claimbase_change_head", database="primary") == head
    assert value(found, "claimbase_database_up", database="primary") == 1


def test_a_connection_in_use_is_seen(metered: TestClient) -> None:
    databases = metered.app.state.databases  # type: ignore[attr-defined]
    with databases.read_engine.connect():
        found = samples(metered.get("/metrics").text)
    assert value(found, "claimbase_db_connections_in_use", database="primary", pool="read") == 1


def test_rate_limit_rejections_are_counted(owned_database: OwnedDatabase) -> None:
    limits = {
        "rate_limit_enabled": True,
        "rate_limit_burst": 1,
        "rate_limit_expensive_reads_per_minute": 0.001,
    }
    for client in metrics_app(owned_database, **limits):
        statuses = [client.get("/v1/claims?count=true").status_code for _ in range(3)]
        assert statuses == [200, 429, 429]
        found = samples(client.get("/metrics").text)
        assert value(found, "claimbase_rate_limit_rejections_total", limit="expensive-reads") == 2


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(None, 401), ("Bearer wrong", 401), ("Basic s3cret-token", 401), ("Bearer s3cret-token", 200)],
)
def test_a_metrics_token_is_required_when_set(
    owned_database: OwnedDatabase, authorization: str | None, status: int
) -> None:
    for client in metrics_app(owned_database, metrics_token="s3cret-token"):
        headers = {} if authorization is None else {"Authorization": authorization}
        response = client.get("/metrics", headers=headers)
        assert response.status_code == status
        if status == 401:
            assert_problem(response, 401, "unauthorized")
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "s3cret" not in response.text
        else:
            assert "claimbase_http_requests_total" in response.text


def test_the_multiprocess_directory_must_be_in_the_environment(tmp_path: Path) -> None:
    settings = Settings(metrics_enabled=True, prometheus_multiproc_dir=str(tmp_path))
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR"):
        create_app(settings)


def test_two_workers_are_counted_as_one_server(seeded_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {"METRICS_ENABLED": "true", "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    with server_process(seeded_url, workers=2, env=env, log=tmp_path / "server.log") as server:
        for _ in range(40):
            # A new connection each time, so that both workers take some.
            assert httpx.get(f"{server.base_url}/v1/topics/trade", timeout=10).status_code == 200
        totals = set()
        for _ in range(6):
            found = samples(httpx.get(f"{server.base_url}/metrics", timeout=10).text)
            totals.add(
                value(
                    found,
                    "claimbase_http_requests_total",
                    method="GET",
                    route="/v1/topics/{topic_id}",
                    status="200",
                )
            )
    # Whichever worker answered the scrape, it reported both workers' requests.
    assert totals == {40}
    written = {re.sub(r"_\d+\.db$", "", path.name) for path in directory.iterdir()}
    assert {"counter", "histogram"} <= written
