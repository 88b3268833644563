"""Rules shared by the seed files and the write API, so both accept exactly the same data."""

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, field_validator, model_validator

from app.query.grammar import Text
from app.store.models import ClaimKind

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
SNAKE = r"^[a-z0-9]+(_[a-z0-9]+)*$"
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
RESERVED_STATISTIC_IDS = {"summary"}
# Every string field is `Text` (no control characters, no lone surrogates) with a maximum
# length; a source's full text may be long, but within the request body limit anyway.
MAX_SOURCE_TEXT = 1_000_000
MAX_CLAIM_TEXT = 5_000
Name = Annotated[Text, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SpeakerFields(Strict):
    id: Text = Field(pattern=SLUG, max_length=128)
    name: Text = Field(min_length=1, max_length=200)
    title: Annotated[Text, Field(max_length=200)] | None = None
    affiliation: Annotated[Text, Field(max_length=300)] | None = None
    # A pattern leaves no room for control characters, so plain `str` (keeps it in the schema).
    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None


class TopicFields(Strict):
    id: Text = Field(pattern=SLUG, max_length=128)
    name: Text = Field(min_length=1, max_length=200)


class PeriodFields(Strict):
    label: Text = Field(min_length=1, max_length=100)
    start: date
    end: date

    @model_validator(mode="after")
    def ends_after_start(self) -> Self:
        if self.end < self.start:
            raise ValueError("period end is before its start")
        return self


class SourceFields(Strict):
    id: Text = Field(pattern=SLUG, max_length=128)
    title: Text = Field(min_length=1, max_length=1000)
    standfirst: Annotated[Text, Field(max_length=5000)] | None = None
    publisher: Text = Field(min_length=1, max_length=200)
    authors: list[Name] = Field(max_length=100)
    editors: list[Name] = Field(default_factory=list, max_length=100)
    published_on: date
    language: Text = Field(pattern=LANGUAGE, max_length=35)
    url: Annotated[Text, Field(max_length=2000)] | None = None


class ClaimFields(Strict):
    """A claim's own fields; its references are named by the seed and the API each their way."""

    id: Text = Field(pattern=SLUG, max_length=128)
    kind: ClaimKind
    topics: list[Annotated[Text, Field(max_length=128)]] = Field(
        default_factory=list, max_length=50
    )
    text: Text = Field(
        min_length=1, max_length=MAX_CLAIM_TEXT, description="Verbatim from the source's text."
    )
    occurrence: int | None = Field(
        None, ge=1, description="Which occurrence of `text` in the source, when it repeats."
    )


class StatisticFields(Strict):
    id: Text = Field(pattern=SLUG, max_length=128)

    @field_validator("id")
    @classmethod
    def not_a_route(cls, value: str) -> str:
        # /v1/statistics/summary is the summary: a record with that id could never be read.
        if value in RESERVED_STATISTIC_IDS:
            raise ValueError(f"{value!r} is reserved (it is the path of another operation)")
        return value

    indicator: Text = Field(pattern=SNAKE, max_length=128)
    entity: Text = Field(pattern=CODE, max_length=128)
    value: FiniteFloat = Field(description="Normalized: 7.6 million is 7600000.")
    unit: Text = Field(pattern=SNAKE, max_length=128)
    display: Text = Field(
        min_length=1, max_length=200, description="As written in the claim's text."
    )
    period: PeriodFields


def check_speaker_kind(kind: ClaimKind, speaker: str | None, topics: list[str]) -> None:
    """Refuses a claim whose kind, speaker and topics do not fit together."""
    if kind is ClaimKind.author_statement and speaker is not None:
        raise ValueError("an author_statement is the publication's voice: it has no speaker")
    if kind is not ClaimKind.author_statement and speaker is None:
        raise ValueError(f"a {kind.value} needs a speaker")
    if len(set(topics)) != len(topics):
        raise ValueError("topics repeat")


def find_span(source_text: str, text: str, occurrence: int | None) -> tuple[int, int] | str:
    """The `[start, end)` of `text` in `source_text`, or why it cannot be placed."""
    starts: list[int] = []
    position = source_text.find(text)
    while position != -1:
        starts.append(position)
        position = source_text.find(text, position + 1)
    if not starts:
        return "text is not verbatim in the source text"
    if occurrence is None and len(starts) > 1:
        return f"text occurs {len(starts)} times in the source; say which with `occurrence`"
    index = (occurrence or 1) - 1
    if index >= len(starts):
        return f"occurrence {occurrence} asked but the text occurs {len(starts)} times"
    return starts[index], starts[index] + len(text)
