"""TRUSTED_HOSTS: the API builds absolute URLs from the request's Host (the `Link` to the next
page, `Location`, JSON-LD `@id`s), so a Host this deployment does not serve is refused with a
problem before any route runs, and no response ever names a host an attacker chose."""

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.problems import ApiError, ProblemError, error_response

# Probes build no URL, and orchestrators call them by the container's address.
UNCHECKED_PATHS = frozenset({"/healthz", "/readyz"})


def host_name(host: str) -> str:
    """The name in a Host header, without its port (`[::1]:8000` is `::1`), lower-cased."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_trusted(name: str, patterns: Sequence[str]) -> bool:
    """`*` trusts any host, `*.example.org` any subdomain of example.org, else exact names."""
    for pattern in patterns:
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class TrustedHostMiddleware:
    def __init__(self, app: ASGIApp, trusted: Sequence[str]) -> None:
        self.app = app
        self.trusted = [pattern.strip().lower() for pattern in trusted]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCHECKED_PATHS or "*" in self.trusted:
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if is_trusted(host_name(host), self.trusted):
            await self.app(scope, receive, send)
            return
        message = "not a host this API serves (TRUSTED_HOSTS)"
        error = ApiError(
            "invalid-host",
            f"host: {message}",
            errors=[ProblemError(location="header", name="host", message=message)],
        )
        # The problem's instance is the path only: the URL would carry the refused host.
        await error_response(Request(scope), error)(scope, receive, send)
