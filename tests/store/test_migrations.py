"""The migrations: reversible end to end (history tables and the full-text index included), the
migrated schema is exactly the models (the full-text objects aside), records older than
versioning get a create change, and the search index covers older rows."""

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.resources.citations import outline
from app.store.engine import Base, build_engine
from app.store.migrate import (
    FTS_TABLES,
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    include_object,
    upgrade,
)
from app.store.models import (
    Claim,
    Entity,
    Indicator,
    Source,
    Speaker,
    Statistic,
    Topic,
    Unit,
    claim_topic,
    source_history,
    statistic_history,
)
from seed.bundle import read_bundle
from seed.load import write_bundle
from tests.support.helpers import SOURCE_ID

INITIAL = "20261128_0001"
BEFORE_SEARCH = "20261128_0002"
BEFORE_MODALITY = "20261128_0006"
BEFORE_VOCABULARIES = "20261207_0008"
BEFORE_SEED_LOAD = "20261207_0009"
BEFORE_OUTLINE = "20261207_0010"

INITIAL_TABLES = {"source", "speaker", "topic", "claim", "claim_topic", "statistic"}
VOCABULARIES_AND_REVIEWS = {
    *(
        name
        for kind in ("entity", "indicator", "unit", "review")
        for name in (kind, f"{kind}_history")
    )
}
TABLES_BEFORE_VOCABULARIES = INITIAL_TABLES | {
    "api_key",
    "change",
    "idempotency_key",
    "claim_topic_history",
    *(f"{name}_history" for name in ("source", "speaker", "topic", "claim", "statistic")),
}
TABLES = TABLES_BEFORE_VOCABULARIES | VOCABULARIES_AND_REVIEWS


def tables_and_revision(url: str) -> tuple[set[str], str | None]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names()) - {"alembic_version"}
            # SQLite's FTS5 index lives in shadow tables named after it; has_search_index checks it.
            tables = {name for name in names if not name.startswith(FTS_TABLES)}
            revision = MigrationContext.configure(connection).get_current_revision()
            # What a serving worker reads without alembic (/readyz) is what alembic reads.
            assert current_revision(connection) == revision
        return tables, revision
    finally:
        engine.dispose()


def has_search_index(url: str) -> bool:
    """Both indexes: current claims and superseded versions (for `q` with `as_of`)."""
    engine = build_engine(url)
    try:
        inspector = inspect(engine)
        if engine.dialect.name == "sqlite":
            return set(FTS_TABLES) <= set(inspector.get_table_names())
        return all(
            "search_vector" in {column["name"] for column in inspector.get_columns(table)}
            for table in ("claim", "claim_history")
        )
    finally:
        engine.dispose()


def test_head_revision_is_alembic_s_head() -> None:
    """A serving worker reads the head from the scripts' source, without alembic."""
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    upgrade(empty_database)
    assert tables_and_revision(empty_database) == (TABLES, head_revision())
    assert has_search_index(empty_database)
    downgrade(empty_database, BEFORE_VOCABULARIES)
    assert tables_and_revision(empty_database) == (TABLES_BEFORE_VOCABULARIES, BEFORE_VOCABULARIES)
    downgrade(empty_database, BEFORE_SEARCH)
    assert not has_search_index(empty_database)
    assert tables_and_revision(empty_database) == (TABLES_BEFORE_VOCABULARIES, BEFORE_SEARCH)
    downgrade(empty_database, INITIAL)
    assert tables_and_revision(empty_database) == (INITIAL_TABLES, INITIAL)
    downgrade(empty_database)
    assert tables_and_revision(empty_database) == (set(), None)
    upgrade(empty_database)
    assert tables_and_revision(empty_database) == (TABLES, head_revision())
    assert has_search_index(empty_database)
    # What came back up is exactly the models, as a first upgrade is.
    assert_no_diff(empty_database)


def compare_type(
    context: MigrationContext,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    _inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """A TypeDecorator (UTCDateTime) is stored as its `impl`: let Alembic compare that one.
    None keeps Alembic's own comparison for every other type."""
    if not isinstance(metadata_type, TypeDecorator):
        return None
    stored_as = Column(metadata_column.name, metadata_type.impl_instance)
    return bool(context.impl.compare_type(inspected_column, stored_as))


def assert_no_diff(url: str) -> None:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": compare_type,
                    "compare_server_default": True,
                    "include_object": include_object,
                },
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_models_and_migrated_schema_do_not_differ(empty_database: str) -> None:
    upgrade(empty_database)
    assert_no_diff(empty_database)


