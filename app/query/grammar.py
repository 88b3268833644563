"""The public query grammar: one strict model per list endpoint; unknown parameters are refused."""

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CODE = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text, and no id, code or search contains control characters.
    if _FORBIDDEN_CHARACTERS.search(value):
        raise ValueError("must not contain control characters or lone surrogates")
    return value


Text = Annotated[str, AfterValidator(_printable)]


def _whole_number(value: object) -> object:
    # Pydantic's lax mode would read "1.0" or " 1" as 1; a page size is written as digits.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]+", value):
        raise ValueError("must be a whole number written in digits")
    return value


PageSize = Annotated[int, BeforeValidator(_whole_number)]


def _calendar_day(value: object) -> object:
    # Lax mode would also read "2023-02-03T00:00:00" or a Unix timestamp as a day.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_calendar_day)]

RFC_3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _rfc_3339(value: object) -> object:
    # Lax mode would also read a Unix timestamp as a moment; the contract is RFC 3339.
    if isinstance(value, str) and not RFC_3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 time with an offset, e.g. 2024-05-20T12:00:00Z")
    return value


def one_of_list(names: list[str]) -> str:
    """A pattern for a comma-separated list drawn from `names`."""
    choice = "|".join(re.escape(name) for name in names)
    return rf"^({choice})(,({choice}))*$"


def sort_pattern(names: list[str]) -> str:
    choice = "|".join(re.escape(name) for name in names)
    return rf"^-?({choice})(,-?({choice}))*$"


def code_list(description: str, example: str) -> Any:
    return Field(
        None,
        pattern=rf"^{CODE}(,{CODE})*$",
        max_length=2000,
        description=f"{description} Comma-separated values match any of them.",
        examples=[example],
    )


def include_field(names: list[str], example: str) -> Any:
    return Field(
        None,
        pattern=one_of_list(names),
        description=f"Embed related records: {', '.join(names)} (comma-separated).",
        examples=[example],
    )


class ListParams(BaseModel):
    """What every list endpoint accepts."""

    model_config = ConfigDict(extra="forbid")

    limit: PageSize = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Records per page (1-500)."
    )
    cursor: Text | None = Field(
        None,
        max_length=4096,
        description="Opaque: the `next_cursor` of the previous page of this same query.",
    )
    count: bool = Field(False, description="Add `total`, the number of records matched.")
    # Each resource narrows this to its own allow-list of sort fields.
    sort: str | None = "id"


class AsOf(BaseModel):
    """Time travel: what every list and get accepts."""

    model_config = ConfigDict(extra="forbid")

    as_of: Annotated[AwareDatetime, BeforeValidator(_rfc_3339)] | None = Field(
        None,
        description="RFC 3339 time with offset: the data as it stood at that moment "
        "(corrected records show their old values, later-retracted ones are still there).",
        examples=["2026-11-28T12:00:00Z"],
    )


class RecordScope(AsOf):
    """Which versions a list (or its summary) reads: of which moment, retracted ones or not."""

    include_retracted: bool = Field(
        False, description="Also list retracted records (their `retracted_at` is set)."
    )


class RecordListParams(ListParams, RecordScope):
    """A list of versioned records, in any of the list formats."""

    format: Literal["json", "csv", "ndjson", "jsonld"] | None = Field(
        None,
        description="Response format; wins over the Accept header. `csv` and `ndjson` export "
        "the whole filtered collection (not one page), streamed; `limit` is then the size of "
        "the batches read from the database.",
    )


class GetParams(AsOf):
    """A single versioned record."""


def facets_field(names: list[str], example: str) -> Any:
    return Field(
        None,
        pattern=one_of_list(names),
        description=f"Add `facets`: counts per value of {', '.join(names)} (comma-separated) "
        "under all the current filters, each with the parameter value that selects it.",
        examples=[example],
    )


