"""Which methods a path supports, for `Allow`: on every 405, and as the answer to `OPTIONS`
(RFC 9110 9.3.7, 15.5.6). A path is often served by several routes (a record's GET, PATCH and
DELETE), so the list is the union over every route whose path matches, whatever its method."""

from collections.abc import Callable, Sequence

from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

# What the mounted static files (the docs' assets, the explorer) answer.
STATIC_METHODS = frozenset({"GET", "HEAD"})
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves at the scope's path, with HEAD beside GET (answered as a
    GET without its body) and OPTIONS; empty when nothing is served there. Each method is
    tried as the router would route it (included routers answer `matches` for their routes)."""
    # As the app's router saw the request (inside a mount, the scope's root_path has grown).
    probe: Scope = {
        "type": "http",
        "path": scope["path"],
        "root_path": scope.get("app_root_path", scope.get("root_path", "")),
    }
    allowed: set[str] = set()
    for route in routes:
        if isinstance(route, Mount):
            if route.matches(probe)[0] is not Match.NONE:
                allowed |= STATIC_METHODS
            continue
        for method in METHODS:
            if route.matches({**probe, "method": method})[0] is Match.FULL:
                allowed.add(method)
    if not allowed:
        return []
    if "GET" in allowed:
        allowed.add("HEAD")
    return sorted(allowed | {"OPTIONS"})


def allow_header(routes: Sequence[BaseRoute], scope: Scope) -> str:
    return ", ".join(allowed_methods(routes, scope))


class OptionsMiddleware:
    """Answers `OPTIONS` (other than a CORS preflight, answered further out) with 204 and the
    path's `Allow`; an unserved path goes on to its 404."""

    def __init__(self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            allowed = allowed_methods(self.routes(), scope)
            if allowed:
                response = Response(status_code=204, headers={"Allow": ", ".join(allowed)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
