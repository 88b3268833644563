"""Units: what a figure's value counts (a statistic's `unit`, an indicator's usual unit)."""

from typing import Annotated

from pydantic import Field as Constraints

from app.query.filters import AnyOf
from app.resources.kernel import Facet, Field, Resource, Sort, Term, enum_values
from app.store.models import Dimension
from app.write.validation import SNAKE, Text

Symbol = Annotated[Text, Constraints(min_length=1, max_length=32)]

UNIT = Resource(
    name="unit",
    plural="units",
    summary=__doc__ or "",
    fields=(
        Field(
            "id",
            str,
            description="The slug statistics name it by (`unit=percent`).",
            examples=["percent"],
            write=(Text, Constraints(pattern=SNAKE, max_length=128)),
        ),
        Field(
            "label",
            str,
            examples=["Percent"],
            sort=Sort("label", ("label",)),
            write=(Text, Constraints(min_length=1, max_length=200)),
            term=Term("name"),
        ),
        Field(
            "symbol",
            str | None,
            examples=["%"],
            write=(Symbol | None, Constraints(None)),
            term=Term("alternateName"),
        ),
        Field(
            "dimension",
            Dimension,
            description="What it measures: " + ", ".join(enum_values(Dimension)) + ".",
            examples=["ratio"],
            filters=(AnyOf("dimension", "Dimension.", "ratio", enum_values(Dimension)),),
            sort=Sort("dimension", ("dimension",)),
            facet=Facet("dimension"),
            write=(Dimension, Constraints()),
            term=Term("unitCode"),
        ),
    ),
    linked_type="DefinedTerm",
    vocabulary="label",
)
