"""Where a claim or a figure stands in its source, and how to cite it: the section heading and
the paragraph number, read from the source's outline and the record's span by one rule (below),
the surrounding paragraph with the span marked (`include=context`), and a citation string.

The rule: blocks of text are separated by blank lines. A block that ends a sentence (`.`, `?`,
`!`, or a closing quote) is a paragraph, numbered from 1 in the order of the text; any other
block is front matter (the title, the byline, a photo caption) until the first paragraph, and
a section heading after it. A record belongs to the paragraph its span starts in, and to the
section of the last heading before it (none before the first heading).

The rule runs when a source's text is written: the source stores its outline (`outline`), and
reads locate spans in it without reading or splitting the text. A change to the rule needs a
migration that writes every source's outline again (as 20261207_0011 wrote the first)."""

import html
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Connection, RowMapping, select

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
# A source's outline as read: paragraph N is item N - 1, `[start, end, section]`.
Outline = Sequence[Sequence[Any]]


class Paragraph(NamedTuple):
    """A paragraph of a source."""

    number: int
    start: int
    end: int
    section: str | None


def paragraphs(text: str) -> list[Paragraph]:
    """The text's paragraphs, each with its section, by the module's rule."""
    found: list[Paragraph] = []
    section: str | None = None
    for block in BLOCK.finditer(text):
        words = block.group()
        if words.endswith(SENTENCE_END):
            found.append(Paragraph(len(found) + 1, block.start(), block.end(), section))
        elif found:
            section = " ".join(words.split())
    return found


def outline(text: str) -> str:
    """What a source stores of its text's paragraphs (`source.outline`, written with the
    text): a JSON array of `[start, end, section]`, paragraph N at index N - 1."""
    return orjson.dumps([[p.start, p.end, p.section] for p in paragraphs(text)]).decode()


def locate(stored: Outline, offset: int) -> Paragraph | None:
    """The paragraph of a source's outline holding `offset` (None in front matter)."""
    # Paragraphs are in the order of the text: the last one starting at or before `offset`.
    index = bisect_right(stored, offset, key=itemgetter(0)) - 1
    if index < 0 or offset >= stored[index][1]:
        return None
    start, end, section = stored[index]
    return Paragraph(index + 1, start, end, section)


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


def _outlines(rows: Mapping[str, RowMapping]) -> dict[str, Outline]:
    """Each source's outline, decoded once per batch (a page often cites a source twice)."""
    unwritten = sorted(source_id for source_id, row in rows.items() if not row["outline"])
    if unwritten:  # written by code older than the outline (docs/operations.md, Migrations)
        raise RuntimeError(f"sources without an outline: {', '.join(unwritten)}")
    return {source_id: orjson.loads(row["outline"]) for source_id, row in rows.items()}


def places(connection: Connection, t: Tables, records: Records) -> list[Place]:
    """Each record's place (records with `source_id`, `speaker_id`, `span_start` and, for
    claims, `kind`), its sources and speakers read once for the batch, without their texts."""
    sources = t.source.c
    speakers = t.speaker.c
    found = rows_by_id(
        connection,
        shaped(("cited", "source"), t, lambda: among(
            select(sources.id, sources.title, sources.publisher, sources.authors,
                   sources.published_on, sources.url, sources.outline)
        )),
        (record["source_id"] for record in records),
    )  # fmt: skip
    names = rows_by_id(
        connection,
        shaped(("cited", "speaker"), t, lambda: among(select(speakers.id, speakers.name))),
        (record["speaker_id"] for record in records),
    )
    outlines = _outlines(found)
    # Each source's part of the citation, once per batch.
    cited_sources = {source_id: _cited_source(source) for source_id, source in found.items()}
    result: list[Place] = []
    for record in records:
        source_id = record["source_id"]
        where = locate(outlines[source_id], record["span_start"])
        speaker = record["speaker_id"]
        name = names[speaker]["name"] if speaker in names else None
        quoted = record.get("kind") == "direct_quote"
        cited = _citation(name, cited_sources[source_id], found[source_id]["url"], where, quoted)
        result.append(
            Place(where.section if where else None, where.number if where else None, cited)
        )
    return result


def contexts(connection: Connection, t: Tables, records: Records) -> list[Document | None]:
    """Each record's paragraph with its span marked (`include=context`; None in front
    matter): the one read of the sources' texts, made only when asked for."""
    sources = t.source.c
    found = rows_by_id(
        connection,
        shaped(("context", "source"), t, lambda: among(
            select(sources.id, sources.text, sources.outline)
        )),
        (record["source_id"] for record in records),
    )  # fmt: skip
    outlines = _outlines(found)
    result: list[Document | None] = []
    for record in records:
        source_id = record["source_id"]
        start, end = record["span_start"], record["span_end"]
        where = locate(outlines[source_id], start)
        text = found[source_id]["text"]
        result.append(None if where is None else _context(text, where, start, end))
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
        Computed(contexts, lambda context: context),
    )
}
