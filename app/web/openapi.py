"""Touches on the generated OpenAPI document so it tells SDKs the truth about errors."""

from typing import Any

from pydantic.json_schema import models_json_schema

from app.resources import SCHEMAS
from app.web.problems import PROBLEM_MEDIA_TYPE

FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def customize_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Errors are served as problem+json, and parameter errors are 400, not FastAPI's 422
    (bodies that fail validation are 422, declared by the write operations)."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
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
