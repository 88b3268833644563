"""One error shape for the whole API: RFC 9457 problem details, each of a type in one table
(its status, title and meaning), built and served by one set of handlers."""

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.query.grammar import PATTERN_MESSAGES
from app.store.engine import is_unavailable
from app.store.replicas import read_route
from app.web.logs import current_request_id
from app.web.methods import allow_header

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("claimbase")


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: what the API answers with it, and what it means to a client."""

    status: int
    title: str
    description: str
    # A type served with another status too, each case documented in its description.
    other_statuses: tuple[int, ...] = ()

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *self.other_statuses)


# Every problem the API returns, by slug: its `type` is /problems/{slug}, served by
# app/routes/problems.py. Errors, the OpenAPI responses and those pages all read this table.
PROBLEM_TYPES: dict[str, ProblemType] = {
    "invalid-parameter": ProblemType(
        400,
        "Invalid parameter",
        "A query, path or header parameter is unknown, missing or malformed. `errors` names "
        "each offending parameter.",
    ),
    "invalid-cursor": ProblemType(
        400,
        "Invalid cursor",
        "The `cursor` parameter was not produced by this API for this exact query (same "
        "resource, filters and sort). Start again without a cursor.",
    ),
    "invalid-body": ProblemType(
        422,
        "Invalid body",
        "The request body is not valid for this operation. `errors` names each offending "
        "field. A JSON document that does not fit is a 422: a field unknown, missing, "
        "malformed or too long, a control character or lone surrogate in a string, a "
        "reference to nothing, or text not verbatim. A body that cannot be read as JSON at "
        "all is a 400: not UTF-8, not JSON, or nested deeper than MAX_JSON_DEPTH.",
        other_statuses=(400,),
    ),
    "unauthorized": ProblemType(
        401,
        "Unauthorized",
        "The operation needs an API key: send `Authorization: Bearer <key>`. The key is "
        "missing, unknown or revoked (`WWW-Authenticate` names the scope needed).",
    ),
    "forbidden": ProblemType(
        403,
        "Forbidden",
        "The API key is valid but its scope does not allow this operation "
        "(`insufficient_scope`; writes need a `write` key).",
    ),
    "not-found": ProblemType(
        404,
        "Not found",
        "No record has this id (or none had it yet `as_of` then), or nothing is served at "
        "this path.",
    ),
    "method-not-allowed": ProblemType(
        405,
        "Method not allowed",
        "The resource exists but does not support this HTTP method (`Allow` says which do).",
    ),
    "not-acceptable": ProblemType(
        406,
        "Not acceptable",
        "The API cannot produce any of the media types the Accept header asks for.",
    ),
    "conflict": ProblemType(
        409,
        "Conflict",
        "The write contradicts the data: the id is taken, or other records depend on the one "
        "being changed or retracted. `detail` says which.",
    ),
    "idempotency-key-reused": ProblemType(
        409,
        "Idempotency key reused",
        "This `Idempotency-Key` was used before with a different request body. Use a new key "
        "for a new request.",
    ),
    "gone": ProblemType(
        410,
        "Gone",
        "The record was retracted. `retracted_at`, `retracted_by` and `reason` say when, by "
        "whom and why; its history stays at `/versions`.",
    ),
    "precondition-failed": ProblemType(
        412,
        "Precondition failed",
        "`If-Match` does not name the record's current version: someone changed it since you "
        "read it. GET it again, re-apply your change, retry.",
    ),
    "uri-too-long": ProblemType(
        414,
        "URI too long",
        "The request target (path and query) is longer than the API reads (8192 bytes). Send "
        "fewer or shorter parameters.",
    ),
    "invalid-host": ProblemType(
        400,
        "Invalid host",
        "The Host header names a host this deployment does not serve (TRUSTED_HOSTS).",
    ),
    "payload-too-large": ProblemType(
        413,
        "Payload too large",
        "The request body is larger than the documented limit (MAX_BODY_BYTES, 1 MiB by default).",
    ),
    "unsupported-media-type": ProblemType(
        415,
        "Unsupported media type",
        "The request body must be sent as application/json (a PATCH may also be "
        "application/merge-patch+json).",
    ),
    "precondition-required": ProblemType(
        428,
        "Precondition required",
        "Writes to an existing record need `If-Match` with the ETag of the version you read, "
        "so that no one's change is overwritten unseen.",
    ),
    "too-many-requests": ProblemType(
        429,
        "Too many requests",
        "Too many requests of this kind from this client: writes per API key, expensive reads "
        "(`count`, `q`, exports, large pages) per address. Retry after the number of seconds "
        "in the Retry-After header.",
    ),
    "internal-error": ProblemType(
        500,
        "Internal error",
        "An unexpected error. It has been logged; the response carries no details.",
    ),
    "service-unavailable": ProblemType(
        503,
        "Service unavailable",
        "The database cannot be reached right now, or is not migrated yet. Retry after the "
        "number of seconds in the Retry-After header.",
    ),
}


def by_status(slugs: Iterable[str]) -> dict[int, list[str]]:
    """The slugs grouped under each status they are served with, statuses in the order the
    slugs first reach them."""
    groups: dict[int, list[str]] = {}
    for slug in slugs:
        for status in PROBLEM_TYPES[slug].statuses:
            groups.setdefault(status, []).append(slug)
    return groups


class ProblemError(BaseModel):
    """One offending input: where it is and what is wrong with it."""

    location: str = Field(examples=["query"])
    name: str = Field(examples=["limit"])
    message: str = Field(examples=["Input should be less than or equal to 500"])


class Problem(BaseModel):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = Field(examples=["/problems/invalid-parameter"])
    title: str = Field(examples=["Invalid parameter"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["limit: Input should be less than or equal to 500"])
    instance: str = Field(examples=["/v1/claims?limit=1000"])
    errors: list[ProblemError] | None = None
    request_id: str = Field(
        examples=["3f2b6c1e9a0d4b7c8e5f1a2b3c4d5e6f"],
        description="The request's id, as in its X-Request-ID response header: quote it when "
        "reporting a problem.",
    )


class ApiError(Exception):
    """Raised anywhere in the app; turned into a problem response by `handle_api_error`.
    Its status and title are its type's, from `PROBLEM_TYPES`."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: list[ProblemError] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail)
        problem = PROBLEM_TYPES[slug]
        assert status is None or status in problem.statuses, (slug, status)
        self.slug = slug
        self.status = problem.status if status is None else status
        self.title = problem.title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions or {}


