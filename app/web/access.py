"""The outermost middleware: every request gets an id (X-Request-ID, kept when the client's is
well-formed), echoed on its response, and one access line when it ends; with METRICS_ENABLED it
is also counted and timed.

It wraps even the security headers and Starlette's error middleware, so a 500 has its id and its
line too. It costs one header scan, one id and one log record per request: ids and access lines
are always on; metrics cost nothing more when they are off.
"""

import logging
import os
import re
import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.logs import ACCESS_LOGGER, RequestContext, current_request

if TYPE_CHECKING:
    from app.web.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
# What a client's id may be: short, and only characters that are safe in a log line and a header
# (UUIDs, ULIDs, hex, base64 and most tracing ids). Anything else is replaced, not refused.
WELL_FORMED_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")
access_log = logging.getLogger(ACCESS_LOGGER)


def new_request_id() -> str:
    return os.urandom(16).hex()


def request_id_of(scope: Scope) -> str:
    """The client's X-Request-ID if it is well-formed, else a new one."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode() if WELL_FORMED_ID.fullmatch(value) else new_request_id()
    return new_request_id()


class AccessMiddleware:
    def __init__(self, app: ASGIApp, metrics: "Metrics | None" = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        context = RequestContext(request_id_of(scope), scope["method"], scope)
        # Not reset when the request ends: uvicorn logs an unhandled exception after the app
        # has returned, in this same task, and that line should name the request too. Each
        # request runs in a task of its own, so the value never reaches another request.
        current_request.set(context)
        id_header = (REQUEST_ID_HEADER, context.request_id.encode())
        status = 500  # what the client gets if the app fails before answering
        sent = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        metrics = self.metrics
        if metrics is not None:
            metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = context.route
            if metrics is not None:
                metrics.in_flight.dec()
                metrics.observe_request(context.method, route, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                fields = {
                    "request_id": context.request_id,
                    "method": context.method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "bytes": sent,
                    "key": context.key,
                }
                # makeRecord and handle rather than info(): info() looks up the caller's source
                # line in the stack, the dearest part of a log call, for a line that has none.
                message = f"{context.method} {route} {status}"
                record = access_log.makeRecord(
                    ACCESS_LOGGER, logging.INFO, __file__, 0, message, (), None, extra=fields
                )
                access_log.handle(record)
