"""Alembic, driven from code: the app's settings give the URL, `migrations/` the scripts.

A serving worker only asks which revision is the head and which one the database is at, and
reads both without alembic (`head_revision`, `current_revision`): alembic, with the mako and
pygments it brings, would add about 9 MB to every worker. It is imported where a migration
runs."""

import ast
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, column, inspect, select, table

from app.config import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = PROJECT_ROOT / "migrations"
# Where alembic records the database's revision (its default table, which env.py keeps).
ALEMBIC_VERSION = table("alembic_version", column("version_num"))
# The module-level names a migration script declares its place in the chain with.
REVISION_NAMES = ("revision", "down_revision")
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


def alembic_config(database_url: str | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an .ini parser: a literal % must be doubled.
    url = database_url or get_settings().database_url
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def _revision_and_parents(script: str) -> tuple[str, tuple[str, ...]]:
    """A migration script's `revision` and the revisions it follows (`down_revision`), read
    from its module-level assignments (`revision: str = '...'`, as alembic writes them)."""
    values: dict[str, Any] = {}
    for statement in ast.parse(script).body:
        targets: list[ast.expr]
        if isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        elif isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in REVISION_NAMES:
                values[target.id] = ast.literal_eval(value)
    parents = values.get("down_revision")
    return values["revision"], (parents,) if isinstance(parents, str) else tuple(parents or ())


@lru_cache
def head_revision() -> str | None:
    """The revision no migration follows, as alembic finds it (tests/store/test_migrations.py
    checks that it is alembic's head), read from the scripts' source."""
    revisions = dict(
        _revision_and_parents(path.read_text())
        for path in (MIGRATIONS / "versions").glob("*.py")
        if path.name != "__init__.py"
    )
    followed = {parent for parents in revisions.values() for parent in parents}
    heads = sorted(set(revisions) - followed)
    if len(heads) > 1:
        raise RuntimeError(f"migrations/versions has more than one head: {heads}")
    return heads[0] if heads else None


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, as alembic records it (None before the first)."""
    if not inspect(connection).has_table(ALEMBIC_VERSION.name):
        return None
    found = connection.execute(select(ALEMBIC_VERSION.c.version_num)).scalars().all()
    if len(found) > 1:  # alembic refuses this too: the database is on two branches
        raise RuntimeError(f"alembic_version holds more than one revision: {found}")
    return found[0] if found else None