def _rows_after_upgrade(url: str, engine: Engine, query: str) -> list[Any]:
    """`query`'s rows once the database at `url` is upgraded to the head (engine disposed)."""
    upgrade(url)
    with engine.connect() as connection:
        rows = list(connection.execute(text(query)).all())
    engine.dispose()
    return rows


def _before_outline(source: dict[str, Any]) -> dict[str, Any]:
    """A source row as written before 20261207_0011 (no `outline`)."""
    return {key: value for key, value in source.items() if key != "outline"}


def test_existing_records_get_a_create_change(empty_database: str) -> None:
    upgrade(empty_database, INITIAL)
    engine = build_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO topic (id, name, version, created_at, updated_at) "
                "VALUES ('old', 'Old', 3, :at, :at)"
            ),
            {"at": "2026-01-01 00:00:00"},
        )
    changes = _rows_after_upgrade(
        empty_database, engine, "SELECT resource, record_id, version, operation, author FROM change"
    )
    assert [tuple(change) for change in changes] == [("topic", "old", 3, "create", "migration")]


@pytest.mark.parametrize("written_at", [INITIAL, BEFORE_SEARCH])
def test_the_index_covers_claims_written_before_it(empty_database: str, written_at: str) -> None:
    """Also claims written before versioning, whose table 20261128_0002 altered."""
    upgrade(empty_database, written_at)
    engine = build_engine(empty_database)
    source = _before_outline(next(row for row in read_bundle().sources if row["id"] == SOURCE_ID))
    claim = {
        "id": "old-1",
        "source_id": SOURCE_ID,
        "speaker_id": None,
        "kind": "author_statement",
        "text": "An old claim about lithography.",
        "span_start": 0,
        "span_end": 10,
    }
    try:
        with engine.begin() as connection:
            connection.execute(insert(Source), [source])
            connection.execute(insert(Claim), [claim])
        upgrade(empty_database)
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                found = connection.execute(
                    text("SELECT rowid FROM claim_fts WHERE claim_fts MATCH 'lithography'")
                ).all()
            else:
                found = connection.execute(
                    select(Claim.id).where(
                        text("search_vector @@ plainto_tsquery('english', 'lithography')")
                    )
                ).all()
        assert len(found) == 1
    finally:
        engine.dispose()


def test_figures_older_than_modality_are_asserted_until_the_seed_says(
    empty_database: str,
) -> None:
    """20261206_0007 gives every figure, current and superseded, `asserted`; the next seed
    sets each figure's real modality, in a new version only where it differs."""
    upgrade(empty_database, BEFORE_MODALITY)
    engine = build_engine(empty_database)
    bundle = read_bundle()
    older = [{k: v for k, v in row.items() if k != "modality"} for row in bundle.statistics]
    now = datetime.now(UTC)
    superseded = {**older[0], "version": 1, "created_at": now, "updated_at": now, "valid_to": now}
    try:
        with engine.begin() as connection:
            connection.execute(insert(Source), [_before_outline(row) for row in bundle.sources])
            connection.execute(insert(Speaker), bundle.speakers)
            connection.execute(insert(Topic), bundle.topics)
            connection.execute(insert(Claim), bundle.claims)
            speakers = {claim["id"]: claim["speaker_id"] for claim in bundle.claims}
            links = [
                {**link, "speaker_id": speakers[link["claim_id"]]} for link in bundle.claim_topics
            ]
            connection.execute(insert(claim_topic), links)
            connection.execute(insert(Statistic), [{**row, "version": 2} for row in older])
            connection.execute(insert(statistic_history), [superseded])
        upgrade(empty_database)
        with engine.connect() as connection:
            current = set(connection.execute(select(Statistic.modality)).scalars())
            past = set(connection.execute(select(statistic_history.c.modality)).scalars())
        assert current == past == {"asserted"}
        write_bundle(engine, bundle)
        with engine.connect() as connection:
            rows = connection.execute(select(Statistic.id, Statistic.modality, Statistic.version))
            changed = {(r.id, r.modality) for r in rows if r.version > 2}
        assert changed == {("asml-restricted-process-node-5nm", "possible")}
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(update(Statistic).values(modality="likely"))
    finally:
        engine.dispose()


