"""OpenTelemetry (the `tracing` extra): off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; when on,
one server span per request named by its route template, a child of the caller's traceparent,
and one span per SQL statement beneath it, caught by the SDK's in-memory exporter."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from app.config import Settings
from app.main import create_app
from app.web.access import AccessMiddleware
from app.web.guards import HeadAsGetMiddleware
from app.web.tracing import TracingMiddleware
from tests.conftest import OwnedDatabase
from tests.support.helpers import WAFERS

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
ENDPOINT = "http://127.0.0.1:4318"


def test_tracing_is_off_without_an_endpoint(owned_database: OwnedDatabase) -> None:
    stack = create_app(Settings(database_url=owned_database.url)).build_middleware_stack()
    assert isinstance(stack, AccessMiddleware)
    # No tracing layer: the access line wraps the rest of the stack directly.
    assert isinstance(stack.app, HeadAsGetMiddleware)


def test_an_endpoint_turns_on_the_otlp_exporter(owned_database: OwnedDatabase) -> None:
    settings = Settings(database_url=owned_database.url, otel_exporter_otlp_endpoint=ENDPOINT)
    stack = create_app(settings).build_middleware_stack()
    assert isinstance(stack, AccessMiddleware)
    assert isinstance(stack.app, TracingMiddleware)


@pytest.fixture
def traced(owned_database: OwnedDatabase) -> Iterator[tuple[TestClient, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    settings = Settings(database_url=owned_database.url, otel_exporter_otlp_endpoint=ENDPOINT)
    with TestClient(create_app(settings, span_exporter=exporter)) as client:
        yield client, exporter


def server_span(spans: tuple[ReadableSpan, ...]) -> ReadableSpan:
    (span,) = [span for span in spans if span.kind == SpanKind.SERVER]
    return span


def test_a_request_is_a_span_named_by_its_route_with_its_sql_beneath(
    traced: tuple[TestClient, InMemorySpanExporter], backend: str
) -> None:
    client, exporter = traced
    response = client.get(
        "/v1/claims/nqpf-21?include=speaker",
        headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"},
    )
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    server = server_span(spans)
    assert server.name == "GET /v1/claims/{claim_id}"
    assert server.context is not None
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_ID
    attributes = dict(server.attributes or {})
    assert attributes["http.route"] == "/v1/claims/{claim_id}"
    assert attributes["http.response.status_code"] == 200
    assert attributes["claimbase.request_id"] == response.headers["x-request-id"]
    statements = [span for span in spans if span.kind == SpanKind.CLIENT]
    assert len(statements) >= 2  # the claim, its speaker
    for span in statements:
        assert span.parent is not None
        assert span.parent.span_id == server.context.span_id
        sql = dict(span.attributes or {})
        assert sql["db.system"] == backend
        assert span.name.split()[1] == "primary"
        # Statements are traced as written, with placeholders: never the values bound.
        assert "nqpf-21" not in str(sql["db.query.text"])
    assert any(span.name == "SELECT primary" for span in statements)


def test_a_write_in_a_worker_thread_keeps_its_sql_in_the_request_trace(
    traced: tuple[TestClient, InMemorySpanExporter], owned_database: OwnedDatabase
) -> None:
    from app.write.auth import create_key

    client, exporter = traced
    with owned_database.engine.begin() as connection:
        token = create_key(connection, "tracer", "write")
    response = client.patch(
        f"/v1/statistics/{WAFERS}",
        json={"modality": "approximate", "reason": "traced"},
        headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
    )
    assert response.status_code == 200, response.text
    spans = exporter.get_finished_spans()
    server = server_span(spans)
    assert server.name == "PATCH /v1/statistics/{statistic_id}"
    assert server.context is not None
    kinds = {span.name.split()[0] for span in spans if span.kind == SpanKind.CLIENT}
    assert {"SELECT", "UPDATE", "INSERT"} <= kinds
    for span in spans:
        assert span.context is not None
        assert span.context.trace_id == server.context.trace_id


def test_a_client_error_is_not_a_span_error(
    traced: tuple[TestClient, InMemorySpanExporter],
) -> None:
    client, exporter = traced
    assert client.get("/v1/claims/no-such-claim").status_code == 404
    server = server_span(exporter.get_finished_spans())
    assert dict(server.attributes or {})["http.response.status_code"] == 404
    # A 4xx is the client's mistake, not a failure of the server (only a 5xx is).
    assert server.status.status_code == StatusCode.UNSET