SEARCH_DESCRIPTION = (
    "Full-text search in the claim's text (English stemming: `semiconductor` finds "
    '`semiconductors`). Every word must match; `"new quality"` is a phrase, `semicond*` a '
    "prefix. Operators and punctuation are searched as plain words."
)


CLAIM_SORTS = ["id", "kind", "position", "relevance"]
CLAIM_FACETS = ["speaker", "topic", "kind"]
CLAIM_INCLUDES = ["speaker", "source", "statistics"]
KINDS = ["direct_quote", "paraphrase", "author_statement"]


class ClaimListParams(RecordListParams):
    speaker: str | None = code_list("Speaker id.", "michael-dunford")
    source: str | None = code_list("Source id.", "csst-2024-05-20-new-quality-productive-forces")
    topic: str | None = code_list("Topic id.", "semiconductors,trade")
    kind: str | None = Field(
        None,
        pattern=one_of_list(KINDS),
        description="Claim kind. Comma-separated values match any of them.",
        examples=["direct_quote,paraphrase"],
    )
    q: Text | None = Field(
        None,
        min_length=1,
        max_length=500,
        description=SEARCH_DESCRIPTION,
        examples=["semiconductor"],
    )
    published_after: Day | None = Field(
        None, description="Only claims whose source was published after this date (exclusive)."
    )
    published_before: Day | None = Field(
        None, description="Only claims whose source was published before this date (exclusive)."
    )
    sort: str | None = Field(
        None,
        pattern=sort_pattern(CLAIM_SORTS),
        description="Comma-separated sort fields from: id, kind, position (source, then "
        "offset in its text), relevance (only with `q`). Prefix `-` for descending. Ties are "
        "broken by id, in the direction of the last field. Default: `-relevance` with `q`, "
        "else `id`. Relevance ranks the matches in blocks of the 500 most recently added, "
        "newest block first; other sorts are exact over every match.",
        examples=["-kind,id"],
    )
    include: str | None = include_field(CLAIM_INCLUDES, "speaker,statistics")
    facets: str | None = facets_field(CLAIM_FACETS, "speaker,topic,kind")


STATISTIC_SORTS = ["id", "value", "indicator", "entity", "unit", "period"]
STATISTIC_INCLUDES = ["claim", "speaker", "source"]
STATISTIC_FACETS = ["indicator", "entity", "unit"]
SUMMARY_GROUPS = ["indicator", "entity", "unit", "period"]


class StatisticFilterParams(BaseModel):
    """The filters of /v1/statistics, shared by its summary."""

    model_config = ConfigDict(extra="forbid")

    indicator: str | None = code_list("Indicator slug.", "gdp_growth_rate")
    entity: str | None = code_list("Entity code (ISO 3166-1 alpha-3 for countries).", "CHN")
    unit: str | None = code_list("Unit.", "percent")
    speaker: str | None = code_list(
        "Speaker id (of the claim the figure comes from).", "michael-dunford"
    )
    source: str | None = code_list(
        "Source id (of the claim the figure comes from).",
        "csst-2024-05-20-new-quality-productive-forces",
    )
    topic: str | None = code_list("Topic id (of the claim the figure comes from).", "trade")
    period: Text | None = Field(
        None,
        max_length=2000,
        description="Period label, e.g. `2023`. Comma-separated values match any of them.",
        examples=["2023"],
    )
    value_gte: float | None = Field(None, allow_inf_nan=False, description="value >= this.")
    value_gt: float | None = Field(None, allow_inf_nan=False, description="value > this.")
    value_lte: float | None = Field(None, allow_inf_nan=False, description="value <= this.")
    value_lt: float | None = Field(None, allow_inf_nan=False, description="value < this.")
    q: Text | None = Field(
        None,
        min_length=1,
        max_length=500,
        description=f"{SEARCH_DESCRIPTION} Matches the text of the claim the figure comes from.",
        examples=["semiconductor"],
    )


