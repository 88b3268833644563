"""Request bodies of the write API: strict (unknown fields refused), validated like the seed.

Every write body is read by `json_body`, after the caller's key is checked: the wrong media
type is 415, a body that is not readable JSON is 400, a document that does not fit the model
(unknown field, control character, lone surrogate, too long) is 422 naming the field.

`reason` is required on every write; it goes to the record's history, never into the record.
A PATCH body is a JSON merge patch (RFC 7396) over the create body's fields. The body models
are derived from each resource's description (`app.resources.schemas`).
"""

from typing import Any

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from app.web.guards import JSON_MEDIA_TYPES, read_json_body
from app.web.problems import ApiError, ProblemError
from app.write.auth import Writer


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge member by member, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def invalid(error: ValidationError) -> ApiError:
    errors = [
        ProblemError(
            location="body",
            name=".".join(str(part) for part in item["loc"]) or "body",
            message=item["msg"],
        )
        for item in error.errors()
    ]
    detail = "; ".join(f"{item.name}: {item.message}" for item in errors)
    return ApiError("invalid-body", detail, errors=errors)


# POST takes JSON; PATCH takes a JSON merge patch, and plain JSON (which it also is).
CREATE_MEDIA_TYPES = ("application/json",)
PATCH_MEDIA_TYPES = JSON_MEDIA_TYPES


def json_body(model: type[BaseModel], media_types: tuple[str, ...]) -> Any:
    """A dependency giving the validated body; it depends on the write key, so an anonymous
    caller gets 401 before its body is even read."""

    async def body(request: Request, _caller: Writer) -> BaseModel:
        document = await read_json_body(request, media_types)
        try:
            return model.model_validate(document)
        except ValidationError as error:
            raise invalid(error) from None

    return Depends(body)


def request_body(model: type[BaseModel], media_types: tuple[str, ...]) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a route that reads its body with `json_body`."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    content = {media_type: {"schema": schema} for media_type in media_types}
    return {"requestBody": {"required": True, "content": content}}
