"""Migrations: up, down and up again on each backend; the schema they build is the models'
(the full-text objects aside); the search index covers rows older than the index."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text

from app.db import Base, build_engine
from app.migrate import downgrade, head_revision, include_object, upgrade
from app.models import Claim, Source
from seed.bundle import read_bundle
from tests.helpers import SOURCE_ID

BEFORE_SEARCH = "20261128_0001"


def has_search_index(engine: Engine) -> bool:
    inspector = inspect(engine)
    if engine.dialect.name == "sqlite":
        return "claim_fts" in inspector.get_table_names()
    return "search_vector" in {column["name"] for column in inspector.get_columns("claim")}


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_up_down_up(empty_database: str) -> None:
    engine = build_engine(empty_database)
    try:
        upgrade(empty_database)
        assert has_search_index(engine)
        downgrade(empty_database, BEFORE_SEARCH)
        assert not has_search_index(engine)
        downgrade(empty_database)
        assert inspect(engine).get_table_names() == ["alembic_version"]
        upgrade(empty_database)
        assert has_search_index(engine)
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar_one() == head_revision()
    finally:
        engine.dispose()


def test_migrated_schema_is_the_models(empty_database: str) -> None:
    upgrade(empty_database)
    engine = build_engine(empty_database)
    try:
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_the_index_covers_claims_written_before_it(empty_database: str) -> None:
    upgrade(empty_database, BEFORE_SEARCH)
    engine = build_engine(empty_database)
    source = next(row for row in read_bundle().sources if row["id"] == SOURCE_ID)
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
