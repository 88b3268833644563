"""Request bodies of the write API: strict (unknown fields refused), validated like the seed.

`reason` is required on every write; it goes to the record's history, never into the record.
A PATCH body is a JSON merge patch (RFC 7396) over the create body's fields.
"""

from datetime import date
from typing import Any, Self

from pydantic import BaseModel, Field, FiniteFloat, create_model, model_validator

from app.models import ClaimKind
from app.validation import (
    CODE,
    LANGUAGE,
    SLUG,
    SNAKE,
    PeriodFields,
    SpeakerFields,
    Strict,
    TopicFields,
    speaker_kind_problem,
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


class SourceCreate(Reasoned):
    id: str = Field(pattern=SLUG, max_length=128)
    title: str = Field(min_length=1)
    standfirst: str | None = None
    publisher: str = Field(min_length=1, max_length=200)
    authors: list[str]
    editors: list[str] = Field(default_factory=list)
    published_on: date
    language: str = Field(pattern=LANGUAGE)
    url: str | None = None
    text: str = Field(min_length=1, description="The full text; claims are matched in it.")


class ClaimCreate(Reasoned):
    id: str = Field(pattern=SLUG, max_length=128)
    source_id: str = Field(max_length=128)
    speaker_id: str | None = Field(None, max_length=128)
    kind: ClaimKind
    topics: list[str] = Field(default_factory=list)
    text: str = Field(min_length=1, description="Verbatim from the source's text.")
    occurrence: int | None = Field(
        None, ge=1, description="Which occurrence of `text` in the source, when it repeats."
    )

    @model_validator(mode="after")
    def speaker_matches_kind(self) -> Self:
        problem = speaker_kind_problem(self.kind, self.speaker_id, self.topics)
        if problem is not None:
            raise ValueError(problem)
        return self


class StatisticCreate(Reasoned):
    id: str = Field(pattern=SLUG, max_length=128)
    claim_id: str = Field(max_length=128)
    indicator: str = Field(pattern=SNAKE, max_length=128)
    entity: str = Field(pattern=CODE, max_length=128)
    value: FiniteFloat = Field(description="Normalized: 7.6 million is 7600000.")
    unit: str = Field(pattern=SNAKE, max_length=128)
    display: str = Field(min_length=1, description="As written in the claim's text.")
    period: PeriodFields


def patch_model(create: type[Reasoned]) -> type[BaseModel]:
    """The merge-patch body for `create`: any of its fields (null removes one), plus `reason`."""
    fields: dict[str, Any] = {
        name: (Any, Field(None, description=field.description))
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
