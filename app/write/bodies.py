"""Request bodies of the write API: strict (unknown fields refused), validated like the seed.

Every write body is read by `json_body`, after the caller's key is checked: the wrong media
type is 415, a body that is not readable JSON is 400, a document that does not fit the model
(unknown field, control character, lone surrogate, too long) is 422 naming the field.

`reason` is required on every write; it goes to the record's history, never into the record.
A PATCH body is a JSON merge patch (RFC 7396) over the create body's fields.
"""

from typing import Annotated, Any, Self

from fastapi import Depends, Request
from pydantic import BaseModel, Field, ValidationError, create_model, model_validator
from pydantic.fields import FieldInfo

from app.query.grammar import Text
from app.web.guards import JSON_MEDIA_TYPES, read_json_body
from app.web.problems import ApiError, ProblemError
from app.write.auth import Writer
from app.write.validation import (
    MAX_SOURCE_TEXT,
    ClaimFields,
    SourceFields,
    SpeakerFields,
    StatisticFields,
    Strict,
    TopicFields,
    check_speaker_kind,
)

REASON = Field(
    min_length=1,
    max_length=2000,
    description="Why this change is made; kept in the record's history.",
    examples=["Corrected against the published article"],
)


class Reasoned(Strict):
    reason: Text = REASON


class SpeakerCreate(SpeakerFields, Reasoned):
    pass


class TopicCreate(TopicFields, Reasoned):
    pass


class SourceCreate(SourceFields, Reasoned):
    text: Text = Field(
        min_length=1,
        max_length=MAX_SOURCE_TEXT,
        description="The full text; claims are matched in it (the body limit applies too).",
    )


class ClaimCreate(ClaimFields, Reasoned):
    source_id: Text = Field(max_length=128)
    speaker_id: Annotated[Text, Field(max_length=128)] | None = None

    @model_validator(mode="after")
    def speaker_matches_kind(self) -> Self:
        check_speaker_kind(self.kind, self.speaker_id, self.topics)
        return self


class StatisticCreate(StatisticFields, Reasoned):
    claim_id: Text = Field(max_length=128)


def _patchable(field: FieldInfo) -> Any:
    """A field's type in a merge patch: nullable, and a nested object may be partial; its
    constraints stay (the merged record is validated against the create body again anyway)."""
    annotation: Any = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return dict[str, Any] | None
    if field.metadata:
        annotation = Annotated[annotation, *field.metadata]
    return annotation | None


def patch_model(create: type[Reasoned]) -> type[BaseModel]:
    """The merge-patch body for `create`: any of its fields (null removes one), plus `reason`."""
    fields: dict[str, Any] = {
        name: (_patchable(field), Field(None, description=field.description))
        for name, field in create.model_fields.items()
        if name not in ("id", "reason")
    }
    model: type[BaseModel] = create_model(
        create.__name__.replace("Create", "Patch"),
        __base__=Reasoned,
        __doc__=f"A JSON merge patch (RFC 7396) of the fields of {create.__name__}.",
        **fields,
    )
    return model


SpeakerPatch = patch_model(SpeakerCreate)
TopicPatch = patch_model(TopicCreate)
SourcePatch = patch_model(SourceCreate)
ClaimPatch = patch_model(ClaimCreate)
StatisticPatch = patch_model(StatisticCreate)


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
    return ApiError(422, "invalid-body", "Invalid body", detail, errors=errors)


# POST takes JSON; PATCH takes a JSON merge patch, and plain JSON (which it also is).
CREATE_MEDIA_TYPES = ("application/json",)
PATCH_MEDIA_TYPES = JSON_MEDIA_TYPES
BODY_MODELS: tuple[type[BaseModel], ...] = (
    SpeakerCreate, SpeakerPatch, TopicCreate, TopicPatch, SourceCreate, SourcePatch,
    ClaimCreate, ClaimPatch, StatisticCreate, StatisticPatch,
)  # fmt: skip


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
