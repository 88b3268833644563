"""Tables: sources, speakers, topics, claims (with their topics), statistics, the
vocabularies their figures are stated in (entities, indicators, units) and reviews."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    DefaultClause,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    column,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.store.engine import Base

ID_LENGTH = 128


class ClaimKind(StrEnum):
    direct_quote = "direct_quote"
    paraphrase = "paraphrase"
    author_statement = "author_statement"


class Modality(StrEnum):
    """How a source states a figure: as fact, hedged, forecast, or as a possibility."""

    asserted = "asserted"  # stated as fact: "has already reached 7.6 million pieces"
    approximate = "approximate"  # a hedged quantity: "about", "roughly", "nearly"
    projected = "projected"  # a forecast or target: "is expected to reach 30 percent by 2035"
    possible = "possible"  # something that may happen: "maybe in the years ahead"


class EntityKind(StrEnum):
    """What an entity is (a figure's `entity` names one)."""

    country = "country"
    region = "region"
    city = "city"
    company = "company"
    organisation = "organisation"
    group = "group"  # of countries or companies: "the G7", "the Global South"


class Dimension(StrEnum):
    """What a unit measures."""

    ratio = "ratio"  # percent, percentage points, basis points
    quantity = "quantity"  # of things counted: pieces, people, wafers
    rank = "rank"
    length = "length"
    mass = "mass"
    time = "time"
    temperature = "temperature"
    power = "power"
    energy = "energy"
    currency = "currency"
    rate = "rate"  # one quantity per another: per 100,000 people, wafers per month


class Rating(StrEnum):
    """A review's verdict, best first (ClaimReview's ratingValue is 5 for `accurate` down to
    1 for `inaccurate`; `unverifiable` has none)."""

    accurate = "accurate"
    mostly_accurate = "mostly-accurate"
    misleading = "misleading"
    mostly_inaccurate = "mostly-inaccurate"
    inaccurate = "inaccurate"
    unverifiable = "unverifiable"


def one_of(column: str, enumeration: type[StrEnum]) -> CheckConstraint:
    """The database's own check that `column` holds a member of `enumeration` (the one
    definition the API's enums and write bodies are made from too)."""
    members = ", ".join(f"'{member.value}'" for member in enumeration)
    return CheckConstraint(f"{column} IN ({members})", name=column)


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
    """Every record counts its versions and remembers when it was created and last changed.

    The row is the current version; superseded versions live in the `<table>_history` twin.
    """

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Set by a retraction (DELETE): the record leaves lists but keeps its row and history.
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # sha256 of the seed entry this record was last loaded from (None: never seeded), so a
    # re-seed overwrites an API correction only when the seed entry itself changed.
    seed_hash: Mapped[str | None] = mapped_column(String(64), default=None)


claim_topic = Table(
    "claim_topic",
    Base.metadata,
    Column("claim_id", ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id"), primary_key=True),
    # Copies of the claim's speaker_id and retracted_at (kept in step by app.write.versioning, the
    # one write path), so that count=true on a topic, with or without a speaker, is a range of
    # the index below instead of a probe per claim (1.8 s for one topic at 1M claims).
    Column("speaker_id", String(ID_LENGTH)),
    Column("retracted_at", UTCDateTime),
    # Serves topic filters in claim-id order without touching the claim table.
    Index("ix_claim_topic_topic_id_claim_id", "topic_id", "claim_id"),
    Index(
        "ix_claim_topic_topic_id_speaker_id_retracted_at_claim_id",
        "topic_id",
        "speaker_id",
        "retracted_at",
        "claim_id",
    ),
)


# A source's outline column's default, which is not an outline: it is there only because
# SQLite adds a NOT NULL column in place only with a default. Every write of a text writes its
# outline.
UNWRITTEN_OUTLINE = text("''")


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
    # The text's paragraphs, written with it (app/resources/citations.py `outline`): reads
    # cite a record's paragraph and section from it without reading the text.
    outline: Mapped[str] = mapped_column(Text, server_default=UNWRITTEN_OUTLINE)

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
        one_of("kind", ClaimKind),
        CheckConstraint("span_start >= 0 AND span_end > span_start", name="span"),
        # retracted_at last: lists keep their id order, and a count that hides retracted
        # claims reads the index alone (450k claims of one kind: 27-43 ms instead of 0.26 s).
        Index("ix_claim_speaker_id_id_retracted_at", "speaker_id", "id", "retracted_at"),
        Index("ix_claim_source_id_span_start_id", "source_id", "span_start", "id"),
        Index("ix_claim_source_id_id", "source_id", "id"),
        Index("ix_claim_kind_id_retracted_at", "kind", "id", "retracted_at"),
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
    # Rows older than the column are `asserted` until the seed (or an edit) says otherwise.
    modality: Mapped[str] = mapped_column(String(16), server_default=Modality.asserted.value)
    period_label: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        one_of("modality", Modality),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("span_start >= 0 AND span_end > span_start", name="span"),
        Index("ix_statistic_claim_id_id", "claim_id", "id"),
        Index("ix_statistic_modality_id", "modality", "id"),
        Index("ix_statistic_indicator_value_id", "indicator", "value", "id"),
        Index("ix_statistic_indicator_id", "indicator", "id"),
        Index("ix_statistic_entity_id", "entity", "id"),
        Index("ix_statistic_unit_value_id", "unit", "value", "id"),
        Index("ix_statistic_unit_id", "unit", "id"),
        Index("ix_statistic_value_id", "value", "id"),
        Index("ix_statistic_period_label_id", "period_label", "id"),
        Index("ix_statistic_period_start_id", "period_start", "id"),
    )


class Entity(Versioned, Base):
    """Who or what a figure is about: a country (ISO 3166-1 alpha-3 id), a company, ..."""

    __tablename__ = "entity"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    iso_code: Mapped[str | None] = mapped_column(String(3))

    __table_args__ = (
        one_of("kind", EntityKind),
        Index("ix_entity_name_id", "name", "id"),
        Index("ix_entity_kind_id", "kind", "id"),
    )


class Unit(Versioned, Base):
    __tablename__ = "unit"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    symbol: Mapped[str | None] = mapped_column(String(32))
    dimension: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        one_of("dimension", Dimension),
        Index("ix_unit_label_id", "label", "id"),
        Index("ix_unit_dimension_id", "dimension", "id"),
    )


