"""The change feed: every version of every record, in commit order, resumable by cursor,
filtered by time, resource, operation and author; each update with its before and after."""

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime, TypeAdapter, ValidationError
from sqlalchemy import ColumnElement, Connection, Row, Select, false, select

from app.query.filters import split_list
from app.query.grammar import ChangeListParams
from app.query.keyset import decode_cursor, encode_cursor, invalid_cursor, next_link
from app.query.reads import find_row
from app.resources import RESOURCES
from app.resources.kernel import Document
from app.resources.schemas import ChangePage
from app.store.engine import ReaderDep
from app.store.models import ApiKey, Change, ChangeOperation
from app.store.temporal import tables_at
from app.web.conditional import conditional
from app.web.deprecation import announce_parameter
from app.web.negotiation import JSON_ONLY_DEPENDENCY
from app.web.offload import read_off_loop
from app.web.problems import invalid_parameter
from app.web.responses import LIST_ERRORS, NOT_MODIFIED, json_response
from app.write.versioning import SEED_AUTHORS

router = APIRouter(tags=["changes"], dependencies=[JSON_ONLY_DEPENDENCY])
FEED = "changes"
_MOMENT = TypeAdapter(AwareDatetime)
# A cursor is base64 of JSON (`WyJ...`): a value that starts as a date is a time.
TIME_PREFIX = re.compile(r"[0-9]{4}-")


@router.get("/changes", response_model=ChangePage, responses={**NOT_MODIFIED, **LIST_ERRORS})
async def list_changes(
    request: Request, connection: ReaderDep, params: Annotated[ChangeListParams, Query()]
) -> Response:
    """Changes across all resources, oldest first; `next_cursor` resumes after the last one.

    Following it from the start and fetching each `/versions/{version}` mirrors the database
    exactly, retractions included.
    """
    after = 0
    # Read without the DeprecationWarning pydantic gives code that reads a deprecated field.
    since: str | None = params.model_dump(include={"since"})["since"]
    moment = _moment(since) if since is not None and TIME_PREFIX.match(since) else None
    old_cursor = since if moment is None else None
    name, given = ("since", old_cursor) if old_cursor is not None else ("cursor", params.cursor)
    if old_cursor is not None and params.cursor is not None:
        raise invalid_parameter("since", "the deprecated name of `cursor`: send `cursor` only")
    if given is not None:
        (position,) = decode_cursor(given, FEED, 1, name)
        if not isinstance(position, int):
            raise invalid_cursor("not a change feed cursor", name)
        after = position
    asked = (request, params, moment, after, old_cursor)
    if not _index_bound(params, moment):
        return conditional(request, await read_off_loop(connection, _page, *asked))
    return conditional(request, _page(connection, *asked))


def _index_bound(params: ChangeListParams, moment: datetime | None) -> bool:
    """Whether the page is a walk of an index in feed order that stops after a page: the whole
    feed (the primary key), or the feed without the seed's load (ix_change_not_seed_load). A
    filter on resource, operation, author or time is tested on each change the walk passes,
    and a rare value passes many: those pages are read off the event loop (app.web.offload)."""
    filters = (params.resource, params.operation, params.author, moment)
    return all(value is None for value in filters)


def _page(
    connection: Connection,
    request: Request,
    params: ChangeListParams,
    moment: datetime | None,
    after: int,
    old_cursor: str | None,
) -> Response:
    changes = connection.execute(feed_page(connection, params, moment, after)).all()
    cursor = encode_cursor(FEED, [changes[-1].id if changes else after])
    data = [
        {
            "resource": change.resource,
            "id": change.record_id,
            "version": change.version,
            "operation": change.operation,
            "at": change.at,
            "author": change.author,
            "reason": change.reason,
            "changed_fields": change.changed_fields,
            **_before_and_after(connection, change),
        }
        for change in changes
    ]
    response = json_response({"data": data, "next_cursor": cursor})
    if len(changes) == params.limit:
        # The next page's URL names the cursor `cursor`, whichever name this one used.
        url = request.url if old_cursor is None else request.url.remove_query_params("since")
        response.headers["Link"] = next_link(url, cursor)
    if old_cursor is not None:
        announce_parameter(response, "list_changes", "since")
    return response


def _moment(since: str) -> datetime:
    """`since` as a time (its form was checked with the parameters)."""
    try:
        return _MOMENT.validate_python(since)
    except ValidationError as error:
        message = error.errors()[0]["msg"]
        raise invalid_parameter("since", f"not a time: {message}") from None


def feed_page(
    connection: Connection, params: ChangeListParams, moment: datetime | None, after: int
) -> Select[Any]:
    """The page's statement: the changes after the change `after`, filtered, in feed order."""
    wanted = [Change.id > after, *_filters(connection, params, moment)]
    return select(Change.__table__).where(*wanted).order_by(Change.id).limit(params.limit)


def _filters(
    connection: Connection, params: ChangeListParams, moment: datetime | None
) -> list[ColumnElement[bool]]:
    """The feed's filters as SQL; an author that never existed is a 400."""
    clauses: list[ColumnElement[bool]] = []
    if moment is not None:
        clauses.append(Change.at > moment)
    if params.resource is not None:
        clauses.append(Change.resource.in_(split_list(params.resource)))
    if params.operation is not None:
        clauses.append(Change.operation.in_(split_list(params.operation)))
    if params.author is not None:
        authors = split_list(params.author)
        known = set(SEED_AUTHORS) | set(
            connection.execute(select(ApiKey.name).where(ApiKey.name.in_(authors))).scalars()
        )
        unknown = [author for author in authors if author not in known]
        if unknown:
            raise invalid_parameter(
                "author",
                f"no author {unknown[0]!r}: authors are API key names, or `seed` for the "
                "seed loader",
            )
        clauses.append(Change.author.in_(authors))
    if not params.include_seed_load:
        clauses.append(Change.seed_load == false())
    return clauses


def _before_and_after(connection: Connection, change: Row[Any]) -> dict[str, Document | None]:
    """An update's changed fields, read from the version before it and from its own (each
    version is current from its `at`, and versions of a record never share a moment)."""
    if change.operation != ChangeOperation.update.value:
        return {"before": None, "after": None}
    resource = RESOURCES[change.resource]
    values: dict[str, Document | None] = {}
    for key, moment in (("before", change.at - timedelta(microseconds=1)), ("after", change.at)):
        t = tables_at(moment)
        row = find_row(connection, t, resource, change.record_id)
        document: dict[str, Any] = resource.documents(connection, t, [row], set())[0]
        values[key] = {field: document.get(field) for field in change.changed_fields}
    return values
