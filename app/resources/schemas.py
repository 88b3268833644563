"""Response shapes as published in the OpenAPI document (the contract SDKs are generated from)."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class RecordMeta(BaseModel):
    version: int = Field(description="1 for a new record; each change adds one.", examples=[1])
    created_at: datetime
    updated_at: datetime = Field(description="When this version was made.")
    retracted_at: datetime | None = Field(
        None,
        description="Set when the record was retracted (listed only with "
        "`include_retracted=true`).",
    )


class Span(BaseModel):
    """Character offsets `[start, end)` into the source's `text` (Unicode code points)."""

    start: int = Field(ge=0, examples=[3020])
    end: int = Field(gt=0, examples=[3330])


class Period(BaseModel):
    """The time a figure refers to; a bare year runs from 1 January to 31 December."""

    label: str = Field(examples=["2023"])
    start: date = Field(examples=["2023-01-01"])
    end: date = Field(examples=["2023-12-31"])


class SourceRead(RecordMeta):
    id: str = Field(examples=["csst-2024-05-20-new-quality-productive-forces"])
    title: str = Field(
        examples=["New quality productive forces to fuel global industrial progress"]
    )
    standfirst: str | None = Field(description="The line under the headline (photo caption).")
    publisher: str = Field(examples=["Chinese Social Sciences Today"])
    authors: list[str] = Field(examples=[["Bai Le"]])
    editors: list[str] = Field(examples=[["Chen Mirong"]])
    published_on: date = Field(examples=["2024-05-20"])
    language: str = Field(description="BCP 47 language tag.", examples=["en"])
    url: str | None = Field(description="Where the source was published, when known.")
    text: str = Field(description="The full text that claim spans index into.")
    sha256: str = Field(description="SHA-256 of `text` encoded as UTF-8, hex.")


class SpeakerRead(RecordMeta):
    id: str = Field(examples=["michael-dunford"])
    name: str = Field(examples=["Michael Dunford"])
    title: str | None = Field(examples=["Emeritus Professor"])
    affiliation: str | None = Field(examples=["University of Sussex"])
    country: str | None = Field(description="ISO 3166-1 alpha-3.", examples=["GBR"])


class TopicRead(RecordMeta):
    id: str = Field(examples=["semiconductors"])
    name: str = Field(examples=["Semiconductors"])


class ClaimRead(RecordMeta):
    id: str = Field(examples=["nqpf-21"])
    kind: str = Field(
        description="direct_quote, paraphrase or author_statement (the publication's own voice).",
        examples=["direct_quote"],
    )
    text: str = Field(description="Verbatim from the source, at `span`.")
    span: Span
    speaker_id: str | None = Field(
        description="Null for the publication's own voice.", examples=["michael-dunford"]
    )
    source_id: str = Field(examples=["csst-2024-05-20-new-quality-productive-forces"])
    topics: list[str] = Field(description="Topic ids.", examples=[["semiconductors"]])
    speaker: SpeakerRead | None = Field(None, description="Present with `include=speaker`.")
    source: SourceRead | None = Field(None, description="Present with `include=source`.")
    statistics: list["StatisticRead"] | None = Field(
        None, description="Present with `include=statistics`."
    )
    snippet: str | None = Field(
        None,
        description="Present with `q`: the text (or a window of it, cut at `…`) HTML-escaped, "
        "with each matching word in <mark></mark>.",
        examples=["… global <mark>semiconductor</mark> capacity …"],
    )


class StatisticRead(RecordMeta):
    id: str = Field(examples=["chn-gdp-growth-2023"])
    indicator: str = Field(examples=["gdp_growth_rate"])
    entity: str = Field(examples=["CHN"])
    value: float = Field(description="Normalized: 7.6 million is 7600000.", examples=[5.2])
    unit: str = Field(examples=["percent"])
    display: str = Field(description="The figure as written in the source.", examples=["5.2%"])
    period: Period
    span: Span = Field(description="Where `display` stands in the source text.")
    claim_id: str = Field(examples=["nqpf-11"])
    speaker_id: str | None = Field(description="The claim's speaker.", examples=["michael-dunford"])
    source_id: str = Field(examples=["csst-2024-05-20-new-quality-productive-forces"])
    claim: ClaimRead | None = Field(None, description="Present with `include=claim`.")
    speaker: SpeakerRead | None = Field(None, description="Present with `include=speaker`.")
    source: SourceRead | None = Field(None, description="Present with `include=source`.")


class PageBase(BaseModel):
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    total: int | None = Field(None, description="Records matched; present with `count=true`.")


class FacetBucket(BaseModel):
    value: str = Field(description="Pass as the facet's parameter to select this bucket.")
    label: str = Field(description="Display name (topic or speaker name, else the value).")
    count: int = Field(description="Records in this bucket under the current filters.")


class ClaimFacets(BaseModel):
    speaker: list[FacetBucket] | None = None
    topic: list[FacetBucket] | None = None
    kind: list[FacetBucket] | None = None


class StatisticFacets(BaseModel):
    indicator: list[FacetBucket] | None = None
    entity: list[FacetBucket] | None = None
    unit: list[FacetBucket] | None = None


class ClaimPage(PageBase):
    data: list[ClaimRead]
    facets: ClaimFacets | None = Field(None, description="Present with `facets=`.")


class StatisticPage(PageBase):
    data: list[StatisticRead]
    facets: StatisticFacets | None = Field(None, description="Present with `facets=`.")


class LatestFigure(BaseModel):
    value: float
    statistic_id: str
    period_label: str
    period_end: date


class SummaryGroup(BaseModel):
    group: dict[str, str] = Field(
        description="The value of each `group_by` field.",
        examples=[{"indicator": "gdp_growth_rate", "entity": "CHN"}],
    )
    count: int
    min: float
    max: float
    latest: LatestFigure = Field(
        description="The figure with the latest period end (the greatest id among equals)."
    )


class StatisticSummary(BaseModel):
    data: list[SummaryGroup]


class SearchResults(BaseModel):
    claims: list[ClaimRead] = Field(description="By relevance, each with its `snippet`.")
    statistics: list[StatisticRead] = Field(description="Figures of matching claims.")
    speakers: list[SpeakerRead] = Field(description="Names containing every word.")
    sources: list[SourceRead] = Field(description="Titles containing every word.")


class SpeakerPage(PageBase):
    data: list[SpeakerRead]


class SourcePage(PageBase):
    data: list[SourceRead]


class TopicPage(PageBase):
    data: list[TopicRead]


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    detail: str | None = None


class VersionRead(BaseModel):
    """One version of a record: who made it, when and why."""

    version: int = Field(examples=[2])
    operation: str = Field(description="create, update or retract.", examples=["update"])
    at: datetime
    author: str = Field(description="The API key's name, or `seed`.", examples=["editor"])
    reason: str = Field(examples=["The article says 7.6 million pieces per month"])
    changed_fields: list[str] = Field(examples=[["value", "display"]])


class VersionPage(PageBase):
    data: list[VersionRead]


class ChangeRead(VersionRead):
    """One entry of the change feed: a version of any record."""

    resource: str = Field(examples=["statistic"])
    id: str = Field(examples=["chn-monthly-wafer-capacity"])


class ChangePage(BaseModel):
    data: list[ChangeRead]
    next_cursor: str = Field(
        description="Pass as `since` to continue after the last change here; always present "
        "(a feed has no end: poll with it later)."
    )
