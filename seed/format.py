"""The seed file format, as pydantic models: what `seed/data/**/*.toml` may contain."""

from typing import Self

from pydantic import Field, model_validator

from app.resources import (
    CLAIM,
    ENTITY,
    INDICATOR,
    REVIEW,
    SOURCE,
    SPEAKER,
    STATISTIC,
    TOPIC,
    UNIT,
)
from app.resources.claim import check_speaker_kind
from app.resources.review import check_reference
from app.resources.schemas import fields_model
from app.resources.statistic import PeriodFields
from app.store.models import Modality
from app.write.validation import Strict

# The seed names references its own way: a claim's `speaker`, a figure's `claim`, and a
# source's text is a file beside it; the rest is validated exactly as the write API does.
REFERENCES = {"source_id", "speaker_id", "claim_id"}
PeriodEntry = PeriodFields


class SpeakerEntry(fields_model(SPEAKER, "SpeakerFields")):  # type: ignore[misc]
    pass


class TopicEntry(fields_model(TOPIC, "TopicFields")):  # type: ignore[misc]
    pass


class EntityEntry(fields_model(ENTITY, "EntityFields")):  # type: ignore[misc]
    pass


class IndicatorEntry(fields_model(INDICATOR, "IndicatorFields")):  # type: ignore[misc]
    pass


class UnitEntry(fields_model(UNIT, "UnitFields")):  # type: ignore[misc]
    pass


class SourceEntry(fields_model(SOURCE, "SourceFields", exclude={"text"})):  # type: ignore[misc]
    text_file: str = Field(min_length=1)


class ClaimEntry(fields_model(CLAIM, "ClaimFields", exclude=REFERENCES)):  # type: ignore[misc]
    speaker: str | None = None

    @model_validator(mode="after")
    def speaker_matches_kind(self) -> Self:
        check_speaker_kind(self.kind, self.speaker, self.topics)
        return self


class StatisticEntry(fields_model(STATISTIC, "StatisticFields", exclude=REFERENCES)):  # type: ignore[misc]
    claim: str
    # Required here (the API defaults it to asserted): every figure of a seed file says how
    # its source states it.
    modality: Modality


class ReviewEntry(
    fields_model(REVIEW, "ReviewFields", exclude={"claim_id", "statistic_id"})  # type: ignore[misc]
):
    claim: str
    statistic: str | None = None

    @model_validator(mode="after")
    def reference_needs_figure(self) -> Self:
        check_reference(self.statistic, self.reference_value, self.reference_source)
        return self


class SourceFile(Strict):
    source: SourceEntry
    claims: list[ClaimEntry] = Field(default_factory=list)
    statistics: list[StatisticEntry] = Field(default_factory=list)
    reviews: list[ReviewEntry] = Field(default_factory=list)


class SpeakersFile(Strict):
    speakers: list[SpeakerEntry] = Field(default_factory=list)


class TopicsFile(Strict):
    topics: list[TopicEntry] = Field(default_factory=list)
