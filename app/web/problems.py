"""One error shape for the whole API: RFC 9457 problem details, from one set of handlers."""

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.store.engine import is_unavailable

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("claimbase")

# Problem types are relative URIs, documented at GET /problems/{slug} (see app/routes/meta.py).
PROBLEM_TYPES: dict[str, str] = {
    "invalid-parameter": "A query, path or header parameter is unknown, missing or malformed. "
    "`errors` names each offending parameter.",
    "invalid-body": "The request body is not valid for this operation. `errors` names each "
    "offending field.",
    "invalid-cursor": "The `cursor` parameter was not produced by this API for this exact query "
    "(same resource, filters and sort). Start again without a cursor.",
    "not-found": "No record has this id.",
    "unauthorized": "The operation needs an API key: send `Authorization: Bearer <key>`. The "
    "key is missing, unknown or revoked.",
    "forbidden": "The API key is valid but its scope does not allow this operation "
    "(`insufficient_scope`; writes need a `write` key).",
    "conflict": "The write contradicts the data: the id is taken, or other records depend on "
    "the one being changed or retracted. `detail` says which.",
    "gone": "The record was retracted. `retracted_at`, `retracted_by` and `reason` say when, "
    "by whom and why; its history stays at `/versions`.",
    "precondition-failed": "`If-Match` does not name the record's current version: someone "
    "changed it since you read it. GET it again, re-apply your change, retry.",
    "precondition-required": "Writes to an existing record need `If-Match` with the ETag of "
    "the version you read, so that no one's change is overwritten unseen.",
    "idempotency-key-reused": "This `Idempotency-Key` was used before with a different request "
    "body. Use a new key for a new request.",
    "method-not-allowed": "The resource exists but does not support this HTTP method.",
    "not-acceptable": "The API cannot produce any of the media types the Accept header asks for.",
    "payload-too-large": "The request body is larger than the documented limit "
    "(MAX_BODY_BYTES, 1 MiB by default).",
    "unsupported-media-type": "The request body must be sent as application/json (or the "
    "media type the operation documents).",
    "too-many-requests": "Too many requests of this kind from this client (API key for writes, "
    "address for expensive reads). Retry after the number of seconds in the Retry-After header.",
    "service-unavailable": "The database cannot be reached right now. Retry after the number "
    "of seconds in the Retry-After header.",
    "internal-error": "An unexpected error. It has been logged; the response carries no details.",
}


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


class ApiError(Exception):
    """Raised anywhere in the app; turned into a problem response by `handle_api_error`."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        errors: list[ProblemError] | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        assert slug in PROBLEM_TYPES, slug
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions or {}


def input_error(
    slug: str, title: str, name: str, message: str, location: str = "query"
) -> ApiError:
    """A 400 about one named input: the problem's `errors` says where it is and what is wrong."""
    errors = [ProblemError(location=location, name=name, message=message)]
    return ApiError(400, slug, title, f"{name}: {message}", errors=errors)


def invalid_parameter(name: str, message: str, location: str = "query") -> ApiError:
    return input_error("invalid-parameter", "Invalid parameter", name, message, location)


def not_found(resource: str, record_id: str) -> ApiError:
    return ApiError(404, "not-found", "Not found", f"No {resource} has the id {record_id!r}.")


def conflict(detail: str) -> ApiError:
    return ApiError(409, "conflict", "Conflict", detail)


def invalid_body(name: str, message: str) -> ApiError:
    return ApiError(
        422,
        "invalid-body",
        "Invalid body",
        f"{name}: {message}",
        errors=[ProblemError(location="body", name=name, message=message)],
    )


def invalid_fields(messages: Mapping[str, str]) -> ApiError:
    """A 422 naming several body fields at once: a figure's `value` and the `display` it must
    agree with."""
    errors = [ProblemError(location="body", name=n, message=m) for n, m in messages.items()]
    detail = "; ".join(f"{error.name}: {error.message}" for error in errors)
    return ApiError(422, "invalid-body", "Invalid body", detail, errors=errors)


def unavailable(detail: str) -> ApiError:
    return ApiError(
        503, "service-unavailable", "Service unavailable", detail, headers={"Retry-After": "5"}
    )


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    instance = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = [error.model_dump() for error in errors]
    body.update(extensions or {})
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def error_response(request: Request, error: ApiError) -> Response:
    return problem_response(
        request,
        error.status,
        error.slug,
        error.title,
        error.detail,
        error.errors,
        error.headers,
        error.extensions,
    )


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc)


def _describe_location(loc: tuple[int | str, ...]) -> tuple[str, str]:
    location = str(loc[0]) if loc else "request"
    name = ".".join(str(part) for part in loc[1:]) or location
    return location, name


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        location, name = _describe_location(tuple(error.get("loc", ())))
        message = str(error.get("msg", "Invalid value"))
        if error.get("type") == "extra_forbidden":
            message = "Unknown parameter" if location != "body" else "Unknown field"
        errors.append(ProblemError(location=location, name=name, message=message))
    in_body = any(error.location == "body" for error in errors)
    status, slug, title = (
        (422, "invalid-body", "Invalid body")
        if in_body
        else (400, "invalid-parameter", "Invalid parameter")
    )
    detail = "; ".join(f"{error.name}: {error.message}" for error in errors)
    return problem_response(request, status, slug, title, detail, errors)


_HTTP_SLUGS = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
}


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_SLUGS.get(exc.status_code, ("internal-error", "Error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"Nothing is served at {request.url.path}."
    return problem_response(
        request, exc.status_code, slug, title, detail, headers=dict(exc.headers or {})
    )


def _internal_error(request: Request) -> Response:
    # The body never carries the exception, its SQL or a traceback: those go to the log only.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request, 500, "internal-error", "Internal error", "An unexpected error occurred."
    )


async def handle_database_error(request: Request, exc: Exception) -> Response:
    """A lost or refused connection is a 503 to retry; any other database error is a bug."""
    assert isinstance(exc, SQLAlchemyError)
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
