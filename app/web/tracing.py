"""OpenTelemetry spans (optional): one server span per request, named by its route template,
and one client span per SQL statement beneath it, sent over OTLP/HTTP to
OTEL_EXPORTER_OTLP_ENDPOINT. Off unless that is set; it needs the `tracing` install extra
(`pip install -e '.[tracing]'`), and says so at startup if the extra is missing.

An incoming W3C `traceparent` header makes the request's span a child of the caller's. Spans
carry the request id too, so a trace and the access line can be matched.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.store.engine import Databases
from app.web.logs import current_request_id, route_template

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

Wrap = Callable[[ASGIApp], ASGIApp]
SERVICE_NAME = "claimbase"
SPAN = "claimbase_span"


def tracing_middleware(
    settings: Settings, databases: Databases, exporter: "SpanExporter | None" = None
) -> Wrap:
    """What wraps the app: nothing when tracing is off; else the span middleware, with every
    pool's statements traced. `exporter` replaces the OTLP one (tests use an in-memory one)."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return lambda app: app
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError as error:
        raise RuntimeError(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set, but the tracing extra is not installed: "
            "pip install -e '.[tracing]'"
        ) from error
    # The service name comes from OTEL_SERVICE_NAME when set (the SDK reads it), else ours.
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    if exporter is None:
        # The exporter's own URL, as the SDK would derive it from the variable.
        traces = f"{endpoint.rstrip('/')}/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces)))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("claimbase")
    for pool in databases.pools():
        trace_statements(pool.engine, tracer, pool.database)
    return lambda app: TracingMiddleware(app, tracer)


def trace_statements(engine: Any, tracer: "Tracer", database: str) -> None:
    from opentelemetry.trace import SpanKind, Status, StatusCode

    from app.web.metrics import statement_kind

    system = engine.dialect.name

    @event.listens_for(engine, "before_cursor_execute")
    def before(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        kind = statement_kind(statement)
        connection.info[SPAN] = tracer.start_span(
            f"{kind.upper()} {database}",
            kind=SpanKind.CLIENT,
            attributes={
                "db.system": system,
                "db.operation.name": kind,
                # The statement's text only: its parameters are data, never traced.
                "db.query.text": statement,
                "claimbase.database": database,
            },
        )

    @event.listens_for(engine, "after_cursor_execute")
    def after(connection: Any, *_: Any) -> None:
        span: Span | None = connection.info.pop(SPAN, None)
        if span is not None:
            span.end()

    @event.listens_for(engine, "handle_error")
    def failed(context: Any) -> None:
        connection = context.connection
        span: Span | None = None if connection is None else connection.info.pop(SPAN, None)
        if span is not None:
            span.set_status(Status(StatusCode.ERROR, context.original_exception.__class__.__name__))
            span.end()


class TracingMiddleware:
    def __init__(self, app: ASGIApp, tracer: "Tracer") -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind, Status, StatusCode

        carrier = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        method = scope["method"]
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with self.tracer.start_as_current_span(
            method,
            context=extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"]},
        ) as span:
            try:
                await self.app(scope, receive, send_noting_status)
            finally:
                route = route_template(scope)
                if route is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                request_id = current_request_id()
                if request_id is not None:
                    span.set_attribute("claimbase.request_id", request_id)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
