"""CORS for the read API, with refused preflights answered as problems like every other 4xx."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from app.web.problems import ApiError, ProblemError, error_response

# Starlette names what a preflight got wrong; these are the request headers that carried it.
REFUSED_HEADERS = {
    "origin": "origin",
    "method": "access-control-request-method",
    "headers": "access-control-request-headers",
    "private-network": "access-control-request-private-network",
}


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with refused preflights as problems, and no `Vary: Origin` where the
    answer does not vary: with `CORS_ORIGINS=*` (never with credentials) every response carries
    `Access-Control-Allow-Origin: *`, whether the request named an Origin or not, so a shared
    cache may give any copy to anyone, and Vary would only split its entries."""

    @property
    def invariant(self) -> bool:
        return self.allow_all_origins and not self.allow_credentials

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        if not self.invariant or message["type"] != "http.response.start":
            await super().send(message, send, request_headers)
            return
        message.setdefault("headers", [])
        MutableHeaders(scope=message).update(self.simple_headers)
        await send(message)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if self.invariant:
            # The preflight's answer still varies on what it asks for, not on who asks.
            vary = [v.strip() for v in response.headers.get("vary", "").split(",")]
            response.headers["Vary"] = ", ".join(v for v in vary if v and v != "Origin")
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else Headers()
        is_preflight = (
            scope["type"] == "http"
            and scope["method"] == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        )
        if not is_preflight:
            await super().__call__(scope, receive, send)
            return
        response = self.preflight_response(request_headers=headers)
        if response.status_code == 400:
            failures = bytes(response.body).decode().removeprefix("Disallowed CORS ").split(", ")
            errors = [
                ProblemError(
                    location="header",
                    name=REFUSED_HEADERS.get(failure, failure),
                    message="Not allowed by this API's CORS policy",
                )
                for failure in failures
            ]
            detail = "; ".join(f"{error.name}: {error.message}" for error in errors)
            error = ApiError("invalid-parameter", detail, errors=errors)
            response = error_response(Request(scope), error)
        await response(scope, receive, send)