def input_error(
    slug: str, name: str, message: str, location: str = "query", *, status: int | None = None
) -> ApiError:
    """A problem about one named input: its `errors` says where it is and what is wrong."""
    errors = [ProblemError(location=location, name=name, message=message)]
    return ApiError(slug, f"{name}: {message}", errors=errors, status=status)


def invalid_parameter(name: str, message: str, location: str = "query") -> ApiError:
    return input_error("invalid-parameter", name, message, location)


def invalid_body(name: str, message: str) -> ApiError:
    return input_error("invalid-body", name, message, "body")


def unreadable_body(message: str) -> ApiError:
    # Unreadable is 400, readable but wrong is 422 (docs/writes.md): the same type, so that
    # a client handles every bad body alike.
    return input_error("invalid-body", "body", message, "body", status=400)


def not_found(resource: str, record_id: str) -> ApiError:
    return ApiError("not-found", f"No {resource} has the id {record_id!r}.")


def conflict(detail: str) -> ApiError:
    return ApiError("conflict", detail)


def invalid_fields(messages: Mapping[str, str]) -> ApiError:
    """A 422 naming several body fields at once: a figure's `value` and the `display` it must
    agree with."""
    errors = [ProblemError(location="body", name=n, message=m) for n, m in messages.items()]
    detail = "; ".join(f"{error.name}: {error.message}" for error in errors)
    return ApiError("invalid-body", detail, errors=errors)


def unavailable(detail: str) -> ApiError:
    return ApiError("service-unavailable", detail, headers={"Retry-After": "5"})


def error_response(request: Request, error: ApiError) -> Response:
    """The one place a problem body is built."""
    instance = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body: dict[str, Any] = {
        "type": f"/problems/{error.slug}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": instance,
    }
    if error.errors is not None:
        body["errors"] = [item.model_dump() for item in error.errors]
    body["request_id"] = current_request_id()
    body.update(error.extensions)
    return Response(
        orjson.dumps(body), error.status, headers=error.headers, media_type=PROBLEM_MEDIA_TYPE
    )


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc)


def _describe_location(loc: tuple[int | str, ...]) -> tuple[str, str]:
    location = str(loc[0]) if loc else "request"
    name = ".".join(str(part) for part in loc[1:]) or location
    return location, name


