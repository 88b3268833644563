"""Entities: who or what a figure is about (a statistic's `entity`): countries by their ISO
3166-1 alpha-3 code, companies, organisations, regions."""

from typing import Annotated

from pydantic import Field as Constraints

from app.query.filters import AnyOf, Contains
from app.resources.kernel import Facet, Field, Resource, Sort, Term, enum_values
from app.store.models import EntityKind
from app.write.validation import CODE, Text

ENTITY = Resource(
    name="entity",
    plural="entities",
    summary=__doc__ or "",
    fields=(
        Field(
            "id",
            str,
            description="The code statistics name it by (`entity=CHN`).",
            examples=["CHN"],
            write=(Text, Constraints(pattern=CODE, max_length=128)),
        ),
        Field(
            "name",
            str,
            examples=["China"],
            filters=(Contains("q", "Case-insensitive match in the name."),),
            sort=Sort("name", ("name",)),
            write=(Text, Constraints(min_length=1, max_length=200)),
            term=Term("name"),
        ),
        Field(
            "kind",
            EntityKind,
            description="country, region, city, company, organisation or group.",
            examples=["country"],
            filters=(AnyOf("kind", "Entity kind.", "country", enum_values(EntityKind)),),
            sort=Sort("kind", ("kind",)),
            facet=Facet("kind"),
            write=(EntityKind, Constraints()),
            term=Term("additionalType"),
        ),
        Field(
            "iso_code",
            str | None,
            description="ISO 3166-1 alpha-3, where one applies (countries and territories).",
            examples=["CHN"],
            filters=(AnyOf("iso_code", "ISO 3166-1 alpha-3 code.", "CHN"),),
            write=(
                Annotated[str, Constraints(pattern=r"^[A-Z]{3}$")] | None,
                Constraints(None),
            ),
            term=Term("identifier"),
        ),
    ),
    linked_type="Place",
    vocabulary="name",
)
