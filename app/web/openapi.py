"""Touches on the generated OpenAPI document so it tells SDKs the truth about errors."""

from typing import Any

from pydantic.json_schema import models_json_schema

from app.resources import SCHEMAS
from app.web.problems import PROBLEM_MEDIA_TYPE

FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
API_PREFIX = "/v1/"
WRITE_METHODS = ("post", "patch", "delete")
# Read-your-writes (app/web/read_routing.py): declared here for every read and write of /v1,
# since the middleware, not FastAPI, reads and writes these headers.
MIN_CHANGE_PARAMETER = {
    "name": "Claimbase-Min-Change",
    "in": "header",
    "required": False,
    "description": "Serve this read only from a database that has the change with this id: "
    "send back the `Claimbase-Change` header of your write to read it. Without it, a read may "
    "be served by a read replica a little behind the primary.",
    "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999},
}
CHANGE_HEADER = {
    "description": "The id of the change this write committed (for a write that changed "
    "nothing, the newest change). Send it as `Claimbase-Min-Change` to read your write.",
    "schema": {"type": "integer"},
}


def customize_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Errors are served as problem+json, and parameter errors are 400, not FastAPI's 422
    (bodies that fail validation are 422, declared by the write operations)."""
    for path, path_item in document.get("paths", {}).items():
        for method, operation in path_item.items():
            if path.startswith(API_PREFIX):
                _declare_change_headers(method, operation)
            responses: dict[str, Any] = operation.get("responses", {})
            # FastAPI's own 422 (parameter errors, served as 400 here); a declared 422 stays.
            if "HTTPValidationError" in str(responses.get("422", "")):
                responses.pop("422")
            for status, response in responses.items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
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
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def _declare_change_headers(method: str, operation: dict[str, Any]) -> None:
    """Reads take Claimbase-Min-Change; successful writes answer with Claimbase-Change."""
    if method == "get":
        operation.setdefault("parameters", []).append(dict(MIN_CHANGE_PARAMETER))
    elif method in WRITE_METHODS:
        for status, response in operation.get("responses", {}).items():
            if status.startswith("2"):
                headers = response.setdefault("headers", {})
                headers["Claimbase-Change"] = dict(CHANGE_HEADER)
