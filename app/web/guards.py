"""Guards in front of every route: URLs must be short enough and valid UTF-8, with each
parameter once (list filters may repeat), bodies must fit a size limit (413);
and one strict JSON reader (415, not UTF-8, not JSON, too deep) for the write endpoints."""

import json
import re
from collections import Counter
from typing import Any
from urllib.parse import unquote_plus, unquote_to_bytes

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.web.problems import (
    ApiError,
    ProblemError,
    error_response,
    invalid_body,
    invalid_parameter,
    unreadable_body,
)

JSON_MEDIA_TYPES = ("application/json", "application/merge-patch+json")
# Where Starlette and FastAPI put the route they matched in a request's scope.
ROUTING_KEYS = ("route", "fastapi")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyTooLargeError(Exception):
    pass


def too_large(limit: int) -> ApiError:
    return ApiError(
        "payload-too-large",
        f"The request body exceeds the limit of {limit} bytes (MAX_BODY_BYTES).",
    )


class BodySizeLimitMiddleware:
    """Refuses bodies over `max_bytes`: up front by Content-Length, or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        declared = request.headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self._refuse(request, send, declared.isdigit())
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(request, send, True)

    async def _refuse(self, request: Request, send: Send, too_big: bool) -> None:
        error = (
            too_large(self.max_bytes)
            if too_big
            else invalid_parameter("content-length", "must be a number of bytes", "header")
        )
        await error_response(request, error)(request.scope, request.receive, send)


def _is_utf8(raw: bytes) -> bool:
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Longer request targets are a 414 from the app. uvicorn's own parser gives up far beyond it
# (64 KiB: app/serving.py), so every URL of a plausible length gets a problem+json answer.
MAX_URL_BYTES = 8192


def too_long(limit: int) -> ApiError:
    return ApiError(
        "uri-too-long",
        f"The request target (path and query) is longer than {limit} bytes. Send fewer or "
        "shorter parameters.",
    )


def repeated_parameters(
    query: bytes, repeatable: frozenset[str]
) -> tuple[bytes, list[tuple[str, int]]]:
    """The query with each repeated list filter joined into one comma-separated value
    (`kind=a&kind=b` is `kind=a,b`), and every other parameter given more than once (with how
    many times); the query is returned unchanged unless a list filter was repeated."""
    if b"&" not in query:
        return query, []
    segments = [segment for segment in query.split(b"&") if segment]
    names = [unquote_plus(segment.partition(b"=")[0].decode("latin-1")) for segment in segments]
    counts = Counter(names)
    refused = [(name, count) for name, count in counts.items() if count > 1]
    if not refused:
        return query, []
    joined = [name for name, _ in refused if name in repeatable]
    if not joined:
        return query, refused
    values: dict[str, list[bytes]] = {}
    order: list[tuple[str, bytes]] = []
    for name, segment in zip(names, segments, strict=True):
        if name in joined:
            if name not in values:
                values[name] = []
                order.append((name, segment.partition(b"=")[0]))
            values[name].append(segment.partition(b"=")[2])
        else:
            order.append((name, segment))
    rebuilt = [
        raw + b"=" + b",".join(values[name]) if name in values else raw for name, raw in order
    ]
    return b"&".join(rebuilt), [(name, count) for name, count in refused if name not in joined]


def _repeated_error(refused: list[tuple[str, int]]) -> ApiError:
    errors = [
        ProblemError(
            location="query",
            name=name,
            message=f"given {count} times; send it once (a list as one comma-separated value)",
        )
        for name, count in refused
    ]
    detail = "; ".join(f"{error.name}: {error.message}" for error in errors)
    return ApiError("invalid-parameter", detail, errors=errors)


class StrictUrlMiddleware:
    """Guards the request target before any route sees it: longer than `max_url_bytes` is a
    414; a path or query that percent-decodes to invalid UTF-8 (e.g. %FF, or %ED%A0%80, a lone
    surrogate), which would otherwise reach the routes as U+FFFD replacement text, is a 400;
    a parameter given twice is a 400, except a list filter (`repeatable`), whose values are
    joined as one comma-separated list."""

    def __init__(
        self,
        app: ASGIApp,
        repeatable: frozenset[str] = frozenset(),
        max_url_bytes: int = MAX_URL_BYTES,
    ) -> None:
        self.app = app
        self.repeatable = repeatable
        self.max_url_bytes = max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        error: ApiError | None = None
        if len(raw_path) + len(query) + 1 > self.max_url_bytes:
            # The problem names the path only: echoing a huge query would amplify it.
            scope = {**scope, "query_string": b""}
            error = too_long(self.max_url_bytes)
        for part, raw in (("path", raw_path), ("query", query)):
            if error is None and not _is_utf8(raw):
                error = invalid_parameter(part, "percent-encoded bytes are not valid UTF-8", part)
        if error is None:
            rewritten, refused = repeated_parameters(query, self.repeatable)
            if refused:
                error = _repeated_error(refused)
            elif rewritten is not query:
                scope = {**scope, "query_string": rewritten}
        if error is not None:
            await error_response(Request(scope), error)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def json_depth(document: Any) -> int:
    """How deeply arrays and objects nest (a scalar is depth 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth + 1)
            stack.extend((item, depth + 1) for item in value)
    return deepest


