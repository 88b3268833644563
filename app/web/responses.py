"""Building responses: JSON documents, list envelopes with `Link`, and declared error bodies."""

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from app.query.keyset import PageResult, next_link
from app.web.problems import Problem

JSON_MEDIA_TYPE = "application/json"


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match names the current ETag (no body)."},
}
PARAMETER_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem(
        "A parameter is unknown, malformed or given twice, or the cursor is not for this query."
    ),
    406: _problem("None of the media types in Accept can be produced."),
    414: _problem("The URL (path and query) is longer than 8192 bytes."),
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    **PARAMETER_ERRORS,
    503: _problem("The database is unavailable; retry after Retry-After seconds."),
}
LIST_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    429: _problem(
        "Too many expensive reads (count, q, large pages) from this address; retry after "
        "Retry-After seconds."
    ),
}
# The 200 of every list in its other formats, and the 406 when none is acceptable.
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of records (JSON, JSON-LD), or the whole filtered collection "
        "streamed (CSV, NDJSON). Choose with Accept or `format`.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/ld+json": {"schema": {"type": "object"}},
        },
    },
    **NOT_MODIFIED,
    **LIST_ERRORS,
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _problem("No record has this id.")}
GET_ERRORS: dict[int | str, dict[str, Any]] = {**NOT_MODIFIED, **READ_ERRORS, **NOT_FOUND}

# A write never answers 304: it has no If-None-Match.
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    400: _problem(
        "A parameter is malformed, or the body cannot be read as JSON (not UTF-8, not JSON, "
        "nested deeper than MAX_JSON_DEPTH)."
    ),
    429: _problem("Too many writes with this API key; retry after Retry-After seconds."),
    **NOT_FOUND,
    401: _problem("No API key, or an unknown or revoked one (see WWW-Authenticate)."),
    403: _problem("The API key lacks the `write` scope."),
    409: _problem(
        "The id is taken, live records depend on this one, or the Idempotency-Key "
        "was used with another body."
    ),
    410: _problem("The record is retracted."),
    412: _problem("If-Match does not name the current version."),
    422: _problem(
        "The body is invalid: a field unknown, missing, malformed or too long, a control "
        "character or lone surrogate in a string, a reference to nothing, or text not verbatim."
    ),
    428: _problem("If-Match is missing."),
    413: _problem("The body is larger than MAX_BODY_BYTES."),
    415: _problem(
        "The body is not application/json (a PATCH may also be application/merge-patch+json)."
    ),
}


def json_response(document: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(document), status, media_type=JSON_MEDIA_TYPE)


def list_response(
    request: Request,
    data: list[dict[str, Any]],
    page: PageResult,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {"data": data, "next_cursor": page.next_cursor}
    if page.total is not None:
        body["total"] = page.total
    body.update(extra or {})
    response = json_response(body)
    if page.next_cursor is not None:
        response.headers["Link"] = next_link(request.url, page.next_cursor)
    return response
