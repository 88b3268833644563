"""The value types of write bodies and seed files (so both accept exactly the same data), and
placing a text verbatim in another."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.query import grammar
from app.query.grammar import Text

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
CODE = rf"^{grammar.CODE}$"
SNAKE = r"^[a-z0-9]+(_[a-z0-9]+)*$"
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
# Every string field is `Text` (no control characters, no lone surrogates) with a maximum length.
Name = Annotated[Text, Field(min_length=1, max_length=200)]
# A record's id in a create body: a lowercase slug.
ID = (Text, Field(pattern=SLUG, max_length=128))
SOURCE_EXAMPLE = "csst-2024-05-20-new-quality-productive-forces"

__all__ = ["CODE", "ID", "LANGUAGE", "SLUG", "SNAKE", "SOURCE_EXAMPLE", "Name", "Strict", "Text"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def find_span(source_text: str, text: str, occurrence: int | None) -> tuple[int, int] | str:
    """The `[start, end)` of `text` in `source_text`, or why it cannot be placed (a message
    for the field that holds `text`; callers name the source text)."""
    starts: list[int] = []
    position = source_text.find(text)
    while position != -1:
        starts.append(position)
        position = source_text.find(text, position + 1)
    if not starts:
        return "is not verbatim in the source text"
    if occurrence is None and len(starts) > 1:
        return f"occurs {len(starts)} times in the source text; say which with `occurrence`"
    index = (occurrence or 1) - 1
    if index >= len(starts):
        return (
            f"`occurrence` {occurrence} asked, but it occurs {len(starts)} times in the source text"
        )
    return starts[index], starts[index] + len(text)
