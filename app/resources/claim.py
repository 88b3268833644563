"""Claims: statements from sources, verbatim, with their span, speaker and topics."""

from typing import Annotated, Any

from pydantic import Field as Constraints
from pydantic import model_validator
from sqlalchemy import Connection, RowMapping, select

from app.formats.linked_data import LinkedData
from app.query.filters import AnyOf, FullText, Link, Tagged
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
    resource_named,
)
from app.store.models import ClaimKind
from app.store.temporal import RESOURCE_TABLES
from app.web.problems import conflict, invalid_body
from app.write.validation import ID, SOURCE_EXAMPLE, Text, find_span
from app.write.versioning import Row

MAX_CLAIM_TEXT = 5_000
TOPICS = Link("claim_topic", "claim_id", "topic_id", "topic", copies=("speaker_id",))


def check_speaker_kind(kind: ClaimKind, speaker: str | None, topics: list[str]) -> None:
    """Refuses a claim whose kind, speaker and topics do not fit together."""
    if kind is ClaimKind.author_statement and speaker is not None:
        raise ValueError("an author_statement is the publication's voice: it has no speaker")
    if kind is not ClaimKind.author_statement and speaker is None:
        raise ValueError(f"a {kind.value} needs a speaker")
    if len(set(topics)) != len(topics):
        raise ValueError("topics repeat")


def _speaker_matches_kind(body: Any) -> Any:
    check_speaker_kind(body.kind, body.speaker_id, body.topics)
    return body


def _prepare(write: Write) -> None:
    """The claim's span in its source's text (kept when neither text nor source moves), and
    its figures re-spanned in the new text."""
    source, current = write.referenced["source_id"], write.current
    text, occurrence = write.body["text"], write.body["occurrence"]
    unchanged_place = (
        current is not None
        and occurrence is None
        and (text, source["id"]) == (current["text"], current["source_id"])
    )
    if current is not None and unchanged_place:
        span: tuple[int, int] | str = (current["span_start"], current["span_end"])
    else:
        span = find_span(source["text"], text, occurrence)
    if isinstance(span, str):
        raise invalid_body("text", span.replace("source text", f"text of source {source['id']!r}"))
    write.prepared.values.update(span_start=span[0], span_end=span[1])
    if current is not None and not unchanged_place:
        write.prepared.respanned = _respan_statistics(
            write.connection, current["id"], text, span[0]
        )


def _respan_statistics(
    connection: Connection, claim_id: str, text: str, start: int
) -> list[tuple[RowMapping, Row]]:
    """A claim's new text must still contain each of its figures' `display`: their spans are
    recomputed (and versioned); a figure the text no longer states is a 409."""
    statistics = RESOURCE_TABLES["statistic"][0]
    rows = connection.execute(
        select(statistics).where(
            statistics.c.claim_id == claim_id, statistics.c.retracted_at.is_(None)
        )
    ).mappings()
    respanned: list[tuple[RowMapping, Row]] = []
    for row in rows:
        offset = find_span(text, row["display"], None)
        if isinstance(offset, str):
            raise conflict(
                f"statistic {row['id']!r} ({row['display']!r}) is not in the new text once; "
                "correct or retract it first"
            )
        span = {"span_start": start + offset[0], "span_end": start + offset[1]}
        if (row["span_start"], row["span_end"]) != (span["span_start"], span["span_end"]):
            respanned.append((row, span))
    return respanned


def _linked(linked: LinkedData, claim: Document) -> Document:
    """Its author (the speaker, or for the publication's own voice its publisher) and the
    article it appears in."""
    source, speaker = claim["source"], claim["speaker"]
    author = (
        linked.node(resource_named("speaker"), speaker)
        if speaker is not None
        else {"@type": "Organization", "name": source["publisher"]}
    )
    appearance = linked.node(resource_named("source"), source, top_level=False)
    return {"author": author, "appearance": appearance}


CLAIM = Resource(
    name="claim",
    plural="claims",
    summary=__doc__ or "",
    fields=(
        Field("id", str, examples=["nqpf-21"], write=ID),
        Field(
            "kind",
            ClaimKind,
            description="direct_quote, paraphrase or author_statement (the publication's own "
            "voice).",
            examples=["direct_quote"],
            filters=(
                AnyOf("kind", "Claim kind.", "direct_quote,paraphrase", enum_values(ClaimKind)),
            ),
            sort=Sort("kind", ("kind",)),
            facet=Facet("kind"),
            write=(ClaimKind, Constraints()),
            term=Term("claimKind"),
        ),
        Field(
            "text",
            str,
            description="Verbatim from the source, at `span`.",
            filters=(FullText(),),
            write=(
                Text,
                Constraints(
                    min_length=1,
                    max_length=MAX_CLAIM_TEXT,
                    description="Verbatim from the source's text.",
                ),
            ),
            term=Term("text"),
        ),
        Field(
            "span",
            Span,
            parts={"start": "span_start", "end": "span_end"},
            sort=Sort("position", ("source_id", "span_start"), "source, then offset in its text"),
            term=Term(parts={"start": "spanStart", "end": "spanEnd"}),
        ),
        *LOCATION,
        Field(
            "speaker_id",
            str | None,
            description="Null for the publication's own voice.",
            examples=["michael-dunford"],
            filters=(AnyOf("speaker", "Speaker id.", "michael-dunford"),),
            facet=Facet("speaker", label="speaker"),
            write=(Annotated[Text, Constraints(max_length=128)] | None, Constraints(None)),
            reference="speaker",
            label=Label("speaker", "name"),
        ),
        Field(
            "source_id",
            str,
            examples=[SOURCE_EXAMPLE],
            filters=(
                AnyOf("source", "Source id.", SOURCE_EXAMPLE),
                Through("source", ("published_after", "published_before"), "Of its source."),
            ),
            write=(Text, Constraints(max_length=128)),
            reference="source",
            label=Label("source", "title"),
        ),
        Field(
            "topics",
            list[str],
            description="Topic ids.",
            examples=[["semiconductors"]],
            link=TOPICS,
            filters=(Tagged("topic", "Topic id.", "semiconductors,trade", TOPICS),),
            facet=Facet("topic", label="topic"),
            write=(
                list[Annotated[Text, Constraints(max_length=128)]],
                Constraints(default_factory=list, max_length=50),
            ),
            term=Term("keywords"),
        ),
        Field(
            "occurrence",
            served=False,
            write=(
                int | None,
                Constraints(
                    None,
                    ge=1,
                    description="Which occurrence of `text` in the source, when it repeats.",
                ),
            ),
        ),
    ),
    relations=(
        Relation("speaker", "speaker", key="speaker_id"),
        Relation("source", "source", key="source_id"),
        Relation("statistics", "statistic", back="claim_id"),
        Relation("reviews", "review", back="claim_id", route=True),
    ),
    linked_type="Claim",
    linked_extra=_linked,
    linked_includes=frozenset({"speaker", "source"}),
    annotations=CONTEXT,
    body_checks={"speaker_matches_kind": model_validator(mode="after")(_speaker_matches_kind)},
    prepare=_prepare,
)
