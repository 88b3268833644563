"""Speakers: the people claims are attributed to."""

from typing import Annotated

from pydantic import Field as Constraints

from app.query.filters import AnyOf, Contains
from app.resources.kernel import Field, Resource, Sort, Term
from app.write.validation import ID, Text

SPEAKER = Resource(
    name="speaker",
    plural="speakers",
    summary=__doc__ or "",
    fields=(
        Field("id", str, examples=["michael-dunford"], write=ID),
        Field(
            "name",
            str,
            examples=["Michael Dunford"],
            filters=(Contains("q", "Case-insensitive match in the name."),),
            sort=Sort("name", ("name",)),
            write=(Text, Constraints(min_length=1, max_length=200)),
            term=Term("name"),
        ),
        Field(
            "title",
            str | None,
            examples=["Emeritus Professor"],
            write=(Annotated[Text, Constraints(max_length=200)] | None, Constraints(None)),
            term=Term("jobTitle"),
        ),
        Field(
            "affiliation",
            str | None,
            examples=["University of Sussex"],
            write=(Annotated[Text, Constraints(max_length=300)] | None, Constraints(None)),
            term=Term("affiliation", node="Organization"),
        ),
        Field(
            "country",
            str | None,
            description="ISO 3166-1 alpha-3.",
            examples=["GBR"],
            filters=(AnyOf("country", "Country (ISO 3166-1 alpha-3).", "GBR"),),
            # A pattern leaves no room for control characters, so plain `str` (keeps it in the
            # schema).
            write=(
                Annotated[str, Constraints(pattern=r"^[A-Z]{3}$")] | None,
                Constraints(None),
            ),
            term=Term("nationality", node="Country", key="identifier"),
        ),
    ),
    linked_type="Person",
)
