"""Migrations: up, down, up again, and the migrated schema equals the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from app.db import Base, build_engine
from app.migrate import downgrade, head_revision, upgrade


def test_up_down_up_and_no_diff(empty_database: str) -> None:
    upgrade(empty_database)
    downgrade(empty_database, "20261128_0001")
    downgrade(empty_database, "base")
    upgrade(empty_database)
    engine = build_engine(empty_database)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert context.get_current_revision() == head_revision()
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_existing_records_get_a_create_change(empty_database: str) -> None:
    upgrade(empty_database, "20261128_0001")
    engine = build_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO topic (id, name, version, created_at, updated_at) "
                "VALUES ('old', 'Old', 3, :at, :at)"
            ),
            {"at": "2026-01-01 00:00:00"},
        )
    upgrade(empty_database)
    with engine.connect() as connection:
        changes = connection.execute(
            text("SELECT resource, record_id, version, operation, author FROM change")
        ).all()
    engine.dispose()
    assert [tuple(change) for change in changes] == [("topic", "old", 3, "create", "migration")]
