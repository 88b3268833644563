"""Alembic, driven from code: the app's settings give the URL, `migrations/` the scripts."""

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from app.config import PROJECT_ROOT, get_settings

MIGRATIONS = PROJECT_ROOT / "migrations"
# Full-text search objects made by raw SQL in migration 20261128_0003, not by the models:
# the FTS5 tables of claim and claim_history (and the shadow tables SQLite makes for them) and
# the PostgreSQL tsvectors; and PostgreSQL's stand-in for SQLite's rowid (20261128_0006).
FTS_TABLES = ("claim_fts", "claim_history_fts")
FTS_COLUMNS_AND_INDEXES = {
    "search_vector",
    "ix_claim_search_vector",
    "ix_claim_history_search_vector",
    "search_order",
    "ix_claim_search_order",
}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's compare skips the full-text objects, which the models do not describe."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLES):
        return False
    return not (type_ in {"column", "index"} and name in FTS_COLUMNS_AND_INDEXES)


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an .ini parser: a literal % must be doubled.
    url = database_url or get_settings().database_url
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
