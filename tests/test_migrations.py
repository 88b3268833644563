"""The migrations: reversible end to end, and the migrated schema is exactly the models."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, inspect
from sqlalchemy.types import TypeDecorator, TypeEngine

import app.models  # noqa: F401  (registers every table on Base.metadata)
from app.db import Base, build_engine
from app.migrate import downgrade, head_revision, upgrade

TABLES = {"source", "speaker", "topic", "claim", "claim_topic", "statistic"}


def tables_and_revision(url: str) -> tuple[set[str], str | None]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
            revision = MigrationContext.configure(connection).get_current_revision()
        return tables, revision
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    upgrade(empty_database)
    assert tables_and_revision(empty_database) == (TABLES, head_revision())
    downgrade(empty_database)
    assert tables_and_revision(empty_database) == (set(), None)
    upgrade(empty_database)
    assert tables_and_revision(empty_database) == (TABLES, head_revision())


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


def test_models_and_migrated_schema_do_not_differ(empty_database: str) -> None:
    upgrade(empty_database)
    engine = build_engine(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": compare_type, "compare_server_default": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
