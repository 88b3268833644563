"""Rate limiting: token buckets for writes (per API key) and expensive reads (per client address).

Writes are limited once their key is checked (`limit_writes`, called by the auth dependency):
a valid key spends its own budget, while a missing, unknown or revoked one spends the client
address's, so inventing keys never buys a fresh budget. Expensive reads are limited here, in
the middleware, before any work.

Buckets live in this process's memory, so each worker enforces its own budget: with N workers a
client may get up to N times the configured rate. That is the price of stateless workers (no
shared store); put a shared limiter in front (proxy or gateway) if the budget must be global.
"""

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.web.negotiation import MEDIA_TYPES, STREAMED
from app.web.problems import ApiError, error_response

if TYPE_CHECKING:
    from app.web.metrics import Metrics

# Beyond this page size a list read is "expensive" (the default page is 50).
EXPENSIVE_LIMIT = 100
MAX_TRACKED_CLIENTS = 100_000


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`rate` tokens per second up to `burst`; least recently seen clients are forgotten first."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        bucket = self.buckets.pop(key, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self.buckets[key] = bucket
        if len(self.buckets) > MAX_TRACKED_CLIENTS:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate if self.rate > 0 else math.inf


def is_expensive_read(request: Request) -> bool:
    """Reads that cost more than one index range scan: counts, text search, big pages, exports."""
    query = request.query_params
    if query.get("count", "").lower() in {"true", "1", "yes", "on"} or "q" in query:
        return True
    if request.url.path.rstrip("/").endswith(("/search", ".csv", ".ndjson", ".jsonld")):
        return True
    # An export asked for by Accept at the list's own path costs what its own path does.
    if any(media in request.headers.get("accept", "") for media in ("csv", "ndjson", "ld+json")):
        return True
    # An export asked for by Accept alone costs what `format=` does.
    accept = request.headers.get("accept", "").lower()
    if any(MEDIA_TYPES[media] in accept for media in STREAMED):
        return True
    limit = query.get("limit", "")
    return limit.isdigit() and int(limit) > EXPENSIVE_LIMIT


def too_many_requests(wait: float) -> ApiError:
    seconds = str(math.ceil(wait)) if math.isfinite(wait) else "3600"
    return ApiError(
        "too-many-requests",
        f"Rate limit reached; retry in {seconds} seconds.",
        headers={"Retry-After": seconds},
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def write_buckets(settings: Settings) -> TokenBuckets | None:
    """The app's write budgets (kept in `app.state`), or None when rate limiting is off."""
    if not settings.rate_limit_enabled:
        return None
    return TokenBuckets(settings.rate_limit_writes_per_minute, settings.rate_limit_burst)


def limit_writes(request: Request, key_name: str | None) -> None:
    """Spends one write from the validated key's budget, or (no valid key) the address's."""
    buckets: TokenBuckets | None = getattr(request.app.state, "write_buckets", None)
    if buckets is None:
        return
    subject = f"key:{key_name}" if key_name else f"address:{client_address(request)}"
    wait = buckets.take(subject)
    if wait > 0:
        metrics: Metrics | None = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.rate_limited.labels("writes").inc()
        raise too_many_requests(wait)


class RateLimitMiddleware:
    """Expensive reads, per client address (writes: see `limit_writes`)."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: "Metrics | None" = None) -> None:
        self.app = app
        self.metrics = metrics
        self.api_prefix = "/v1/"
        self.reads = TokenBuckets(
            settings.rate_limit_expensive_reads_per_minute, settings.rate_limit_burst
        )
        self.enabled = settings.rate_limit_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        wait = self._wait(request)
        if wait > 0:
            if self.metrics is not None:
                self.metrics.rate_limited.labels("expensive-reads").inc()
            await error_response(request, too_many_requests(wait))(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _wait(self, request: Request) -> float:
        if not request.url.path.startswith(self.api_prefix):
            return 0.0
        if request.method in {"GET", "HEAD"} and is_expensive_read(request):
            return self.reads.take(client_address(request))
        return 0.0
