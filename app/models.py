"""Tables: sources, speakers, topics, claims (with their topics) and statistics."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base

ID_LENGTH = 128


class ClaimKind(StrEnum):
    direct_quote = "direct_quote"
    paraphrase = "paraphrase"
    author_statement = "author_statement"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Versioned:
    """Every record counts its versions and remembers when it was created and last changed."""

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


claim_topic = Table(
    "claim_topic",
    Base.metadata,
    Column("claim_id", ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id"), primary_key=True),
    # Serves topic filters in claim-id order without touching the claim table.
    Index("ix_claim_topic_topic_id_claim_id", "topic_id", "claim_id"),
)


class Source(Versioned, Base):
    __tablename__ = "source"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    standfirst: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(String(200))
    authors: Mapped[list[str]] = mapped_column(JSON)
    editors: Mapped[list[str]] = mapped_column(JSON)
    published_on: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(35))
    url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_source_published_on_id", "published_on", "id"),
        Index("ix_source_publisher_id", "publisher", "id"),
        Index("ix_source_language_id", "language", "id"),
        Index("ix_source_title_id", "title", "id"),
    )


class Speaker(Versioned, Base):
    __tablename__ = "speaker"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    affiliation: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(3))

    __table_args__ = (
        Index("ix_speaker_name_id", "name", "id"),
        Index("ix_speaker_country_id", "country", "id"),
    )


class Topic(Versioned, Base):
    __tablename__ = "topic"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index("ix_topic_name_id", "name", "id"),)


class Claim(Versioned, Base):
    __tablename__ = "claim"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("source.id"))
    speaker_id: Mapped[str | None] = mapped_column(ForeignKey("speaker.id"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)

    topics: Mapped[list[Topic]] = relationship(
        secondary=claim_topic, order_by=Topic.id, lazy="raise"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('direct_quote', 'paraphrase', 'author_statement')", name="kind"),
        CheckConstraint("span_start >= 0 AND span_end > span_start", name="span"),
        Index("ix_claim_speaker_id_id", "speaker_id", "id"),
        Index("ix_claim_source_id_span_start_id", "source_id", "span_start", "id"),
        Index("ix_claim_source_id_id", "source_id", "id"),
        Index("ix_claim_kind_id", "kind", "id"),
    )


class Statistic(Versioned, Base):
    __tablename__ = "statistic"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claim.id"))
    indicator: Mapped[str] = mapped_column(String(ID_LENGTH))
    entity: Mapped[str] = mapped_column(String(ID_LENGTH))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(ID_LENGTH))
    display: Mapped[str] = mapped_column(Text)
    period_label: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("span_start >= 0 AND span_end > span_start", name="span"),
        Index("ix_statistic_claim_id_id", "claim_id", "id"),
        Index("ix_statistic_indicator_value_id", "indicator", "value", "id"),
        Index("ix_statistic_indicator_id", "indicator", "id"),
        Index("ix_statistic_entity_id", "entity", "id"),
        Index("ix_statistic_unit_value_id", "unit", "value", "id"),
        Index("ix_statistic_unit_id", "unit", "id"),
        Index("ix_statistic_value_id", "value", "id"),
        Index("ix_statistic_period_label_id", "period_label", "id"),
        Index("ix_statistic_period_start_id", "period_start", "id"),
    )
