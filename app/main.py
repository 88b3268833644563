"""Builds the ASGI application: the /v1 API, probes, offline docs, CORS and error handling."""

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.staticfiles import StaticFiles

from app.collector import settle_collector
from app.config import PROJECT_ROOT, Settings, get_settings
from app.resources import LIST_FILTERS
from app.routes import API_PREFIX, OPENAPI_TAGS, api_router, health, problems
from app.routes.flat import add_routes
from app.store.engine import Databases
from app.web.access import AccessMiddleware
from app.web.compression import GzipMiddleware
from app.web.conditional import CURRENT, content_etag, not_modified, validators
from app.web.cors import ProblemCORSMiddleware
from app.web.deprecation import install_deprecations
from app.web.guards import BodySizeLimitMiddleware, HeadAsGetMiddleware, StrictUrlMiddleware
from app.web.hosts import TrustedHostMiddleware
from app.web.logs import LOGGER, configure_logging
from app.web.methods import OptionsMiddleware
from app.web.openapi import customize_openapi
from app.web.problems import install_error_handlers
from app.web.ratelimit import RateLimitMiddleware, write_buckets
from app.web.read_routing import ReadRoutingMiddleware
from app.web.security import SecurityHeadersMiddleware
from app.web.tracing import tracing_middleware

# Metrics (and prometheus-client with them) are imported only when they are on.
if TYPE_CHECKING:
    from app.web.metrics import Metrics

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
STATIC_PATH = "/static/docs"
EXPLORER_DIRECTORY = PROJECT_ROOT / "examples" / "explorer"


def explorer() -> StaticFiles:
    """examples/explorer as static files: index.html at /explorer/, its modules beside it."""
    return StaticFiles(directory=EXPLORER_DIRECTORY, html=True)


def serve_openapi_with_validators(app: FastAPI) -> None:
    """/v1/openapi.json as bytes made once, with an ETag, `no-cache` and 304s (FastAPI's own
    route serializes the document on every request and sends no validator)."""
    path = app.openapi_url
    app.router.routes[:] = [
        route for route in app.router.routes if getattr(route, "path", None) != path
    ]
    served: list[tuple[bytes, str]] = []

    async def openapi_document(request: Request) -> Response:
        if not served:
            body = orjson.dumps(app.openapi())
            served.append((body, content_etag(body)))
        body, etag = served[0]
        unchanged = not_modified(request, etag)
        if unchanged is not None:
            return unchanged
        response = Response(body, media_type="application/json")
        response.headers.update(validators(etag, None, CURRENT))
        return response

    app.add_route(str(path), openapi_document, include_in_schema=False)


def operation_id(route: APIRoute) -> str:
    # SDK generators name methods after operation ids: list_claims, get_claim, ...
    return route.name


def build_metrics(settings: Settings, databases: Databases) -> "Metrics | None":
    if not settings.metrics_enabled:
        return None
    # prometheus-client reads its variable itself, when it is imported: a value that only the
    # settings (a .env file) hold would leave each worker counting alone.
    directory = settings.prometheus_multiproc_dir
    if directory != os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        raise RuntimeError("PROMETHEUS_MULTIPROC_DIR must be set in the environment itself")
    from app.web.metrics import Metrics

    return Metrics(databases, directory)


# The cyclic garbage collector's first threshold while serving (Python's default is 700).
# Settled once per process when it starts serving: measured in process on list pages, -14 %
# CPU frozen, -20 % with the threshold (docs/performance.md). Never undone.
GC_YOUNG_THRESHOLD = 7000


def lifespan_of(databases: Databases, metrics: "Metrics | None") -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        databases.start()
        settle_collector(GC_YOUNG_THRESHOLD)
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
        static_url=STATIC_PATH,
        # Swagger UI would otherwise send the document's URL to an online validator.
        swagger_ui_parameters={"validatorUrl": None},
        lifespan=lifespan_of(databases, metrics_registry),
    )
    app.state.settings = settings
    app.state.databases = databases
    app.state.metrics = metrics_registry
    add_routes(app.router, api_router)
    add_routes(app.router, health.router)
    add_routes(app.router, problems.router)
    if metrics_registry is not None:
        from app.routes import metrics

        add_routes(app.router, metrics.router)
    if settings.explorer_enabled:
        app.mount(EXPLORER_PATH, explorer(), name="explorer")
    install_error_handlers(app)
    install_deprecations(app)
    # Innermost first: each add_middleware wraps everything added before it.
    # Innermost: it may run a read a second time, after everything outside it let it through.
    app.add_middleware(
        ReadRoutingMiddleware, databases=databases, api_prefix=API_PREFIX, metrics=metrics_registry
    )
    app.add_middleware(OptionsMiddleware, routes=lambda: app.router.routes)
    app.add_middleware(RateLimitMiddleware, settings=settings, metrics=metrics_registry)
    app.state.write_buckets = write_buckets(settings)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(StrictUrlMiddleware, repeatable=LIST_FILTERS)
    app.add_middleware(TrustedHostMiddleware, trusted=settings.trusted_hosts)
    # Outside the guards, so that their problems are readable cross-origin too.
    # Reads only unless CORS_ALLOW_WRITES: a browser page should not spend an editor's key.
    # The API takes no cookies, so credentials are never allowed cross-origin.
    write_methods = ["POST", "PATCH", "DELETE"] if settings.cors_allow_writes else []
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS", *write_methods],
        # Authorization: reads may need a key too (READS_REQUIRE_KEY).
        allow_headers=[
            "Authorization",
            "If-None-Match",
            "If-Modified-Since",
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
            "Allow",
            "Claimbase-Change",
            "X-Request-ID",
        ],
    )
    # Outside Starlette's ServerErrorMiddleware too, so even a 500 carries the headers, its
    # request id and its access line (the bytes it counts are the ones sent, compressed or
    # not); spans (when tracing is on) cover all the rest. Gzip outside the security headers
    # (the CSP of a page is computed from its uncompressed body), and HEAD outside gzip, so a
    # HEAD reports the Content-Encoding and Content-Length a GET gets.
    build_stack = app.build_middleware_stack
    traced = tracing_middleware(settings, databases, span_exporter)

    def outer_stack() -> Any:
        compressed = GzipMiddleware(
            SecurityHeadersMiddleware(build_stack()),
            cached_prefixes=(STATIC_PATH, EXPLORER_PATH),
        )
        return AccessMiddleware(traced(HeadAsGetMiddleware(compressed)), metrics_registry)

    app.build_middleware_stack = outer_stack  # type: ignore[method-assign]
    serve_openapi_with_validators(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = customize_openapi(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