def query_parameter_names(route: Any) -> list[str]:
    """The query parameters an operation takes (its parameter models' fields)."""
    dependant = getattr(route, "dependant", None)
    names: list[str] = []
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        pending.extend(current.dependencies)
        for field in current.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names += [info.alias or name for name, info in model.model_fields.items()]
            else:
                names.append(field.alias)
    return sorted(set(names))


def unknown_parameter(name: str, valid: list[str]) -> str:
    """`Unknown parameter`, with the closest valid name and the whole list."""
    if not valid:
        return "Unknown parameter: this operation takes no query parameters"
    by_case = [candidate for candidate in valid if candidate.lower() == name.lower()]
    close = by_case or difflib.get_close_matches(name.lower(), valid, n=1, cutoff=0.6)
    guess = f"; did you mean `{close[0]}`?" if close else ""
    return f"Unknown parameter{guess} Valid parameters: {', '.join(valid)}"


def _message(error: Any, location: str, valid: list[str], name: str) -> str:
    """What a person reads about one invalid input: allowed values rather than a regular
    expression, characters rather than items, the valid names for an unknown one."""
    kind = error.get("type")
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return unknown_parameter(name, valid) if location == "query" else "Unknown field"
    if kind == "string_pattern_mismatch" and context.get("pattern") in PATTERN_MESSAGES:
        return PATTERN_MESSAGES[context["pattern"]]
    if kind in ("too_short", "too_long") and isinstance(error.get("input"), str):
        # A constraint on `Text | None` is checked after the text validator, as a length
        # of anything: pydantic then counts "items".
        actual = context.get("actual_length", len(error["input"]))
        if kind == "too_short":
            least = context.get("min_length", 1)
            return f"must be at least {least} character{'s' * (least != 1)}, not {actual}"
        return f"must be at most {context.get('max_length')} characters, not {actual}"
    message = str(error.get("msg", "Invalid value"))
    return message.removeprefix("Value error, ") if kind == "value_error" else message


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    valid = query_parameter_names(request.scope.get("route"))
    errors = []
    for error in exc.errors():
        location, name = _describe_location(tuple(error.get("loc", ())))
        message = _message(error, location, valid, name)
        errors.append(ProblemError(location=location, name=name, message=message))
    in_body = any(error.location == "body" for error in errors)
    slug = "invalid-body" if in_body else "invalid-parameter"
    detail = "; ".join(f"{error.name}: {error.message}" for error in errors)
    return error_response(request, ApiError(slug, detail, errors=errors))


# What Starlette's own HTTP errors become: the type of each status that exactly one type is
# served with (404 not-found, 405, 406, 413, 415, 429, ...).
_HTTP_SLUGS = {
    status: slugs[0] for status, slugs in by_status(PROBLEM_TYPES).items() if len(slugs) == 1
}


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug = _HTTP_SLUGS.get(exc.status_code)
    if slug is None:
        # No type says what this status means here: raising it was a bug of ours.
        return _internal_error(request)
    detail = exc.detail if isinstance(exc.detail, str) else PROBLEM_TYPES[slug].title
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"Nothing is served at {request.url.path}."
    if exc.status_code == 405:
        # Starlette names the methods of the first route on the path; a path has several.
        headers["Allow"] = allow_header(request.app.router.routes, request.scope)
        detail = f"{request.url.path} supports {headers['Allow']}, not {request.method}."
    return error_response(request, ApiError(slug, detail, headers=headers))


def _internal_error(request: Request) -> Response:
    # The body never carries the exception, its SQL or a traceback: those go to the log only.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, ApiError("internal-error", "An unexpected error occurred."))


async def handle_database_error(request: Request, exc: Exception) -> Response:
    """A lost or refused connection is a 503 to retry; any other database error is a bug."""
    assert isinstance(exc, SQLAlchemyError)
    route = read_route.get()
    if route is not None and route.replica is not None and is_unavailable(exc):
        # The replica serving this read failed: app.web.read_routing runs it again on the
        # primary, and this 503 is never sent.
        route.replica.mark_down("it failed during a request")
        route.primary_only = True
    if is_unavailable(exc):
        logger.warning("database unavailable: %s", exc.__class__.__name__)
        return await handle_api_error(request, unavailable("The database cannot be reached."))
    return _internal_error(request)


async def handle_unexpected_error(request: Request, exc: Exception) -> Response:
    return _internal_error(request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(SQLAlchemyError, handle_database_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