def test_vocabularies_and_reviews_keep_their_values_to_their_scales(empty_database: str) -> None:
    """20261207_0009's checks: an entity's kind, a unit's dimension and a review's rating are
    members of their enumerations, and an indicator names a unit that exists."""
    upgrade(empty_database)
    engine = build_engine(empty_database)
    now = datetime.now(UTC)
    meta = {"version": 1, "created_at": now, "updated_at": now}
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(Unit), [{"id": "percent", "label": "Percent", "dimension": "ratio", **meta}]
            )
            connection.execute(
                insert(Indicator), [{"id": "gdp", "label": "GDP", "unit": "percent", **meta}]
            )
        for table, values in (
            (Entity, {"id": "CHN", "name": "China", "kind": "planet"}),
            (Unit, {"id": "x", "label": "X", "dimension": "vibes"}),
            (Indicator, {"id": "y", "label": "Y", "unit": "no_such_unit"}),
        ):
            with pytest.raises(IntegrityError), engine.begin() as connection:
                connection.execute(insert(table), [{**values, **meta}])
    finally:
        engine.dispose()


def test_changes_written_before_seed_load_say_whether_they_were_the_seeds_load(
    empty_database: str,
) -> None:
    upgrade(empty_database, BEFORE_SEED_LOAD)
    engine = build_engine(empty_database)
    written = [
        ("seed", "create"),
        ("synthetic", "create"),
        ("seed", "update"),
        ("alice", "create"),
        ("synthetic", "retract"),
    ]
    with engine.begin() as connection:
        for number, (author, operation) in enumerate(written, 1):
            connection.execute(
                text(
                    "INSERT INTO change (resource, record_id, version, operation, at, author,"
                    " reason, changed_fields) VALUES ('topic', :id, 1, :operation, :at,"
                    " :author, 'r', '[]')"
                ),
                {"id": f"t{number}", "operation": operation, "at": "2026-01-01", "author": author},
            )
    flags = _rows_after_upgrade(
        empty_database, engine, "SELECT author, operation, seed_load FROM change ORDER BY id"
    )
    assert [(author, operation, bool(flag)) for author, operation, flag in flags] == [
        ("seed", "create", True),
        ("synthetic", "create", True),
        ("seed", "update", False),
        ("alice", "create", False),
        ("synthetic", "retract", False),
    ]


def test_sources_written_before_outlines_get_theirs_by_the_rule(empty_database: str) -> None:
    """20261207_0011 writes each stored version's outline, current and superseded, from its
    own text."""
    upgrade(empty_database, BEFORE_OUTLINE)
    engine = build_engine(empty_database)
    source = _before_outline(next(row for row in read_bundle().sources if row["id"] == SOURCE_ID))
    first = "Title\n\nAn older first paragraph.\n\nA heading\n\nIts second.\n"
    now = datetime.now(UTC)
    superseded = {**source, "text": first, "version": 1, "created_at": now, "updated_at": now}
    with engine.begin() as connection:
        connection.execute(insert(Source), [{**source, "version": 2}])
        connection.execute(insert(source_history), [{**superseded, "valid_to": now}])
    outlines = _rows_after_upgrade(
        empty_database,
        engine,
        "SELECT version, outline FROM source UNION ALL SELECT version, outline FROM source_history",
    )
    assert sorted(tuple(row) for row in outlines) == [
        (1, '[[7,32,null],[45,56,"A heading"]]'),
        (2, outline(source["text"])),
    ]
    assert outline(source["text"]).startswith("[[")


def test_outlines_go_and_come_back_on_a_database_with_claims(empty_database: str) -> None:
    """20261207_0011's downgrade drops the column in place: a copy of the source table would
    break the foreign keys of the claims citing it."""
    upgrade(empty_database)
    engine = build_engine(empty_database)
    write_bundle(engine, read_bundle())
    engine.dispose()
    downgrade(empty_database, BEFORE_OUTLINE)
    claims = _rows_after_upgrade(empty_database, engine, "SELECT count(*) FROM claim")
    assert claims[0][0] == len(read_bundle().claims)
    rows = _rows_after_upgrade(empty_database, engine, "SELECT text, outline FROM source")
    assert rows
    assert all(stored == outline(text) for text, stored in rows)
