"""The API's reads see one snapshot per request on both databases: a write committed between
two statements of a read (a record, then its topics) is not half seen. On PostgreSQL a read
transaction is also read-only."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.store.engine import Databases
from tests.conftest import migrate_and_seed
from tests.support.databases import fresh_database, require_backend


def test_a_read_sees_one_snapshot_while_a_write_commits(seeded_url: str) -> None:
    databases = Databases(Settings(database_url=seeded_url))
    claim = "SELECT text FROM claim WHERE id = 'nqpf-01'"
    try:
        with databases.read_connection(None) as reading:
            before = reading.execute(text(claim)).scalar_one()
            with databases.write_engine.begin() as writing:
                writing.execute(text("UPDATE claim SET text = 'edited' WHERE id = 'nqpf-01'"))
            assert reading.execute(text(claim)).scalar_one() == before
        with databases.read_connection(None) as reading:
            assert reading.execute(text(claim)).scalar_one() == "edited"
    finally:
        databases.close()


def test_a_read_cannot_write_on_postgresql(tmp_path: Path) -> None:
    require_backend("postgresql")
    with fresh_database("postgresql", tmp_path) as url:
        migrate_and_seed(url).dispose()
        databases = Databases(Settings(database_url=url))
        try:
            with (
                databases.read_connection(None) as reading,
                pytest.raises(DBAPIError, match="read-only transaction"),
            ):
                reading.execute(text("UPDATE claim SET text = 'edited' WHERE id = 'nqpf-01'"))
        finally:
            databases.close()
