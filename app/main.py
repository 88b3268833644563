"""Builds the ASGI application: the /v1 API, probes, offline docs, CORS and error handling."""

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.staticfiles import StaticFiles

from app.config import PROJECT_ROOT, Settings, get_settings
from app.routes import API_PREFIX, OPENAPI_TAGS, api_router, health, metrics, problems
from app.store.engine import Databases
from app.web.access import AccessMiddleware
from app.web.cors import ProblemCORSMiddleware
from app.web.deprecation import install_deprecations
from app.web.guards import BodySizeLimitMiddleware, HeadAsGetMiddleware, StrictUrlMiddleware
from app.web.logs import LOGGER, configure_logging
from app.web.metrics import Metrics
from app.web.openapi import customize_openapi
from app.web.problems import install_error_handlers
from app.web.ratelimit import RateLimitMiddleware, write_buckets
from app.web.read_routing import ReadRoutingMiddleware
from app.web.security import SecurityHeadersMiddleware
from app.web.tracing import tracing_middleware

DESCRIPTION = """
Structured claims and statistics taken from published articles: who said what, where,
in which words. Every claim is verbatim from its source with its character span; every
figure is typed, unit-normalized and linked to the claim it came from.

Lists are paginated by opaque cursors (`next_cursor`, and a `Link: rel="next"` header);
errors are RFC 9457 problem details (`application/problem+json`).

Every record is versioned: `?as_of=` reads the past, `/versions` lists a record's history,
`/v1/changes` is a change feed. Writes need `Authorization: Bearer <key>`, a `reason`, and
`If-Match` on existing records.
"""


EXPLORER_PATH = "/explorer"
EXPLORER_DIRECTORY = PROJECT_ROOT / "examples" / "explorer"


def explorer() -> StaticFiles:
    """examples/explorer as static files: index.html at /explorer/, its modules beside it."""
    return StaticFiles(directory=EXPLORER_DIRECTORY, html=True)


def operation_id(route: APIRoute) -> str:
    # SDK generators name methods after operation ids: list_claims, get_claim, ...
    return route.name


def build_metrics(settings: Settings, databases: Databases) -> Metrics | None:
    if not settings.metrics_enabled:
        return None
    # prometheus-client reads its variable itself, when it is imported: a value that only the
    # settings (a .env file) hold would leave each worker counting alone.
    directory = settings.prometheus_multiproc_dir
    if directory != os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        raise RuntimeError("PROMETHEUS_MULTIPROC_DIR must be set in the environment itself")
    return Metrics(databases, directory)


def lifespan_of(databases: Databases, metrics: Metrics | None) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        databases.start()
        yield
        # uvicorn gets here on SIGTERM once the requests in flight have been answered.
        databases.close()
        if metrics is not None:
            metrics.process_exiting()
        logging.getLogger(LOGGER).info("shutdown: connection pools closed")

    return lifespan


def create_app(settings: Settings | None = None, span_exporter: Any = None) -> FastAPI:
    """The app. `span_exporter` replaces the OTLP exporter when tracing is on (tests)."""
    settings = settings or get_settings()
    configure_logging(settings.log_format)
    databases = Databases(settings)
    metrics_registry = build_metrics(settings, databases)
    app: FastAPI = FastAPIOffline(
        title="claimbase",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=OPENAPI_TAGS,
        openapi_url=f"{API_PREFIX}/openapi.json",
        generate_unique_id_function=operation_id,
        static_url="/static/docs",
        # Swagger UI would otherwise send the document's URL to an online validator.
        swagger_ui_parameters={"validatorUrl": None},
        lifespan=lifespan_of(databases, metrics_registry),
    )
    app.state.settings = settings
    app.state.databases = databases
    app.state.metrics = metrics_registry
    app.include_router(api_router)
    app.include_router(health.router)
    app.include_router(problems.router)
    if metrics_registry is not None:
        app.include_router(metrics.router)
    if settings.explorer_enabled:
        app.mount(EXPLORER_PATH, explorer(), name="explorer")
    install_error_handlers(app)
    install_deprecations(app)
    # Reads only unless CORS_ALLOW_WRITES: a browser page should not spend an editor's key.
    # The API takes no cookies, so credentials are never allowed cross-origin.
    write_methods = ["POST", "PATCH", "DELETE"] if settings.cors_allow_writes else []
    # Innermost: it may run a read a second time, after everything outside it let it through.
    app.add_middleware(
        ReadRoutingMiddleware, databases=databases, api_prefix=API_PREFIX, metrics=metrics_registry
    )
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS", *write_methods],
        # Authorization: reads may need a key too (READS_REQUIRE_KEY).
        allow_headers=[
            "Authorization",
            "If-None-Match",
            "Claimbase-Min-Change",
            "X-Request-ID",
            *(["If-Match", "Idempotency-Key", "Content-Type"] if write_methods else []),
        ],
        allow_credentials=False,
        expose_headers=[
            "Link",
            "ETag",
            "Last-Modified",
            "Location",
            "Deprecation",
            "Sunset",
            "Retry-After",
            "Claimbase-Change",
            "X-Request-ID",
        ],
    )
    app.add_middleware(RateLimitMiddleware, settings=settings, metrics=metrics_registry)
    app.state.write_buckets = write_buckets(settings)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(StrictUrlMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    # Outside Starlette's ServerErrorMiddleware too, so even a 500 carries the headers, its
    # request id and its access line; spans (when tracing is on) cover all the rest.
    build_stack = app.build_middleware_stack
    traced = tracing_middleware(settings, databases, span_exporter)

    def outer_stack() -> Any:
        return AccessMiddleware(traced(SecurityHeadersMiddleware(build_stack())), metrics_registry)

    app.build_middleware_stack = outer_stack  # type: ignore[method-assign]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = customize_openapi(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
