"""Rows into the JSON documents of `app.resources.schemas`, with related records embedded."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import RowMapping, Select, bindparam, select
from sqlalchemy.orm import Session

from app.store.temporal import Tables

Document = dict[str, Any]
META = ("version", "created_at", "updated_at", "retracted_at")


def _fields(row: RowMapping, names: Iterable[str]) -> Document:
    return {name: row[name] for name in names}


def source_document(row: RowMapping) -> Document:
    return _fields(
        row,
        (
            "id",
            "title",
            "standfirst",
            "publisher",
            "authors",
            "editors",
            "published_on",
            "language",
            "url",
            "text",
            "sha256",
            *META,
        ),
    )


def speaker_document(row: RowMapping) -> Document:
    return _fields(row, ("id", "name", "title", "affiliation", "country", *META))


def topic_document(row: RowMapping) -> Document:
    return _fields(row, ("id", "name", *META))


def sources_query(t: Tables) -> Select[Any]:
    return select(t.source)


def speakers_query(t: Tables) -> Select[Any]:
    return select(t.speaker)


def topics_query(t: Tables) -> Select[Any]:
    return select(t.topic)


def claims_query(t: Tables) -> Select[Any]:
    return select(t.claim)


def statistics_query(t: Tables) -> Select[Any]:
    # The statistic alone: filters, sorts and counts stay on its own indexes. The claim's
    # speaker and source are added per page by `statistic_documents`.
    return select(t.statistic)


def statistics_with_claim(t: Tables) -> Select[Any]:
    """Statistics joined to their claim, for what ranks a figure by its claim's text."""
    statistic, claim = t.statistic, t.claim
    return statistics_query(t).join_from(statistic, claim, statistic.c.claim_id == claim.c.id)


def _claim_origins(t: Tables) -> Select[Any]:
    claim = t.claim.c
    return select(claim.id, claim.speaker_id, claim.source_id)


def _among_ids(column: Any) -> Any:
    """`column IN :ids`, with the ids bound as one list: SQLAlchemy then skips coercing each
    id of a page (or an export batch) one by one, as `in_(ids)` would."""
    return column.in_(bindparam("ids", expanding=True))


def _by_id(session: Session, query: Select[Any], ids: Iterable[str | None]) -> dict[str, Any]:
    wanted = sorted({record_id for record_id in ids if record_id is not None})
    if not wanted:
        return {}
    selected = query.where(_among_ids(query.selected_columns.id))
    return {row["id"]: row for row in session.execute(selected, {"ids": wanted}).mappings()}


def _embed_speaker_and_source(
    session: Session, t: Tables, documents: list[Document], include: set[str]
) -> None:
    if "speaker" in include:
        rows = _by_id(session, speakers_query(t), (d["speaker_id"] for d in documents))
        for document in documents:
            row = rows.get(document["speaker_id"])
            document["speaker"] = None if row is None else speaker_document(row)
    if "source" in include:
        rows = _by_id(session, sources_query(t), (d["source_id"] for d in documents))
        for document in documents:
            document["source"] = source_document(rows[document["source_id"]])


def claim_topics(session: Session, t: Tables, ids: Sequence[str]) -> dict[str, list[str]]:
    """Each claim's topic ids, in id order, for a page of claims in one query."""
    topics: dict[str, list[str]] = defaultdict(list)
    if ids:
        link = t.claim_topic.c
        links = session.execute(
            select(link.claim_id, link.topic_id)
            .where(_among_ids(link.claim_id))
            .order_by(link.claim_id, link.topic_id),
            {"ids": list(ids)},
        ).all()
        for claim_id, topic_id in links:
            topics[claim_id].append(topic_id)
    return topics


def claim_origins(session: Session, t: Tables, claim_ids: Iterable[str]) -> dict[str, RowMapping]:
    """Each claim's speaker_id and source_id (a statistic's are its claim's), in one query."""
    return _by_id(session, _claim_origins(t), claim_ids)


def claim_documents(
    session: Session, t: Tables, rows: Sequence[RowMapping], include: set[str]
) -> list[Document]:
    ids = [row["id"] for row in rows]
    topics = claim_topics(session, t, ids)
    documents = [
        {
            **_fields(row, ("id", "kind", "text")),
            "span": {"start": row["span_start"], "end": row["span_end"]},
            **_fields(row, ("speaker_id", "source_id")),
            "topics": topics[row["id"]],
            **_fields(row, META),
        }
        for row in rows
    ]
    _embed_speaker_and_source(session, t, documents, include)
    if "statistics" in include:
        by_claim: dict[str, list[Document]] = defaultdict(list)
        if ids:
            statistic = t.statistic.c
            statistic_rows = session.execute(
                statistics_query(t)
                .where(_among_ids(statistic.claim_id), statistic.retracted_at.is_(None))
                .order_by(statistic.id),
                {"ids": ids},
            ).mappings()
            for statistic_document in statistic_documents(session, t, list(statistic_rows), set()):
                by_claim[statistic_document["claim_id"]].append(statistic_document)
        for document in documents:
            document["statistics"] = by_claim[document["id"]]
    return documents


def statistic_documents(
    session: Session, t: Tables, rows: Sequence[RowMapping], include: set[str]
) -> list[Document]:
    origins = claim_origins(session, t, (row["claim_id"] for row in rows))
    documents = [
        {
            **_fields(row, ("id", "indicator", "entity", "value", "unit", "display")),
            "period": {
                "label": row["period_label"],
                "start": row["period_start"],
                "end": row["period_end"],
            },
            "span": {"start": row["span_start"], "end": row["span_end"]},
            "claim_id": row["claim_id"],
            "speaker_id": origins[row["claim_id"]]["speaker_id"],
            "source_id": origins[row["claim_id"]]["source_id"],
            **_fields(row, META),
        }
        for row in rows
    ]
    if "claim" in include:
        claim_rows = _by_id(session, claims_query(t), (row["claim_id"] for row in rows))
        claims = {
            claim["id"]: claim
            for claim in claim_documents(session, t, list(claim_rows.values()), set())
        }
        for document in documents:
            document["claim"] = claims[document["claim_id"]]
    _embed_speaker_and_source(session, t, documents, include)
    return documents


def speaker_documents(
    _session: Session, _t: Tables, rows: Sequence[RowMapping], _include: set[str]
) -> list[Document]:
    return [speaker_document(row) for row in rows]


def source_documents(
    _session: Session, _t: Tables, rows: Sequence[RowMapping], _include: set[str]
) -> list[Document]:
    return [source_document(row) for row in rows]


def topic_documents(
    _session: Session, _t: Tables, rows: Sequence[RowMapping], _include: set[str]
) -> list[Document]:
    return [topic_document(row) for row in rows]
