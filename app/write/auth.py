"""API keys: created and revoked by the CLI, stored as sha256 hashes, checked per request.

A key's name is what history records as the author of a change.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, insert, select, update

from app.config import get_settings
from app.store.engine import ReaderDep, SessionDep
from app.store.models import ApiKey, utc_now
from app.web.logs import note_api_key
from app.web.problems import ApiError
from app.web.ratelimit import limit_writes

SCOPES = ("read", "write")
TOKEN_PREFIX = "cb_"
# auto_error=False: a missing key is our own 401 problem, not FastAPI's bare 403.
bearer = HTTPBearer(auto_error=False, description="An API key from `python -m app keys create`.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass(frozen=True)
class Caller:
    name: str
    scope: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(connection: Connection, name: str, scope: str) -> str:
    """Stores a new key and returns its token: the only time the token is ever seen."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        insert(ApiKey).values(
            name=name, scope=scope, token_sha256=token_hash(token), created_at=utc_now()
        )
    )
    return token


def revoke_key(connection: Connection, name: str) -> bool:
    result = connection.execute(
        update(ApiKey)
        .where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    return result.rowcount > 0


def _challenge(scope: str, error: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="claimbase", scope="{scope}"'
    if error is not None:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def unauthorized(scope: str, detail: str, error: str | None = None) -> ApiError:
    return ApiError("unauthorized", detail, headers=_challenge(scope, error))


def authenticate(connection: Connection, token: str | None, scope: str) -> Caller:
    if not token:
        raise unauthorized(scope, f"This operation needs an API key with the {scope!r} scope.")
    presented = token_hash(token)
    key = connection.execute(
        select(ApiKey.name, ApiKey.scope, ApiKey.token_sha256).where(
            ApiKey.token_sha256 == presented, ApiKey.revoked_at.is_(None)
        )
    ).one_or_none()
    # The lookup is by hash; comparing the hashes in constant time keeps timing flat anyway.
    if key is None or not hmac.compare_digest(key.token_sha256, presented):
        raise unauthorized(scope, "The API key is unknown or revoked.", "invalid_token")
    if SCOPES.index(key.scope) < SCOPES.index(scope):
        raise ApiError(
            "forbidden",
            f"The key {key.name!r} has the {key.scope!r} scope; this needs {scope!r}.",
            headers=_challenge(scope, "insufficient_scope"),
        )
    note_api_key(key.name)
    return Caller(key.name, key.scope)


def require_writer(request: Request, session: SessionDep, credentials: Credentials) -> Caller:
    """The caller, whose key pays for the write; without a valid key, the address pays."""
    token = None if credentials is None else credentials.credentials
    try:
        caller = authenticate(session.connection(), token, "write")
    except ApiError:
        limit_writes(request, None)
        raise
    limit_writes(request, caller.name)
    return caller


async def require_reader(request: Request, connection: ReaderDep) -> None:
    """Reads are public unless READS_REQUIRE_KEY is set; writes check their own scope
    (`require_writer`). A dependency of the API's read routes only (app.routes): a write
    request opens no read connection.

    The header is read by hand so reads do not declare a security scheme in the OpenAPI."""
    if get_settings().reads_require_key and request.method in ("GET", "HEAD"):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        authenticate(connection, token.strip() if scheme.lower() == "bearer" else None, "read")


Writer = Annotated[Caller, Depends(require_writer)]
