"""GET /metrics: the Prometheus text exposition (only when METRICS_ENABLED), behind
`Authorization: Bearer <METRICS_TOKEN>` when a token is set. Not part of the API (/v1), nor of
its OpenAPI document."""

import hmac

from fastapi import APIRouter, Request, Response

from app.web.metrics import CONTENT_TYPE, Metrics
from app.write.auth import unauthorized

router = APIRouter(include_in_schema=False)
SCOPE = "metrics"


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Sync on purpose: the scrape asks each database for its change head, in a worker
    thread, never on the event loop."""
    token: str | None = request.app.state.settings.metrics_token
    if token:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        valid = scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), token.encode()
        )
        if not valid:
            raise unauthorized(SCOPE, "The metrics need `Authorization: Bearer <METRICS_TOKEN>`.")
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE)
