"""Request bodies of the write API: strict (unknown fields refused), validated like the seed.

`reason` is required on every write; it goes to the record's history, never into the record.
A PATCH body is a JSON merge patch (RFC 7396) over the create body's fields.
"""

from typing import Any, Self

from pydantic import BaseModel, Field, ValidationError, create_model, model_validator

from app.errors import ApiError, ProblemError
from app.validation import (
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
    reason: str = REASON


class SpeakerCreate(SpeakerFields, Reasoned):
    pass


class TopicCreate(TopicFields, Reasoned):
    pass


class SourceCreate(SourceFields, Reasoned):
    text: str = Field(min_length=1, description="The full text; claims are matched in it.")


class ClaimCreate(ClaimFields, Reasoned):
    source_id: str = Field(max_length=128)
    speaker_id: str | None = Field(None, max_length=128)

    @model_validator(mode="after")
    def speaker_matches_kind(self) -> Self:
        check_speaker_kind(self.kind, self.speaker_id, self.topics)
        return self


class StatisticCreate(StatisticFields, Reasoned):
    claim_id: str = Field(max_length=128)


def _patchable(annotation: Any) -> Any:
    """A field's type in a merge patch: nullable, and a nested object may be partial."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return dict[str, Any] | None
    return annotation | None


def patch_model(create: type[Reasoned]) -> type[BaseModel]:
    """The merge-patch body for `create`: any of its fields (null removes one), plus `reason`."""
    fields: dict[str, Any] = {
        name: (_patchable(field.annotation), Field(None, description=field.description))
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
