"""Logs: one line per record, as JSON or as text (LOG_FORMAT), each carrying the request it
belongs to (its id, method, route template and API key name) when there is one.

The request's context lives in a context variable set by `app.web.access.AccessMiddleware`.
It holds a mutable `RequestContext`, not plain values, so that a dependency running in a worker
thread (the write endpoints' authentication) can name the API key for the access line: the
thread gets a copy of the context, and so the same object.
"""

import logging
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from starlette.types import Scope

LogFormat = Literal["text", "json"]
LOGGER = "claimbase"
ACCESS_LOGGER = "claimbase.access"
# uvicorn's own loggers get the same handler, so its lines carry the same fields.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error")
# The fields a line carries about its request, in this order.
REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "bytes", "key")
UNMATCHED = None


@dataclass(slots=True)
class RequestContext:
    """What the logs say about the request being served."""

    request_id: str
    method: str
    scope: Scope = field(repr=False)
    # The name of the API key that authenticated the request (never the key itself).
    key: str | None = None

    @property
    def route(self) -> str | None:
        return route_template(self.scope)


def route_template(scope: Scope) -> str | None:
    """The route template the router matched (`/v1/claims/{claim_id}`), never the raw path;
    None before routing or when nothing matched. Every route is on the app's own router
    (app/routes/flat.py), so its path is the whole template."""
    return getattr(scope.get("route"), "path", UNMATCHED)


current_request: ContextVar[RequestContext | None] = ContextVar("request", default=None)


def current_request_id() -> str | None:
    context = current_request.get()
    return None if context is None else context.request_id


def note_api_key(name: str) -> None:
    """Names the request's API key in its log lines (call once the key is validated)."""
    context = current_request.get()
    if context is not None:
        context.key = name


class RequestFilter(logging.Filter):
    """Adds the current request's fields to every record that does not carry them already."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_request.get()
        if context is not None and not hasattr(record, "request_id"):
            record.request_id = context.request_id
            record.method = context.method
            record.route = context.route
            record.key = context.key
        return True


_second: list[Any] = [None, ""]  # the last second formatted, and its text


def _timestamp(record: logging.LogRecord) -> str:
    """ISO 8601 in UTC with milliseconds; the date and time of day formatted once a second."""
    second = int(record.created)
    if second != _second[0]:
        _second[:] = [second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")]
    return f"{_second[1]}.{int(record.created * 1000) % 1000:03d}Z"


def _request_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields, and the
    exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_request_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message name=value ...`: for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{name}={'-' if value is None else value}"
            for name, value in _request_fields(record).items()
        )
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        line = f"{line} {fields}" if fields else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "text": TextFormatter}


def log_handler(log_format: LogFormat) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    handler.addFilter(RequestFilter())
    return handler


def uvicorn_log_config(log_format: LogFormat) -> dict[str, Any]:
    """uvicorn's `log_config` for `python -m app serve`: the supervisor's own lines (it never
    imports the app) come out in the same format as the workers'."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": FORMATTERS[log_format]}},
        "filters": {"request": {"()": RequestFilter}},
        "handlers": {
            "line": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["request"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["line"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def configure_logging(log_format: LogFormat) -> None:
    """Our handler on the app's loggers and uvicorn's (replacing uvicorn's own), in place of
    any earlier call's. uvicorn's access log is silenced: the access line replaces it (and it
    would print raw paths, query strings included)."""
    handler = log_handler(log_format)
    for name in (LOGGER, *UVICORN_LOGGERS):
        logger = logging.getLogger(name)
        for previous in [h for h in logger.handlers if getattr(h, "claimbase", False)]:
            logger.removeHandler(previous)
        if name != LOGGER:
            # uvicorn's own handlers print its format; ours replaces them.
            logger.handlers.clear()
            logger.propagate = False
        handler.claimbase = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logging.getLogger(LOGGER).setLevel(logging.INFO)
    logging.getLogger("uvicorn.access").disabled = True
    # No line shows the thread or process names: not looking them up makes each record cheaper.
    logging.logThreads = logging.logMultiprocessing = logging.logProcesses = False
