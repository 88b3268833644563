"""The seed file format, as pydantic models: what `seed/data/**/*.toml` may contain."""

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, model_validator

from app.models import ClaimKind

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SpeakerEntry(Strict):
    id: str = Field(pattern=SLUG, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(None, max_length=200)
    affiliation: str | None = Field(None, max_length=300)
    country: str | None = Field(None, pattern=r"^[A-Z]{3}$")


class TopicEntry(Strict):
    id: str = Field(pattern=SLUG, max_length=128)
    name: str = Field(min_length=1, max_length=200)


class SourceEntry(Strict):
    id: str = Field(pattern=SLUG, max_length=128)
    text_file: str = Field(min_length=1)
    title: str = Field(min_length=1)
    standfirst: str | None = None
    publisher: str = Field(min_length=1, max_length=200)
    authors: list[str]
    editors: list[str] = Field(default_factory=list)
    published_on: date
    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
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
        if self.kind is ClaimKind.author_statement and self.speaker is not None:
            raise ValueError("an author_statement is the publication's voice: it has no speaker")
        if self.kind is not ClaimKind.author_statement and self.speaker is None:
            raise ValueError(f"a {self.kind.value} needs a speaker")
        if len(set(self.topics)) != len(self.topics):
            raise ValueError("topics repeat")
        return self


class PeriodEntry(Strict):
    label: str = Field(min_length=1, max_length=100)
    start: date
    end: date

    @model_validator(mode="after")
    def ends_after_start(self) -> Self:
        if self.end < self.start:
            raise ValueError("period end is before its start")
        return self


class StatisticEntry(Strict):
    id: str = Field(pattern=SLUG, max_length=128)
    claim: str
    indicator: str = Field(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=128)
    entity: str = Field(pattern=CODE, max_length=128)
    value: FiniteFloat
    unit: str = Field(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=128)
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
