"""What a write means for each resource: the record's editable fields, and turning a validated
body into row values, checked against the database like the seed checks its files."""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from app.store.models import claim_topic
from app.store.temporal import RESOURCE_TABLES
from app.web.problems import conflict, invalid_body
from app.write.bodies import ClaimCreate, Reasoned, SourceCreate, StatisticCreate
from app.write.validation import find_span
from app.write.versioning import Record, Row, topics_of

EDITABLE: dict[str, tuple[str, ...]] = {
    "source": ("title", "standfirst", "publisher", "authors", "editors", "published_on",
               "language", "url", "text"),
    "speaker": ("name", "title", "affiliation", "country"),
    "topic": ("name",),
    "claim": ("source_id", "speaker_id", "kind", "topics", "text"),
    "statistic": ("claim_id", "indicator", "entity", "value", "unit", "display", "period"),
}  # fmt: skip


@dataclass
class Prepared:
    """Row values for the record, its claim topics, and the re-spanned figures of a claim."""

    values: Row
    topics: list[str] | None = None
    respanned: list[tuple[RowMapping, Row]] = field(default_factory=list)


def editable(connection: Connection, resource: str, row: Record) -> dict[str, Any]:
    """The record as a create body (without `reason`): what a merge patch applies to."""
    document: dict[str, Any] = {"id": row["id"]}
    for name in EDITABLE[resource]:
        if name == "topics":
            document[name] = topics_of(connection, row["id"])
        elif name == "period":
            document[name] = {
                "label": row["period_label"],
                "start": row["period_start"].isoformat(),
                "end": row["period_end"].isoformat(),
            }
        elif name == "published_on":
            document[name] = row[name].isoformat()
        else:
            document[name] = row[name]
    return document


def live_row(connection: Connection, resource: str, record_id: str | None) -> RowMapping | None:
    """The current, unretracted record, or None."""
    if record_id is None:
        return None
    table = RESOURCE_TABLES[resource][0]
    query = select(table).where(table.c.id == record_id, table.c.retracted_at.is_(None))
    return connection.execute(query).mappings().first()


def _reference(connection: Connection, resource: str, name: str, record_id: str) -> RowMapping:
    row = live_row(connection, resource, record_id)
    if row is None:
        raise invalid_body(name, f"no {resource} {record_id!r} (or it is retracted)")
    return row


def prepare(
    connection: Connection, resource: str, body: Reasoned, current: RowMapping | None
) -> Prepared:
    values = body.model_dump(exclude={"reason"})
    if isinstance(body, SourceCreate):
        values["sha256"] = hashlib.sha256(body.text.encode("utf-8")).hexdigest()
        if current is not None and body.text != current["text"]:
            _check_claims_still_verbatim(connection, body.id, body.text)
        return Prepared(values)
    if isinstance(body, ClaimCreate):
        return _prepare_claim(connection, body, current)
    if isinstance(body, StatisticCreate):
        return Prepared(_statistic_values(connection, body))
    return Prepared(values)


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


def _prepare_claim(
    connection: Connection, body: ClaimCreate, current: RowMapping | None
) -> Prepared:
    source = _reference(connection, "source", "source_id", body.source_id)
    if body.speaker_id is not None:
        _reference(connection, "speaker", "speaker_id", body.speaker_id)
    for topic in body.topics:
        _reference(connection, "topic", "topics", topic)
    unchanged_place = (
        current is not None
        and body.occurrence is None
        and (body.text, body.source_id) == (current["text"], current["source_id"])
    )
    if unchanged_place:
        assert current is not None
        span: tuple[int, int] | str = (current["span_start"], current["span_end"])
    else:
        span = find_span(source["text"], body.text, body.occurrence)
    if isinstance(span, str):
        raise invalid_body("text", span.replace("source text", f"text of source {source['id']!r}"))
    values: Row = {
        "id": body.id,
        "source_id": body.source_id,
        "speaker_id": body.speaker_id,
        "kind": body.kind.value,
        "text": body.text,
        "span_start": span[0],
        "span_end": span[1],
    }
    prepared = Prepared(values, sorted(body.topics))
    if current is not None and not unchanged_place:
        prepared.respanned = _respan_statistics(connection, body.id, body.text, span[0])
    return prepared


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


def _statistic_values(connection: Connection, body: StatisticCreate) -> Row:
    claim = _reference(connection, "claim", "claim_id", body.claim_id)
    offset = find_span(claim["text"], body.display, None)
    if isinstance(offset, str):
        raise invalid_body(
            "display", offset.replace("source text", f"text of claim {claim['id']!r}")
        )
    return {
        **body.model_dump(exclude={"reason", "period"}),
        "period_label": body.period.label,
        "period_start": body.period.start,
        "period_end": body.period.end,
        "span_start": claim["span_start"] + offset[0],
        "span_end": claim["span_start"] + offset[1],
    }


# Who may not be retracted while they have live dependents (retraction never cascades).
DEPENDENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "source": (("claim", "source_id"),),
    "speaker": (("claim", "speaker_id"),),
    "claim": (("statistic", "claim_id"),),
    "statistic": (),
}


def check_no_dependents(connection: Connection, resource: str, record_id: str) -> None:
    blocking: list[str] = []
    for dependent, column in DEPENDENTS.get(resource, ()):
        table = RESOURCE_TABLES[dependent][0]
        query = select(table.c.id).where(
            table.c[column] == record_id, table.c.retracted_at.is_(None)
        )
        blocking += [
            f"{dependent} {row_id}" for row_id in connection.execute(query.limit(5)).scalars()
        ]
    if resource == "topic":
        claims = RESOURCE_TABLES["claim"][0]
        query = (
            select(claim_topic.c.claim_id)
            .join(claims, claims.c.id == claim_topic.c.claim_id)
            .where(claim_topic.c.topic_id == record_id, claims.c.retracted_at.is_(None))
        )
        blocking += [f"claim {row_id}" for row_id in connection.execute(query.limit(5)).scalars()]
    if blocking:
        raise conflict(
            f"live records depend on it ({', '.join(blocking)}); retract or re-point them first"
        )
