"""full-text search over claim text: SQLite FTS5 + triggers, PostgreSQL tsvector + GIN

Revision ID: 20261128_0003
Revises: 20261128_0002
Create Date: 2026-11-28 19:45:00

SQLite: `claim_fts` is an external-content FTS5 table (it stores only the index, the text
stays in `claim`), kept in sync by triggers so every write path (seed, API, bulk loads, raw
SQL) is indexed. It is keyed by claim's implicit rowid: a later migration that rebuilds the
claim table on SQLite (batch "move and copy") must run
`INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')` afterwards.

PostgreSQL: a stored generated tsvector column, so it is always in sync, with a GIN index.
Both use English stemming (Porter on SQLite, Snowball on PostgreSQL).

`claim_history` (20261128_0002) gets the same index, so a search `as_of` a past moment finds
superseded texts: `claim_history_fts` on SQLite (history rows are only ever inserted, and
deleted by nothing but a downgrade), a generated tsvector on PostgreSQL.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '20261128_0003'
down_revision: str | None = '20261128_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE claim_fts USING fts5(text, content='claim', content_rowid='rowid', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER claim_fts_after_insert AFTER INSERT ON claim BEGIN "
    "INSERT INTO claim_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER claim_fts_after_delete AFTER DELETE ON claim BEGIN "
    "INSERT INTO claim_fts(claim_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END",
    # Only a change of the text touches the index: version bumps and relinks cost nothing.
    "CREATE TRIGGER claim_fts_after_update AFTER UPDATE OF text ON claim BEGIN "
    "INSERT INTO claim_fts(claim_fts, rowid, text) VALUES ('delete', old.rowid, old.text); "
    "INSERT INTO claim_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE claim_history_fts USING fts5(text, content='claim_history', "
    "content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER claim_history_fts_after_insert AFTER INSERT ON claim_history BEGIN "
    "INSERT INTO claim_history_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER claim_history_fts_after_delete AFTER DELETE ON claim_history BEGIN "
    "INSERT INTO claim_history_fts(claim_history_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); END",
    "CREATE TRIGGER claim_history_fts_after_update AFTER UPDATE OF text ON claim_history BEGIN "
    "INSERT INTO claim_history_fts(claim_history_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); "
    "INSERT INTO claim_history_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "INSERT INTO claim_history_fts(claim_history_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER claim_history_fts_after_update",
    "DROP TRIGGER claim_history_fts_after_delete",
    "DROP TRIGGER claim_history_fts_after_insert",
    "DROP TABLE claim_history_fts",
    "DROP TRIGGER claim_fts_after_update",
    "DROP TRIGGER claim_fts_after_delete",
    "DROP TRIGGER claim_fts_after_insert",
    "DROP TABLE claim_fts",
]
POSTGRESQL_UP = [
    "ALTER TABLE claim ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED",
    "CREATE INDEX ix_claim_search_vector ON claim USING gin (search_vector)",
    "ALTER TABLE claim_history ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED",
    "CREATE INDEX ix_claim_history_search_vector ON claim_history USING gin (search_vector)",
]
POSTGRESQL_DOWN = [
    "DROP INDEX ix_claim_history_search_vector",
    "ALTER TABLE claim_history DROP COLUMN search_vector",
    "DROP INDEX ix_claim_search_vector",
    "ALTER TABLE claim DROP COLUMN search_vector",
]


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
