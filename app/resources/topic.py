"""Topics: the subjects claims are tagged with."""

from pydantic import Field as Constraints

from app.resources.kernel import Field, Resource, Sort, Term
from app.write.validation import ID, Text

TOPIC = Resource(
    name="topic",
    plural="topics",
    summary=__doc__ or "",
    fields=(
        Field("id", str, examples=["semiconductors"], write=ID),
        Field(
            "name",
            str,
            examples=["Semiconductors"],
            sort=Sort("name", ("name",)),
            write=(Text, Constraints(min_length=1, max_length=200)),
            term=Term("name"),
        ),
    ),
    linked_type="DefinedTerm",
)