class Indicator(Versioned, Base):
    __tablename__ = "indicator"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(ForeignKey("unit.id"))

    __table_args__ = (
        Index("ix_indicator_label_id", "label", "id"),
        Index("ix_indicator_unit_id", "unit", "id"),
    )


class Review(Versioned, Base):
    """A fact-checker's verdict on a claim or one of its figures (schema.org ClaimReview)."""

    __tablename__ = "review"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claim.id"))
    statistic_id: Mapped[str | None] = mapped_column(ForeignKey("statistic.id"))
    rating: Mapped[str] = mapped_column(String(32))
    reviewer: Mapped[str] = mapped_column(String(200))
    reviewed_on: Mapped[date] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    reference_value: Mapped[float | None] = mapped_column(Float)
    reference_source: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        one_of("rating", Rating),
        Index("ix_review_claim_id_id", "claim_id", "id"),
        Index("ix_review_statistic_id_id", "statistic_id", "id"),
        Index("ix_review_rating_id", "rating", "id"),
        Index("ix_review_reviewed_on_id", "reviewed_on", "id"),
    )


# Columns that are bookkeeping, not part of a record's versioned state.
NOT_VERSIONED = {"seed_hash"}


def _server_default(column: Column[Any]) -> Any:
    default = column.server_default
    return default.arg if isinstance(default, DefaultClause) else None


def history_table(current: Table) -> Table:
    """The superseded versions of `current`: its columns, keyed by (id, version), plus the
    moment each stopped being current (`valid_to`); `updated_at` is when it became current."""
    columns = [
        Column(
            column.name,
            column.type,
            nullable=column.nullable,
            primary_key=column.name in ("id", "version"),
            # Superseded versions older than a column get its default too (the migration).
            server_default=_server_default(column),
        )
        for column in current.columns
        if column.name not in NOT_VERSIONED
    ]
    table = Table(
        f"{current.name}_history",
        Base.metadata,
        *columns,
        Column("valid_to", UTCDateTime, nullable=False),
    )
    Index(f"ix_{table.name}_valid_to_updated_at", table.c.valid_to, table.c.updated_at)
    # The current table's filter and sort indexes: an `as_of` list merges both tables in
    # index order (app.store.temporal), so the history side needs the same orders.
    for index in current.indexes:
        Index(
            str(index.name).replace(f"ix_{current.name}_", f"ix_{table.name}_"),
            *(table.c[column.name] for column in index.columns),
        )
    return table


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


source_history = history_table(_table(Source))
speaker_history = history_table(_table(Speaker))
topic_history = history_table(_table(Topic))
claim_history = history_table(_table(Claim))
statistic_history = history_table(_table(Statistic))
entity_history = history_table(_table(Entity))
unit_history = history_table(_table(Unit))
indicator_history = history_table(_table(Indicator))
review_history = history_table(_table(Review))

# A claim's topics are part of its versioned state: the links of each superseded version.
claim_topic_history = Table(
    "claim_topic_history",
    Base.metadata,
    Column("claim_id", String(ID_LENGTH), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("topic_id", String(ID_LENGTH), primary_key=True),
)


class ChangeOperation(StrEnum):
    create = "create"
    update = "update"
    retract = "retract"


# The predicate of the partial index of the changes that are not seed loads.
NOT_SEED_LOAD = column("seed_load") == false()


class Change(Base):
    """One row per version of any record: the change feed and every record's history."""

    __tablename__ = "change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    version: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    changed_fields: Mapped[list[str]] = mapped_column(JSON)
    # A record created by the seed or the synthetic loader (author `seed` or `synthetic`):
    # `include_seed_load=false` leaves these out of the feed, and a bulk-loaded corpus is almost
    # nothing else, so that feed walks an index of the others alone (ix_change_not_seed_load).
    seed_load: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (
        one_of("operation", ChangeOperation),
        Index(
            "ix_change_resource_record_id_version", "resource", "record_id", "version", unique=True
        ),
        # Partial: an index over (seed_load, id) is ignored by SQLite once ANALYZE has seen a
        # freshly loaded corpus (one value in every row), and the walk reads every change.
        Index(
            "ix_change_not_seed_load",
            "id",
            sqlite_where=NOT_SEED_LOAD,
            postgresql_where=NOT_SEED_LOAD,
        ),
        Index("ix_change_at", "at"),
    )


class ApiKey(Base):
    """A credential for writes: only the sha256 of the token is stored, never the token."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)


class IdempotencyKey(Base):
    """The first response to a POST carrying `Idempotency-Key`, replayed for retries."""

    __tablename__ = "idempotency_key"

    key_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
