"""CORS for the read API, with refused preflights answered as problems like every other 4xx."""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from app.web.problems import ApiError, ProblemError, error_response

# Starlette names what a preflight got wrong; these are the request headers that carried it.
REFUSED_HEADERS = {
    "origin": "origin",
    "method": "access-control-request-method",
    "headers": "access-control-request-headers",
    "private-network": "access-control-request-private-network",
}


class ProblemCORSMiddleware(CORSMiddleware):
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
