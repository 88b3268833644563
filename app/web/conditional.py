"""Conditional requests and caching: strong ETags, Last-Modified, 304, and Cache-Control.

If-Modified-Since is honoured where Last-Modified is sent (records and versions);
If-None-Match wins over it. Current reads are `no-cache`: any cache may keep them but must
revalidate (a cheap 304), since a correction can land at any moment. A version
(`/versions/{n}`) never changes, and neither does the past once it is past, so those are
cacheable for long.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import cast

from fastapi import Request, Response
from sqlalchemy import Connection, Table, func, select

from app.store.migrate import head_revision
from app.store.models import Change
from app.web.offload import read_off_loop

CURRENT = "no-cache"
IMMUTABLE = "max-age=31536000, immutable"
PAST = "max-age=86400"
# A write's time is taken inside its transaction, so the last moments may still fill in.
SETTLED_AFTER = timedelta(minutes=1)
# The newest change id, which names the data's state (state_etag). Built once; the table, not
# the ORM class: a Core statement skips the ORM's per-execution setup.
NEWEST_CHANGE = select(func.max(cast(Table, Change.__table__).c.id))


def record_etag(
    resource: str, record_id: str, version: int, fields: frozenset[str] | None = None
) -> str:
    """Strong: one version of one record has exactly one representation, and one per set of
    `fields` (a sparse one; If-Match takes the whole record's tag)."""
    tag = f"{resource}-{record_id}-v{version}"
    if fields is not None:
        tag += "-" + hashlib.sha256(",".join(sorted(fields)).encode()).hexdigest()[:12]
    return f'"{tag}"'


def names_a_sparse_tag(if_match: str, etag: str) -> bool:
    """Whether `if_match` holds a sparse tag (`record_etag` with fields) of the version that
    `etag` tags whole."""
    return f"{etag[:-1]}-" in if_match


def content_etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def cache_control_as_of(as_of: datetime | None) -> str:
    if as_of is not None and as_of < datetime.now(UTC) - SETTLED_AFTER:
        return PAST
    return CURRENT


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(header: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/` is ignored."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or etag in [tag.removeprefix("W/") for tag in tags]


# RFC 9110 8.8.3: `*`, or entity-tags (`"..."`, weak `W/"..."`) separated by commas.
_TAG = r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"'
ENTITY_TAGS = re.compile(rf"\s*(\*|{_TAG}(\s*,\s*{_TAG})*)\s*")


def well_formed(header: str) -> bool:
    """Whether an If-Match (or If-None-Match) is `*` or a list of quoted entity-tags; an
    unquoted `claim-nqpf-21-v2` is not one, and must not be read as a stale version."""
    return ENTITY_TAGS.fullmatch(header) is not None


def match(header: str, etag: str) -> bool:
    """If-Match uses the strong comparison: a weak tag never matches."""
    tags = _tags(header)
    return "*" in tags or etag in tags


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def validators(etag: str, last_modified: datetime | None, cache_control: str) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    return headers


def unmodified_since(header: str | None, last_modified: datetime | None) -> bool:
    """If-Modified-Since (RFC 9110 13.1.3): true when the representation has not changed since
    the date, at Last-Modified's one-second resolution; an unreadable date is ignored."""
    if header is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return last_modified.replace(microsecond=0) <= since


def settled_last_modified(moment: datetime | None, cache_control: str) -> datetime | None:
    """The Last-Modified to send, or None. It has one-second resolution, and a write's time is
    taken before it commits, so a version made in the same second as (or committing just
    after) a read could share its date, and a client asking If-Modified-Since would keep the
    older one. A current record's date is therefore sent once it is SETTLED_AFTER old; a
    version or the settled past never changes, and always has it. ETags are exact always."""
    if moment is None or cache_control != CURRENT:
        return moment
    return moment if moment < datetime.now(UTC) - SETTLED_AFTER else None


def not_modified(
    request: Request,
    etag: str,
    *,
    last_modified: datetime | None = None,
    cache_control: str = CURRENT,
    vary: str | None = None,
) -> Response | None:
    """The 304 (no body) when the client's copy is current: If-None-Match names `etag`, or,
    without If-None-Match (which wins when both are sent), If-Modified-Since is not before
    `last_modified`."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if not none_match(if_none_match, etag):
            return None
    elif not unmodified_since(request.headers.get("if-modified-since"), last_modified):
        return None
    # A 304 carries what a 200 would have varied on, so caches key it alike.
    headers = validators(etag, last_modified, cache_control)
    if vary is not None:
        headers["Vary"] = vary
    return Response(status_code=304, headers=headers)


def conditional(
    request: Request,
    response: Response,
    *,
    etag: str | None = None,
    last_modified: datetime | None = None,
    cache_control: str = CURRENT,
) -> Response:
    """Adds validators; answers 304 without a body when the client's copy is current."""
    etag = etag or content_etag(bytes(response.body))
    last_modified = settled_last_modified(last_modified, cache_control)
    unchanged = not_modified(
        request,
        etag,
        last_modified=last_modified,
        cache_control=cache_control,
        vary=response.headers.get("vary"),
    )
    if unchanged is not None:
        return unchanged
    response.headers.update(validators(etag, last_modified, cache_control))
    return response


@lru_cache
def _deployment() -> str:
    """What the bytes of a response depend on besides the data and the request: the code
    (this package's source) and the schema (the migration head)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return f"{metadata.version('claimbase')}/{head_revision()}/{digest.hexdigest()}"


def state_etag(connection: Connection, request: Request, media: str) -> str:
    """A list's ETag, known before the list is read, so a 304 costs one indexed lookup.

    A page is a function of its request and of the data, and the data changes exactly when a
    change row commits; writers are serialized (app.store.engine), so the newest change id names the
    state, and `_deployment` names the code and schema that render it.
    """
    newest = connection.execute(NEWEST_CHANGE).scalar()
    key = f"{_deployment()}\n{newest}\n{media}\n{request.url}"
    return f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


async def state_validated(
    request: Request,
    connection: Connection,
    build: Callable[[Connection], Response],
    cache_control: str = CURRENT,
) -> Response:
    """A JSON answer computed from the data (search, the summary), tagged by the data's state
    and the request like a list: a current client's copy costs one indexed lookup (a 304).
    The answer itself is computed off the event loop (app.web.offload), no index bounding
    its cost, in a read of its own after the request's connection is given back."""
    etag = state_etag(connection, request, "json")
    unchanged = not_modified(request, etag, cache_control=cache_control)
    if unchanged is not None:
        return unchanged
    response = await read_off_loop(connection, build)
    response.headers.update(validators(etag, None, cache_control))
    return response
