"""Building responses: JSON documents, list envelopes with `Link`, and declared error bodies."""

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from app.query.keyset import PageResult, next_link
from app.web.problems import PROBLEM_TYPES, Problem, by_status

JSON_MEDIA_TYPE = "application/json"


def problems(*slugs: str) -> dict[int | str, dict[str, Any]]:
    """The declared error responses of these problem types: one per status, described from
    the table, so that an SDK's docs name each `type` a status may carry."""
    return {
        status: {
            "model": Problem,
            "description": "\n\n".join(
                f"`{slug}`: {PROBLEM_TYPES[slug].description}" for slug in group
            ),
        }
        for status, group in by_status(slugs).items()
    }


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match names the current ETag (no body)."},
}
# What any operation may answer before it runs: a bad parameter, an Accept it cannot serve,
# a URL longer than the app reads.
ANY_REQUEST = ("invalid-parameter", "not-acceptable", "uri-too-long")
# What any operation under /v1 may answer, whatever it does: every one reads the database
# (away: 503), may need a key (READS_REQUIRE_KEY: 401) and is rate-limited (an expensive read
# or a write: 429). Declared once on the /v1 router, so that every operation inherits them.
API_ERRORS = problems("unauthorized", "too-many-requests", "service-unavailable")
# The slugs are listed in the order their statuses have always had in the OpenAPI document.
PARAMETER_ERRORS = problems(*ANY_REQUEST)
READ_ERRORS = problems(*ANY_REQUEST, "service-unavailable")
LIST_ERRORS = problems(*ANY_REQUEST, "invalid-cursor", "service-unavailable", "too-many-requests")
# A list's errors; its format operations (`/claims.csv`) answer the same.
FORMAT_RESPONSES: dict[int | str, dict[str, Any]] = {**NOT_MODIFIED, **LIST_ERRORS}
# The list itself (JSON, or a format Accept asks for), and the old `format=`'s redirect.
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    **FORMAT_RESPONSES,
    308: {
        "description": "`format=` (deprecated): the same query at the format's own path, "
        "named by Location."
    },
}
# A record's versions are pages: their cursor may be refused.
GET_ERRORS = {
    **NOT_MODIFIED,
    **problems(*ANY_REQUEST, "invalid-cursor", "service-unavailable", "not-found"),
}
# A write never answers 304: it has no If-None-Match.
WRITE_ERRORS = problems(
    *ANY_REQUEST,
    "service-unavailable",
    "too-many-requests",
    "not-found",
    "unauthorized",
    "forbidden",
    "conflict",
    "idempotency-key-reused",
    "gone",
    "precondition-failed",
    "invalid-body",  # 422, and 400 for a body that cannot be read as JSON
    "precondition-required",
    "payload-too-large",
    "unsupported-media-type",
)


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
