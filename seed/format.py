"""The seed file format, as pydantic models: what `seed/data/**/*.toml` may contain."""

from datetime import date
from typing import Self

from pydantic import Field, FiniteFloat, model_validator

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

SpeakerEntry = SpeakerFields
TopicEntry = TopicFields
PeriodEntry = PeriodFields


class SourceEntry(Strict):
    id: str = Field(pattern=SLUG, max_length=128)
    text_file: str = Field(min_length=1)
    title: str = Field(min_length=1)
    standfirst: str | None = None
    publisher: str = Field(min_length=1, max_length=200)
    authors: list[str]
    editors: list[str] = Field(default_factory=list)
    published_on: date
    language: str = Field(pattern=LANGUAGE)
    url: str | None = None


class ClaimEntry(Strict):
    id: str = Field(pattern=SLUG, max_length=128)
    kind: ClaimKind
    speaker: str | None = None
    topics: list[str] = Field(default_factory=list)
    text: str = Field(min_length=1)
    occurrence: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def speaker_matches_kind(self) -> Self:
        problem = speaker_kind_problem(self.kind, self.speaker, self.topics)
        if problem is not None:
            raise ValueError(problem)
        return self


class StatisticEntry(Strict):
    id: str = Field(pattern=SLUG, max_length=128)
    claim: str
    indicator: str = Field(pattern=SNAKE, max_length=128)
    entity: str = Field(pattern=CODE, max_length=128)
    value: FiniteFloat
    unit: str = Field(pattern=SNAKE, max_length=128)
    display: str = Field(min_length=1)
    period: PeriodEntry


class SourceFile(Strict):
    source: SourceEntry
    claims: list[ClaimEntry] = Field(default_factory=list)
    statistics: list[StatisticEntry] = Field(default_factory=list)


class SpeakersFile(Strict):
    speakers: list[SpeakerEntry] = Field(default_factory=list)


class TopicsFile(Strict):
    topics: list[TopicEntry] = Field(default_factory=list)
