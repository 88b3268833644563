"""Read-your-writes across replicas: `Claimbase-Min-Change` on the API's reads.

Every write answers with `Claimbase-Change: <id>`, the change it committed. A read that sends it
back as `Claimbase-Min-Change` is served only by a database that has replayed that change
(`app.store.engine.Databases.read_connection` decides). A malformed value is a 400 on every backend,
with or without replicas.

With replicas, this middleware also gives a read a second chance: when the replica serving it
fails mid-request (the error handler marks it down and asks for the retry), the read runs again
on the primary before anything was sent, so the client never sees the replica's failure.
"""

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.store.engine import Databases
from app.store.replicas import ReadRoute, read_route
from app.web.problems import error_response, invalid_parameter

if TYPE_CHECKING:
    from app.web.metrics import Metrics

MIN_CHANGE_HEADER = b"claimbase-min-change"
# Change ids are positive integers; 18 digits keep the value far inside a 64-bit integer.
MAX_DIGITS = 18
READS = ("GET", "HEAD")


class MalformedMinChangeError(ValueError):
    pass


def min_change_of(scope: Scope) -> int:
    """The Claimbase-Min-Change header's value (0 when absent); malformed raises."""
    for name, value in scope["headers"]:
        if name == MIN_CHANGE_HEADER:
            if not (value.isdigit() and len(value) <= MAX_DIGITS):
                raise MalformedMinChangeError
            return int(value)
    return 0


class ReadRoutingMiddleware:
    def __init__(
        self, app: ASGIApp, databases: Databases, api_prefix: str, metrics: "Metrics | None"
    ) -> None:
        self.app = app
        self.databases = databases
        self.api_prefix = api_prefix
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in READS
            or not scope["path"].startswith(self.api_prefix)
        ):
            await self.app(scope, receive, send)
            return
        try:
            min_change = min_change_of(scope)
        except MalformedMinChangeError:
            error = invalid_parameter(
                "claimbase-min-change",
                "must be a change id: the Claimbase-Change header of a write, digits only",
                "header",
            )
            await error_response(Request(scope), error)(scope, receive, send)
            return
        if not self.databases.replicas.replicas:
            await self.app(scope, receive, send)  # the primary serves every read
            return
        route = ReadRoute(min_change)
        read_route.set(route)
        if not await self._attempt(scope, receive, send, route):
            retry = ReadRoute(min_change, primary_only=True)
            read_route.set(retry)
            await self.app(dict(scope), _body_again(receive), send)
            route = retry
        read_route.set(None)
        if self.metrics is not None:
            self.metrics.reads.labels(route.database, route.reason).inc()

    async def _attempt(self, scope: Scope, receive: Receive, send: Send, route: ReadRoute) -> bool:
        """Serves the read; False, with nothing sent, when it must be retried on the primary."""
        dropped = False

        async def send_unless_failed(message: Message) -> None:
            nonlocal dropped
            if message["type"] == "http.response.start" and route.primary_only:
                dropped = True  # the failed replica's 503: the retry answers instead
            if not dropped:
                await send(message)

        await self.app(scope, receive, send_unless_failed)
        return not dropped


def _body_again(receive: Receive) -> Receive:
    """`receive` for the retry: a read's (empty) body once more, since the first attempt may
    have consumed it; then the client's own messages (a disconnect)."""
    given = False

    async def receive_again() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": b"", "more_body": False}

    return receive_again
