"""The seed file format, as pydantic models: what `seed/data/**/*.toml` may contain."""

from typing import Self

from pydantic import Field, model_validator

from app.write.validation import (
    ClaimFields,
    PeriodFields,
    SourceFields,
    SpeakerFields,
    StatisticFields,
    Strict,
    TopicFields,
    check_speaker_kind,
)

SpeakerEntry = SpeakerFields
TopicEntry = TopicFields
PeriodEntry = PeriodFields


class SourceEntry(SourceFields):
    text_file: str = Field(min_length=1)


class ClaimEntry(ClaimFields):
    speaker: str | None = None

    @model_validator(mode="after")
    def speaker_matches_kind(self) -> Self:
        check_speaker_kind(self.kind, self.speaker, self.topics)
        return self


class StatisticEntry(StatisticFields):
    claim: str


class SourceFile(Strict):
    source: SourceEntry
    claims: list[ClaimEntry] = Field(default_factory=list)
    statistics: list[StatisticEntry] = Field(default_factory=list)


class SpeakersFile(Strict):
    speakers: list[SpeakerEntry] = Field(default_factory=list)


class TopicsFile(Strict):
    topics: list[TopicEntry] = Field(default_factory=list)
