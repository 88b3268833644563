"""Guards in front of every route: URLs must be valid UTF-8, bodies must fit a size limit (413);
and one strict JSON reader (415, not UTF-8, not JSON, too deep) for the write endpoints."""

from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.errors import ApiError, error_response, input_error, invalid_parameter

JSON_MEDIA_TYPES = ("application/json", "application/merge-patch+json")


class BodyTooLargeError(Exception):
    pass


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "payload-too-large",
        "Payload too large",
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


class StrictUrlMiddleware:
    """Refuses a path or query that percent-decodes to invalid UTF-8 (e.g. %FF, or %ED%A0%80,
    a lone surrogate), which would otherwise reach the routes as U+FFFD replacement text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
            for part, raw in (("path", raw_path), ("query", scope.get("query_string", b""))):
                if not _is_utf8(raw):
                    message = "percent-encoded bytes are not valid UTF-8"
                    error = invalid_parameter(part, message, part)
                    await error_response(Request(scope), error)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def invalid_body(message: str) -> ApiError:
    return input_error("invalid-body", "Invalid body", "body", message, "body")


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


def parse_json_body(raw: bytes, content_type: str | None, max_depth: int) -> Any:
    """The body as JSON, refusing the wrong media type (415), bad UTF-8, bad JSON, deep nesting.

    orjson itself refuses invalid UTF-8, lone surrogates and nesting beyond 1024 levels.
    """
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise ApiError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"Send the body as application/json, not {media_type or 'no media type'}.",
        )
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        reason = "not UTF-8" if "utf-8" in str(error).lower() else "not valid JSON"
        raise invalid_body(f"the body is {reason}") from None
    if json_depth(document) > max_depth:
        raise invalid_body(f"the body nests deeper than {max_depth} levels")
    return document


async def read_json_body(request: Request) -> Any:
    """For write routes: `document = await read_json_body(request)` before validating it."""
    settings = get_settings()
    raw = await request.body()
    return parse_json_body(raw, request.headers.get("content-type"), settings.max_json_depth)
