"""Building responses: JSON documents, list envelopes with `Link`, and declared error bodies."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.errors import Problem
from app.json import dumps
from app.pagination import PageResult, next_link

JSON_MEDIA_TYPE = "application/json"


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


LIST_ERRORS: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match names the current ETag (no body)."},
    400: _problem("A parameter is unknown or malformed, or the cursor is not for this query."),
    503: _problem("The database is unavailable; retry after Retry-After seconds."),
}
GET_ERRORS: dict[int | str, dict[str, Any]] = {
    **LIST_ERRORS,
    404: _problem("No record has this id."),
}

WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **GET_ERRORS,
    401: _problem("No API key, or an unknown or revoked one (see WWW-Authenticate)."),
    403: _problem("The API key lacks the `write` scope."),
    409: _problem(
        "The id is taken, live records depend on this one, or the Idempotency-Key "
        "was used with another body."
    ),
    410: _problem("The record is retracted."),
    412: _problem("If-Match does not name the current version."),
    422: _problem("The body is invalid (fields, references, or text not verbatim)."),
    428: _problem("If-Match is missing."),
}


def json_response(document: Any, status: int = 200) -> Response:
    return Response(dumps(document), status, media_type=JSON_MEDIA_TYPE)


def list_response(request: Request, data: list[dict[str, Any]], page: PageResult) -> Response:
    body: dict[str, Any] = {"data": data, "next_cursor": page.next_cursor}
    if page.total is not None:
        body["total"] = page.total
    response = json_response(body)
    if page.next_cursor is not None:
        response.headers["Link"] = next_link(request.url, page.next_cursor)
    return response
