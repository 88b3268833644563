"""Indicators: what a figure measures (a statistic's `indicator`), with its usual unit."""

from typing import Annotated

from pydantic import Field as Constraints

from app.query.filters import AnyOf, Contains
from app.resources.kernel import Field, Resource, Sort, Term
from app.write.validation import SNAKE, Text

INDICATOR = Resource(
    name="indicator",
    plural="indicators",
    summary=__doc__ or "",
    fields=(
        Field(
            "id",
            str,
            description="The slug statistics name it by (`indicator=gdp_growth_rate`).",
            examples=["gdp_growth_rate"],
            write=(Text, Constraints(pattern=SNAKE, max_length=128)),
        ),
        Field(
            "label",
            str,
            examples=["GDP growth rate"],
            filters=(Contains("q", "Case-insensitive match in the label."),),
            sort=Sort("label", ("label",)),
            write=(Text, Constraints(min_length=1, max_length=200)),
            term=Term("name"),
        ),
        Field(
            "description",
            str | None,
            examples=["Real GDP growth over the period, year on year."],
            write=(Annotated[Text, Constraints(max_length=2000)] | None, Constraints(None)),
            term=Term("description"),
        ),
        Field(
            "unit",
            str,
            description="Its usual unit (a unit id).",
            examples=["percent"],
            filters=(AnyOf("unit", "Unit id.", "percent"),),
            write=(Text, Constraints(max_length=128)),
            reference="unit",
            term=Term("unitText"),
        ),
    ),
    linked_type="DefinedTerm",
    vocabulary="label",
)
