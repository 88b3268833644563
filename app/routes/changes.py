"""The change feed: every version of every record, in commit order, resumable by cursor."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from app.query.grammar import ChangeListParams
from app.query.keyset import decode_cursor, encode_cursor, invalid_cursor, next_link
from app.resources.schemas import ChangePage
from app.store.engine import SessionDep
from app.store.models import Change
from app.web.conditional import conditional
from app.web.deprecation import announce_parameter
from app.web.negotiation import JSON_ONLY_DEPENDENCY
from app.web.problems import invalid_parameter
from app.web.responses import LIST_ERRORS, NOT_MODIFIED, json_response

router = APIRouter(tags=["changes"], dependencies=[JSON_ONLY_DEPENDENCY])
FEED = "changes"


@router.get("/changes", response_model=ChangePage, responses={**NOT_MODIFIED, **LIST_ERRORS})
async def list_changes(
    request: Request, session: SessionDep, params: Annotated[ChangeListParams, Query()]
) -> Response:
    """Changes across all resources, oldest first; `next_cursor` resumes after the last one.

    Following it from the start and fetching each `/versions/{version}` mirrors the database
    exactly, retractions included.
    """
    after = 0
    # Read without the DeprecationWarning pydantic gives code that reads a deprecated field.
    since: str | None = params.model_dump(include={"since"})["since"]
    name, given = ("since", since) if since is not None else ("cursor", params.cursor)
    if since is not None and params.cursor is not None:
        raise invalid_parameter("since", "the deprecated name of `cursor`: send `cursor` only")
    if given is not None:
        (position,) = decode_cursor(given, FEED, 1, name)
        if not isinstance(position, int):
            raise invalid_cursor("not a change feed cursor", name)
        after = position
    changes = list(
        session.execute(
            select(Change).where(Change.id > after).order_by(Change.id).limit(params.limit)
        ).scalars()
    )
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
        }
        for change in changes
    ]
    response = json_response({"data": data, "next_cursor": cursor})
    if len(changes) == params.limit:
        # The next page's URL names the cursor `cursor`, whichever name this one used.
        url = request.url.remove_query_params("since")
        response.headers["Link"] = next_link(url, cursor)
    if since is not None:
        announce_parameter(response, "list_changes", "since")
    return conditional(request, response)
