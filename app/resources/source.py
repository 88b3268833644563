"""Sources: the documents claims are taken from, with their full text."""

import hashlib
from datetime import date
from typing import Annotated

from pydantic import Field as Constraints
from sqlalchemy import Connection, select

from app.query.filters import AnyOf, Between, Contains
from app.resources.citations import outline
from app.resources.kernel import Field, Resource, Sort, Term, Write
from app.store.temporal import RESOURCE_TABLES
from app.web.problems import conflict
from app.write.validation import ID, LANGUAGE, SOURCE_EXAMPLE, Name, Text

# A source's full text may be long, but within the request body limit anyway.
MAX_SOURCE_TEXT = 1_000_000


def _prepare(write: Write) -> None:
    """The text's hash and outline; a new text must still hold every live claim at its span."""
    text = write.body["text"]
    write.prepared.values["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    write.prepared.values["outline"] = outline(text)
    if write.current is not None and text != write.current["text"]:
        _check_claims_still_verbatim(write.connection, write.body["id"], text)


def _check_claims_still_verbatim(connection: Connection, source_id: str, text: str) -> None:
    claims = RESOURCE_TABLES["claim"][0]
    query = select(claims.c.id, claims.c.text, claims.c.span_start, claims.c.span_end).where(
        claims.c.source_id == source_id, claims.c.retracted_at.is_(None)
    )
    broken = [
        row.id
        for row in connection.execute(query)
        if text[row.span_start : row.span_end] != row.text
    ]
    if broken:
        raise conflict(
            f"the new text moves or drops the text of claims {', '.join(sorted(broken))}; "
            "correct or retract those claims first"
        )


SOURCE = Resource(
    name="source",
    plural="sources",
    summary=__doc__ or "",
    fields=(
        Field("id", str, examples=[SOURCE_EXAMPLE], write=ID),
        Field(
            "title",
            str,
            examples=["New quality productive forces to fuel global industrial progress"],
            filters=(Contains("q", "Case-insensitive match in the title."),),
            sort=Sort("title", ("title",)),
            write=(Text, Constraints(min_length=1, max_length=1000)),
            term=Term("headline"),
        ),
        Field(
            "standfirst",
            str | None,
            description="The line under the headline (photo caption).",
            write=(Annotated[Text, Constraints(max_length=5000)] | None, Constraints(None)),
            term=Term("alternativeHeadline"),
        ),
        Field(
            "publisher",
            str,
            examples=["Chinese Social Sciences Today"],
            filters=(
                AnyOf(
                    "publisher", "Publisher name.", "Chinese Social Sciences Today", values="text"
                ),
            ),
            write=(Text, Constraints(min_length=1, max_length=200)),
            term=Term("publisher", node="Organization"),
        ),
        Field(
            "authors",
            list[str],
            examples=[["Bai Le"]],
            write=(list[Name], Constraints(max_length=100)),
            term=Term("author", node="Person"),
        ),
        Field(
            "editors",
            list[str],
            examples=[["Chen Mirong"]],
            write=(list[Name], Constraints(default_factory=list, max_length=100)),
            term=Term("editor", node="Person"),
        ),
        Field(
            "published_on",
            date,
            examples=["2024-05-20"],
            filters=(Between("published_after", "published_before", "Published"),),
            sort=Sort("published_on", ("published_on",)),
            write=(date, Constraints()),
            term=Term("datePublished"),
        ),
        Field(
            "language",
            str,
            description="BCP 47 language tag.",
            examples=["en"],
            filters=(AnyOf("language", "Language (BCP 47).", "en"),),
            write=(Text, Constraints(pattern=LANGUAGE, max_length=35)),
            term=Term("inLanguage"),
        ),
        Field(
            "url",
            str | None,
            description="Where the source was published, when known.",
            write=(Annotated[Text, Constraints(max_length=2000)] | None, Constraints(None)),
            term=Term("url"),
        ),
        Field(
            "text",
            str,
            description="The full text that claim spans index into (in a source embedded in "
            "another record, only with `include=source.text`).",
            write=(
                Text,
                Constraints(
                    min_length=1,
                    max_length=MAX_SOURCE_TEXT,
                    description="The full text; claims are matched in it (the body limit "
                    "applies too).",
                ),
            ),
            # An embedded source (a claim's `include=source`, its JSON-LD appearance) leaves
            # its text out unless `include=source.text` asks for it.
            term=Term("text", nested=False),
            embedded=False,
        ),
        Field(
            "sha256",
            str,
            description="SHA-256 of `text` encoded as UTF-8, hex.",
            term=Term("sha256"),
        ),
    ),
    linked_type="NewsArticle",
    prepare=_prepare,
)
