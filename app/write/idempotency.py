"""`Idempotency-Key` on POST: the first response is stored with a hash of its request, so a
retry returns it again instead of creating twice; the key reused for another body is 409.

Only successful creates are stored (a failed one rolled back everything, the key included),
so retrying a failed request with the same key simply tries again.
"""

import hashlib
from typing import Any

import orjson
from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.store.models import IdempotencyKey, utc_now
from app.web.problems import ApiError

REPLAYED_HEADERS = (
    "content-type",
    "etag",
    "location",
    "last-modified",
    "cache-control",
    "claimbase-change",
)


def request_hash(request: Request, body: BaseModel) -> str:
    canonical = orjson.dumps(
        [request.method, request.url.path, body.model_dump(mode="json")],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def replayed(
    session: Session, caller: str, key: str | None, request: Request, body: BaseModel
) -> Response | None:
    """The stored response for this key, or None when the key is new (or not given)."""
    if key is None:
        return None
    stored = session.get(IdempotencyKey, (caller, key))
    if stored is None:
        return None
    if stored.request_sha256 != request_hash(request, body):
        raise ApiError(
            "idempotency-key-reused",
            "This Idempotency-Key was already used with a different request.",
        )
    headers: dict[str, Any] = {**stored.headers, "Idempotent-Replayed": "true"}
    return Response(stored.body.encode(), stored.status, headers=headers)


def remember(
    session: Session,
    caller: str,
    key: str | None,
    request: Request,
    body: BaseModel,
    response: Response,
) -> None:
    if key is None:
        return
    headers = {
        name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers
    }
    session.add(
        IdempotencyKey(
            key_name=caller,
            key=key,
            request_sha256=request_hash(request, body),
            status=response.status_code,
            body=bytes(response.body).decode(),
            headers=headers,
            created_at=utc_now(),
        )
    )
    session.flush()