def _lone_surrogate_at(raw: bytes) -> str | None:
    """Where a `\\ud800`-style escape left a lone surrogate: the field's dotted path (as
    validation errors name fields), or None if the body is not JSON for another reason."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    stack: list[tuple[Any, str]] = [(document, "body")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str) and LONE_SURROGATE.search(value):
            return path
        if isinstance(value, list):
            value = {str(index): item for index, item in enumerate(value)}
        if isinstance(value, dict):
            for key, item in value.items():
                name = key if path == "body" else f"{path}.{key}"
                if LONE_SURROGATE.search(key):
                    return path  # the key itself cannot be named: it is not text
                stack.append((item, name))
    return None


def parse_json_body(
    raw: bytes,
    content_type: str | None,
    max_depth: int,
    media_types: tuple[str, ...] = JSON_MEDIA_TYPES,
) -> Any:
    """The body as JSON, refusing the wrong media type (415); a body that cannot be read as
    JSON (not UTF-8, not JSON, nested too deep) is a 400; a lone surrogate, which is valid
    JSON but not text, is a 422 naming its field, like any other invalid field.

    orjson itself refuses invalid UTF-8, lone surrogates and nesting beyond 1024 levels.
    """
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in media_types:
        raise ApiError(
            "unsupported-media-type",
            f"Send the body as {' or '.join(media_types)}, not {media_type or 'no media type'}.",
        )
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        reason = str(error).lower()
        if "utf-8" in reason:
            raise unreadable_body("the body is not UTF-8") from None
        field = _lone_surrogate_at(raw) if "surrogate" in reason else None
        if field is not None:
            raise invalid_body(field, "must not contain lone surrogates") from None
        too_deep = "recursion" in reason or "depth" in reason
        raise unreadable_body(
            f"the body nests deeper than {max_depth} levels"
            if too_deep
            else "the body is not valid JSON"
        ) from None
    if json_depth(document) > max_depth:
        raise unreadable_body(f"the body nests deeper than {max_depth} levels")
    return document


async def read_json_body(request: Request, media_types: tuple[str, ...] = JSON_MEDIA_TYPES) -> Any:
    """For write routes: `document = await read_json_body(request)` before validating it."""
    raw = await request.body()
    return parse_json_body(
        raw, request.headers.get("content-type"), get_settings().max_json_depth, media_types
    )


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        # A copy: the server reads the method from its own scope (a HEAD has no body). What the
        # router matched is handed back for the access line and metrics (app.web.logs).
        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, without_body)
        finally:
            for key in ROUTING_KEYS:
                if key in as_get:
                    scope[key] = as_get[key]