class StatisticListParams(RecordListParams, StatisticFilterParams):
    sort: str = Field(
        "id",
        pattern=sort_pattern(STATISTIC_SORTS),
        description="Comma-separated sort fields from: id, value, indicator, entity, unit, "
        "period (its start date). Prefix `-` for descending. Ties are broken by id, in the "
        "direction of the last field.",
        examples=["-value"],
    )
    include: str | None = include_field(STATISTIC_INCLUDES, "claim,speaker,source")
    facets: str | None = facets_field(STATISTIC_FACETS, "indicator,entity,unit")


class StatisticSummaryParams(StatisticFilterParams, RecordScope):
    group_by: str = Field(
        pattern=one_of_list(SUMMARY_GROUPS),
        description="Comma-separated fields to group by, from: indicator, entity, unit, period "
        "(its label).",
        examples=["indicator,entity"],
    )


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Text = Field(min_length=1, max_length=500, description=SEARCH_DESCRIPTION)
    limit: PageSize = Field(10, ge=1, le=50, description="Records per resource (1-50).")


SPEAKER_SORTS = ["id", "name"]


class SpeakerListParams(RecordListParams):
    country: str | None = code_list("Country (ISO 3166-1 alpha-3).", "GBR")
    q: Text | None = Field(
        None, min_length=1, max_length=200, description="Case-insensitive match in the name."
    )
    sort: str = Field(
        "id",
        pattern=sort_pattern(SPEAKER_SORTS),
        description="Comma-separated sort fields from: id, name. Prefix `-` for descending.",
    )


SOURCE_SORTS = ["id", "published_on", "title"]


class SourceListParams(RecordListParams):
    publisher: Text | None = Field(
        None,
        max_length=2000,
        description="Publisher name. Comma-separated values match any of them.",
        examples=["Chinese Social Sciences Today"],
    )
    language: str | None = code_list("Language (BCP 47).", "en")
    published_after: Day | None = Field(None, description="Published after this date.")
    published_before: Day | None = Field(None, description="Published before this date.")
    q: Text | None = Field(
        None, min_length=1, max_length=200, description="Case-insensitive match in the title."
    )
    sort: str = Field(
        "id",
        pattern=sort_pattern(SOURCE_SORTS),
        description="Comma-separated sort fields from: id, published_on, title. "
        "Prefix `-` for descending. Ties are broken by id, in the direction of the last field.",
        examples=["-published_on"],
    )


TOPIC_SORTS = ["id", "name"]


class TopicListParams(RecordListParams):
    sort: str = Field(
        "id",
        pattern=sort_pattern(TOPIC_SORTS),
        description="Comma-separated sort fields from: id, name. Prefix `-` for descending.",
    )


class ClaimGetParams(GetParams):
    include: str | None = include_field(CLAIM_INCLUDES, "speaker,statistics")


class StatisticGetParams(GetParams):
    include: str | None = include_field(STATISTIC_INCLUDES, "claim,speaker,source")


class NoParams(BaseModel):
    """For endpoints that take no query parameters: any parameter is refused."""

    model_config = ConfigDict(extra="forbid")


RECORD_ID: dict[str, Any] = {
    "pattern": rf"^{CODE}$",
    "max_length": 128,
    "description": "The record's id: letters, digits, `_ . : -`, at most 128 characters.",
}
RecordId = Annotated[str, Path(**RECORD_ID)]


class VersionListParams(ListParams):
    """A record's versions, newest first."""

    sort: str = Field(
        "-version",
        pattern=r"^-?version$",
        description="`-version` (newest first, the default) or `version`.",
    )


class ChangeListParams(BaseModel):
    """The change feed: every version of every record, oldest first."""

    model_config = ConfigDict(extra="forbid")

    since: Text | None = Field(
        None,
        max_length=200,
        description="Opaque: the `next_cursor` of a previous response; omit to start from "
        "the beginning.",
    )
    limit: PageSize = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Changes per page.")


VersionNumber = Annotated[int, Path(ge=1, le=2_000_000_000, description="A version number.")]
