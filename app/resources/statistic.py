"""Statistics: typed, unit-normalized figures, each tied to the claim that states it."""

from datetime import date
from typing import Any, Self

from pydantic import BaseModel, FiniteFloat, field_validator, model_validator
from pydantic import Field as Constraints

from app.formats.linked_data import LinkedData
from app.query.filters import AnyOf, Range
from app.resources.citations import CONTEXT, LOCATION
from app.resources.kernel import (
    Document,
    Facet,
    Field,
    Label,
    Relation,
    Resource,
    Sort,
    Span,
    Term,
    Through,
    Write,
    enum_values,
)
from app.store.models import Modality
from app.web.problems import invalid_body, invalid_fields
from app.write.figures import disagreements
from app.write.validation import CODE, ID, SNAKE, SOURCE_EXAMPLE, Strict, Text, find_span

# /v1/statistics/summary is the summary: a record with that id could never be read.
RESERVED_IDS = {"summary"}
MODALITIES = enum_values(Modality)


class Period(BaseModel):
    """The time a figure refers to; a bare year runs from 1 January to 31 December."""

    label: str = Constraints(examples=["2023"])
    start: date = Constraints(examples=["2023-01-01"])
    end: date = Constraints(examples=["2023-12-31"])


class PeriodFields(Strict):
    label: Text = Constraints(min_length=1, max_length=100)
    start: date
    end: date

    @model_validator(mode="after")
    def ends_after_start(self) -> Self:
        if self.end < self.start:
            raise ValueError("period end is before its start")
        return self


def _not_a_route(cls: Any, value: str) -> str:
    if value in RESERVED_IDS:
        raise ValueError(f"{value!r} is reserved (it is the path of another operation)")
    return value


def _prepare(write: Write) -> None:
    """The figure's span: where its `display` stands in its claim's text; and its value, unit
    and modality as its display states them (a 422 naming each field that disagrees)."""
    claim, body = write.referenced["claim_id"], write.body
    offset = find_span(claim["text"], body["display"], None)
    if isinstance(offset, str):
        raise invalid_body(
            "display", offset.replace("source text", f"text of claim {claim['id']!r}")
        )
    start = claim["span_start"]
    write.prepared.values.update(span_start=start + offset[0], span_end=start + offset[1])
    fields = {name: body[name] for name in ("value", "unit", "modality")}
    problems = disagreements(body["display"], **fields)
    if problems:
        raise invalid_fields(problems)


def _linked(linked: LinkedData, statistic: Document) -> Document:
    period = statistic["period"]
    return {"temporalCoverage": f"{period['start']}/{period['end']}"}


STATISTIC = Resource(
    name="statistic",
    plural="statistics",
    summary=__doc__ or "",
    fields=(
        Field("id", str, examples=["chn-gdp-growth-2023"], write=ID),
        Field(
            "indicator",
            str,
            examples=["gdp_growth_rate"],
            filters=(AnyOf("indicator", "Indicator id (/v1/indicators).", "gdp_growth_rate"),),
            sort=Sort("indicator", ("indicator",)),
            facet=Facet("indicator"),
            reference="indicator",
            write=(Text, Constraints(pattern=SNAKE, max_length=128)),
            term=Term("measuredProperty"),
        ),
        Field(
            "entity",
            str,
            examples=["CHN"],
            filters=(
                AnyOf(
                    "entity", "Entity id (/v1/entities; ISO 3166-1 alpha-3 for countries).", "CHN"
                ),
            ),
            sort=Sort("entity", ("entity",)),
            facet=Facet("entity"),
            reference="entity",
            write=(Text, Constraints(pattern=CODE, max_length=128)),
            term=Term("observationAbout"),
        ),
        Field(
            "value",
            float,
            description="Normalized: 7.6 million is 7600000.",
            examples=[5.2],
            filters=(Range("value"),),
            sort=Sort("value", ("value",)),
            write=(FiniteFloat, Constraints(description="Normalized: 7.6 million is 7600000.")),
            term=Term("value"),
        ),
        Field(
            "unit",
            str,
            examples=["percent"],
            filters=(AnyOf("unit", "Unit id (/v1/units).", "percent"),),
            sort=Sort("unit", ("unit",)),
            facet=Facet("unit"),
            reference="unit",
            write=(Text, Constraints(pattern=SNAKE, max_length=128)),
            term=Term("unitText"),
        ),
        Field(
            "display",
            str,
            description="The figure as written in the source.",
            examples=["5.2%"],
            write=(
                Text,
                Constraints(
                    min_length=1, max_length=200, description="As written in the claim's text."
                ),
            ),
            term=Term("description"),
        ),
        Field(
            "modality",
            Modality,
            description="How the source states the figure: `asserted` (as fact), `approximate` "
            '(hedged: "about", "nearly"), `projected` (a forecast or target) or `possible` '
            '("maybe"). Words in `display` that hedge cannot be `asserted`.',
            examples=["asserted"],
            filters=(
                AnyOf("modality", "How the figure is stated.", "projected,possible", MODALITIES),
            ),
            facet=Facet("modality"),
            write=(
                Modality,
                Constraints(
                    Modality.asserted,
                    description="How the source states the figure (default `asserted`); words "
                    'in `display` that hedge ("about", "maybe") cannot be `asserted`.',
                ),
            ),
            term=Term("measurementQualifier"),
        ),
        Field(
            "period",
            Period,
            column="period_label",
            parts={"label": "period_label", "start": "period_start", "end": "period_end"},
            filters=(AnyOf("period", "Period label, e.g. `2023`.", "2023", values="text"),),
            sort=Sort("period", ("period_start",), "its start date"),
            write=(PeriodFields, Constraints()),
            term=Term(parts={"end": "observationDate", "label": "observationPeriod"}),
        ),
        Field(
            "span",
            Span,
            description="Where `display` stands in the source text.",
            parts={"start": "span_start", "end": "span_end"},
            term=Term(parts={"start": "spanStart", "end": "spanEnd"}),
        ),
        *LOCATION,
        Field(
            "claim_id",
            str,
            examples=["nqpf-11"],
            filters=(
                Through(
                    "claim",
                    ("speaker", "source", "topic", "q"),
                    "Of the claim the figure comes from.",
                ),
            ),
            write=(Text, Constraints(max_length=128)),
            reference="claim",
            term=Term("about", reference="claim"),
        ),
        Field(
            "speaker_id",
            str | None,
            description="The claim's speaker.",
            examples=["michael-dunford"],
            via="claim",
            label=Label("speaker", "name"),
        ),
        Field(
            "source_id",
            str,
            examples=[SOURCE_EXAMPLE],
            via="claim",
            label=Label("source", "title"),
        ),
    ),
    annotations=CONTEXT,
    relations=(
        Relation("claim", "claim", key="claim_id"),
        Relation("speaker", "speaker", key="speaker_id"),
        Relation("source", "source", key="source_id"),
        Relation("reviews", "review", back="statistic_id", route=True),
    ),
    linked_type="Observation",
    linked_extra=_linked,
    checks={"not_a_route": field_validator("id")(_not_a_route)},
    prepare=_prepare,
)
