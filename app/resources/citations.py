"""Where a claim or a figure stands in its source, and how to cite it: the section heading and
the paragraph number, read from the source's text and the record's span by one rule (below),
the surrounding paragraph with the span marked (`include=context`), and a citation string.

The rule: blocks of text are separated by blank lines. A block that ends a sentence (`.`, `?`,
`!`, or a closing quote) is a paragraph, numbered from 1 in the order of the text; any other
block is front matter (the title, the byline, a photo caption) until the first paragraph, and
a section heading after it. A record belongs to the paragraph its span starts in, and to the
section of the last heading before it (none before the first heading)."""

import html
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.resources.kernel import (
    Annotation,
    Computed,
    Document,
    Field,
    Records,
    among,
    rows_by_id,
    shaped,
)
from app.store.temporal import Tables

BLOCK = re.compile(r"\S(?:.*\S)?(?:\n[ \t]*\S(?:.*\S)?)*")
# Closing quotes too: a quotation can end a paragraph (U+201D, U+2019 and their ASCII forms).
SENTENCE_END = (".", "?", "!", "\u201d", '"', "\u2019", "'")


class Paragraph(NamedTuple):
    """A paragraph of a source (a tuple: a text has tens of them, made on every cache miss)."""

    number: int
    start: int
    end: int
    section: str | None


# A page of 50 claims may cite 50 sources, and a miss costs ~20 us per source text: the cache
# holds the texts of many pages (each entry is its text and a few tuples, ~3 kB at 2.4 kB).
@lru_cache(maxsize=1024)
def paragraphs(text: str) -> tuple[Paragraph, ...]:
    """The text's paragraphs, each with its section, by the module's rule."""
    found: list[Paragraph] = []
    section: str | None = None
    for block in BLOCK.finditer(text):
        words = block.group()
        if words.endswith(SENTENCE_END):
            found.append(Paragraph(len(found) + 1, block.start(), block.end(), section))
        elif found:
            section = " ".join(words.split())
    return tuple(found)


def locate(text: str, offset: int) -> Paragraph | None:
    """The paragraph holding `offset` (None in front matter)."""
    found = paragraphs(text)
    # Paragraphs are in the order of the text: the last one starting at or before `offset`.
    index = bisect_right(found, offset, key=attrgetter("start")) - 1
    return found[index] if index >= 0 and offset < found[index].end else None


class Context(BaseModel):
    """The paragraph around a record's span (`include=context`)."""

    paragraph: int = PydanticField(description="Its number in the source, from 1.")
    start: int = PydanticField(description="Where the paragraph starts in the source's text.")
    text: str = PydanticField(description="The paragraph, verbatim.")
    span: Mapping[str, int] = PydanticField(
        description="The record's span within `text` (offsets from the paragraph's start)."
    )
    marked: str = PydanticField(
        description="`text` HTML-escaped, with the record's span in <mark></mark>.",
        examples=["“In the semiconductor industry, … <mark>7.6 million pieces</mark>, …"],
    )


@dataclass(frozen=True)
class Place:
    """One record's location and its citation."""

    section: str | None
    paragraph: int | None
    citation: str
    text: str
    where: Paragraph | None
    span: tuple[int, int]

    def context(self) -> Document | None:
        """The paragraph around the span: made only when asked for (`include=context`)."""
        return None if self.where is None else _context(self.text, self.where, *self.span)


def _cited_source(source: Any) -> str:
    """A citation's part that names the source: `Authors, "Title", Publisher, date`."""
    title = f'"{source["title"]}"'
    authors = ", ".join(source["authors"])
    return ", ".join(
        (f"{authors}, {title}" if authors else title, source["publisher"],
         source["published_on"].isoformat())
    )  # fmt: skip


def _citation(
    speaker: str | None, cited_source: str, url: str | None, where: Paragraph | None, quoted: bool
) -> str:
    """`Speaker, in Authors, "Title", Publisher, date, section "…", paragraph N. URL`."""
    cited = cited_source
    if where is not None and where.section is not None:
        cited += f', section "{where.section}"'
    if where is not None:
        cited += f", paragraph {where.number}"
    cited += "."
    if speaker is not None:
        cited = f"{speaker}, {'quoted ' if quoted else ''}in {cited}"
    return cited if url is None else f"{cited} {url}"


def _context(text: str, where: Paragraph, start: int, end: int) -> Document:
    inner = (start - where.start, min(end, where.end) - where.start)
    paragraph = text[where.start : where.end]
    marked = (
        html.escape(paragraph[: inner[0]])
        + f"<mark>{html.escape(paragraph[inner[0] : inner[1]])}</mark>"
        + html.escape(paragraph[inner[1] :])
    )
    return {
        "paragraph": where.number,
        "start": where.start,
        "text": paragraph,
        "span": {"start": inner[0], "end": inner[1]},
        "marked": marked,
    }


def places(session: Session, t: Tables, records: Records) -> list[Place]:
    """Each record's place (records with `source_id`, `speaker_id`, `span_start`, `span_end`
    and, for claims, `kind`), its sources and speakers read once for the batch."""
    sources = t.source.c
    speakers = t.speaker.c
    found = rows_by_id(
        session,
        shaped(("cited", "source"), t, lambda: among(
            select(sources.id, sources.title, sources.publisher, sources.authors,
                   sources.published_on, sources.url, sources.text)
        )),
        (record["source_id"] for record in records),
    )  # fmt: skip
    names = rows_by_id(
        session,
        shaped(("cited", "speaker"), t, lambda: among(select(speakers.id, speakers.name))),
        (record["speaker_id"] for record in records),
    )
    # Each source's part of the citation, once per batch: a page often cites a source twice.
    cited_sources = {source_id: _cited_source(source) for source_id, source in found.items()}
    result: list[Place] = []
    for record in records:
        source_id = record["source_id"]
        source = found[source_id]
        where = locate(source["text"], record["span_start"])
        speaker = record["speaker_id"]
        name = names[speaker]["name"] if speaker in names else None
        quoted = record.get("kind") == "direct_quote"
        cited = _citation(name, cited_sources[source_id], source["url"], where, quoted)
        result.append(
            Place(
                where.section if where else None,
                where.number if where else None,
                cited,
                source["text"],
                where,
                (record["span_start"], record["span_end"]),
            )
        )
    return result


def _field(name: str, type_: Any, description: str, example: Any) -> Field:
    return Field(
        name,
        type_,
        description=description,
        examples=[example],
        computed=Computed(places, lambda place: getattr(place, name)),
    )


# A claim's and a figure's location, after their span (the same rule for both).
LOCATION = (
    _field(
        "section",
        str | None,
        "The heading of the source's section the span stands in (null before the first heading).",
        "Increasing technological self-reliance",
    ),
    _field(
        "paragraph",
        int | None,
        "The number of the source's paragraph the span starts in, from 1 (null in front "
        "matter such as a photo caption).",
        11,
    ),
    _field(
        "citation",
        str,
        "A ready citation: speaker, source's authors, title, publisher, date, section, "
        "paragraph, and the URL when known.",
        'Michael Dunford, quoted in Bai Le, "New quality productive forces to fuel global '
        'industrial progress", Chinese Social Sciences Today, 2024-05-20, section "Increasing '
        'technological self-reliance", paragraph 11.',
    ),
)
CONTEXT = {
    "context": Annotation(
        Context,
        "the paragraph around the span, with the span marked.",
        Computed(places, lambda place: place.context()),
    )
}
