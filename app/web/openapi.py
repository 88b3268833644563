"""Touches on the generated OpenAPI document so that linters, client generators and fuzzers
read the truth: errors as problems, the headers sent and honoured, who may call what."""

import copy
from typing import Any

from pydantic.json_schema import models_json_schema

from app.resources import SCHEMAS
from app.web.deprecation import DEPRECATED_PARAMETERS
from app.web.negotiation import SPARSE_MEDIA_TYPE
from app.web.problems import PROBLEM_MEDIA_TYPE

FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
API_PREFIX = "/v1/"
WRITE_METHODS = ("post", "patch", "delete")
# Relative: the paths are served by whichever host served this document.
SERVERS = [{"url": "/", "description": "The server that serves this document."}]
LICENSE = {"name": "Proprietary (all rights reserved)", "identifier": "LicenseRef-claimbase"}
CONTACT = {"name": "The claimbase maintainers (see docs/operations.md)"}


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "schema": schema}


_TEXT = {"type": "string"}
# Every header the API sends, described once and referenced from the responses that carry it.
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": _header(
        "The representation's strong entity-tag: send it back as If-None-Match (a read) or "
        "If-Match (a write).",
        {"type": "string", "examples": ['"claim-nqpf-21-v2"']},
    ),
    "Last-Modified": _header(
        "When the record last changed (an HTTP date); send it back as If-Modified-Since.",
        {"type": "string", "examples": ["Sun, 06 Dec 2026 12:00:00 GMT"]},
    ),
    "Cache-Control": _header(
        "`no-cache` for current data (revalidate: a 304 is cheap), `max-age=86400` for a "
        "settled past, `max-age=31536000, immutable` for a version, `no-store` for writes "
        "and probes.",
        _TEXT,
    ),
    "Vary": _header("The request headers this response depends on.", _TEXT),
    "Link": _header(
        'The next page (RFC 8288): `<...?cursor=...>; rel="next"`, absent on the last page.',
        _TEXT,
    ),
    "Location": _header("The URL of the record just created.", {"type": "string"}),
    "Retry-After": _header(
        "Seconds to wait before trying again.", {"type": "integer", "minimum": 0}
    ),
    "WWW-Authenticate": _header(
        'The scheme and scope needed: `Bearer realm="claimbase", scope="write"`, with '
        "`error` when a key was sent.",
        _TEXT,
    ),
    "Deprecation": _header(
        "When what the request used was deprecated (RFC 9745: `@` and a Unix time).",
        _TEXT,
    ),
    "Sunset": _header(
        "When what the request used may stop working (RFC 8594, an HTTP date).", _TEXT
    ),
    "X-Request-ID": _header(
        "The request's id (the client's own, when well-formed): quote it when reporting a problem.",
        {"type": "string", "maxLength": 200},
    ),
    "Claimbase-Change": _header(
        "The id of the change this write committed (for a write that changed nothing, the "
        "newest change). Send it as `Claimbase-Min-Change` to read your write.",
        {"type": "integer"},
    ),
}
# Request headers the middleware and the handlers read themselves, so FastAPI cannot see them.
REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "If-None-Match": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "ETags of the copies you hold: a current one gets a 304 without a body.",
        "schema": {"type": "string", "examples": ['"claim-nqpf-21-v2"']},
    },
    "If-Modified-Since": {
        "name": "If-Modified-Since",
        "in": "header",
        "required": False,
        "description": "An HTTP date: a record not changed since gets a 304 (If-None-Match "
        "wins when both are sent).",
        "schema": {"type": "string", "examples": ["Sun, 06 Dec 2026 12:00:00 GMT"]},
    },
    # Read-your-writes (app/web/read_routing.py): the middleware, not FastAPI, reads it.
    "Claimbase-Min-Change": {
        "name": "Claimbase-Min-Change",
        "in": "header",
        "required": False,
        "description": "Serve this read only from a database that has the change with this "
        "id: send back the `Claimbase-Change` header of your write to read it. Without it, a "
        "read may be served by a read replica a little behind the primary.",
        "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999},
    },
}
# Which headers each status carries (every response carries X-Request-ID).
HEADERS_BY_STATUS: dict[str, tuple[str, ...]] = {
    "200": ("ETag", "Last-Modified", "Cache-Control", "Vary"),
    "201": ("ETag", "Last-Modified", "Cache-Control", "Location"),
    "304": ("ETag", "Last-Modified", "Cache-Control", "Vary"),
    "308": ("Location",),
    "401": ("WWW-Authenticate",),
    "403": ("WWW-Authenticate",),
    "410": ("ETag",),
    "412": ("ETag",),
    "429": ("Retry-After",),
    "503": ("Retry-After",),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def customize_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Errors are served as problem+json, and parameter errors are 400, not FastAPI's 422
    (bodies that fail validation are 422, declared by the write operations); servers, license,
    contact and security for the linters; headers and optional parameters for the clients."""
    document["info"].update(license=LICENSE, contact=CONTACT)
    document["servers"] = SERVERS
    for path, path_item in document.get("paths", {}).items():
        for method, operation in path_item.items():
            # Reads are public (READS_REQUIRE_KEY aside); writes name their scheme already.
            operation.setdefault("security", [])
            _omit_nulls(operation.get("parameters", []))
            _declare_headers(path, method, operation)
            responses: dict[str, Any] = operation.get("responses", {})
            # FastAPI's own 422 (parameter errors, served as 400 here); a declared 422 stays.
            if "HTTPValidationError" in str(responses.get("422", "")):
                responses.pop("422")
            for status, response in responses.items():
                # Declared under the operation's own media type (JSON, or a format's): a problem.
                content = response.get("content", {})
                if status[0] in "45" and len(content) == 1:
                    response["content"] = {PROBLEM_MEDIA_TYPE: next(iter(content.values()))}
    components = document.setdefault("components", {})
    components["headers"] = RESPONSE_HEADERS
    schemas = components.setdefault("schemas", {})
    _declare_sparse(document, schemas)
    # Write bodies are read by app.write.bodies.json_body, not by FastAPI: add their schemas.
    _, definitions = models_json_schema(
        [
            (model, "validation")
            for schemas in SCHEMAS.values()
            for model in (schemas.create, schemas.patch)
        ],
        ref_template="#/components/schemas/{model}",
    )
    for name, schema in definitions.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    components["schemas"] = dict(sorted(schemas.items()))
    return document


def _declare_sparse(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Each operation that takes `fields` may answer a sparse record (or page of them) in its
    own media type, with a schema derived from the full one: the same members, none required
    but `id`. The full schemas keep every member required, for clients and fuzzers alike."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not any(p["name"] == "fields" for p in operation.get("parameters", [])):
                continue
            content = operation["responses"]["200"]["content"]
            full = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            content[SPARSE_MEDIA_TYPE] = {"schema": _ref_to(_sparse_schema(schemas, full))}


def _ref_to(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _sparse_schema(schemas: dict[str, Any], full: str) -> str:
    """The name of `full`'s sparse schema (`ClaimRead` -> `ClaimSparseRead`, `ClaimPage` ->
    `ClaimSparsePage`, whose `data` are sparse records), added to `schemas` once."""
    kind = "Page" if full.endswith("Page") else "Read"
    name = f"{full.removesuffix(kind)}Sparse{kind}"
    if name not in schemas:
        schema = copy.deepcopy(schemas[full])
        schema["title"] = name
        if kind == "Page":
            record = schema["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[-1]
            schema["properties"]["data"]["items"] = _ref_to(_sparse_schema(schemas, record))
            schema["description"] = f"A page of sparse records (`fields=`): {full}'s."
        else:
            schema["required"] = ["id"]
            schema["description"] = (
                f"{full} with only the members `fields=` names and `id`, and what `include=` "
                "and `q` add."
            )
        schemas[name] = schema
    return name


def _omit_nulls(parameters: list[dict[str, Any]]) -> None:
    """An optional parameter is omitted, never null: a query string cannot carry a null, and
    a generated client given `null` would send the word. Pydantic spells `T | None = None` as
    `anyOf [T, null]` with `default: null`; the parameter is declared as `T`, not required."""
    for parameter in parameters:
        schema = parameter["schema"]
        branches = schema.get("anyOf", [])
        kept = [branch for branch in branches if branch != {"type": "null"}]
        if len(kept) < len(branches) and not parameter.get("required", False):
            del schema["anyOf"]
            if schema.get("default", 0) is None:
                del schema["default"]
            schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})


def _declare_headers(path: str, method: str, operation: dict[str, Any]) -> None:
    """Request headers the app honours as parameters; response headers by reference."""
    parameters = operation.setdefault("parameters", [])
    # The probes are `no-store`, with no validator: only the reads of /v1 are conditional.
    if method == "get" and path.startswith(API_PREFIX):
        parameters += [dict(header) for header in REQUEST_HEADERS.values()]
    for status, response in operation.get("responses", {}).items():
        headers = response.setdefault("headers", {})
        names = [*HEADERS_BY_STATUS.get(status, ()), "X-Request-ID"]
        if status.startswith("2") and method in WRITE_METHODS and path.startswith(API_PREFIX):
            names.append("Claimbase-Change")
        if status == "200" and _is_page(response):
            names.append("Link")
        if _may_announce_deprecation(operation, parameters):
            names += ["Deprecation", "Sunset"]
        headers.update({name: _ref(name) for name in names})


def _may_announce_deprecation(operation: dict[str, Any], parameters: list[Any]) -> bool:
    """Whether a response may carry `Deprecation` and `Sunset`: the operation or one of its
    parameters is deprecated, or a value of one is (a cursor sent as the feed's `since`)."""
    operation_id = operation.get("operationId")
    return bool(
        operation.get("deprecated")
        or any(p.get("deprecated") for p in parameters)
        or any((operation_id, p.get("name")) in DEPRECATED_PARAMETERS for p in parameters)
    )


def _is_page(response: dict[str, Any]) -> bool:
    """A page of a list (a `...Page`, or a `...Graph` in JSON-LD), whose next page is linked."""
    refs = [str(c.get("schema", {}).get("$ref", "")) for c in response.get("content", {}).values()]
    return any(ref.endswith(("Page", "Graph")) for ref in refs)
