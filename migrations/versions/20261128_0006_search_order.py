"""search order: an insertion-order column on PostgreSQL, like SQLite's rowid

Revision ID: 20261128_0006
Revises: 20261128_0005
Create Date: 2026-11-28 22:15:00

Relevance ranks the most recently added matches first in blocks (`app.query.ranking`), so both
engines need an index-ordered "added" position for claims. On SQLite that is the claim's
rowid, which the FTS5 index (20261128_0003) is already keyed by; PostgreSQL gets an identity
column with a btree index. Existing rows are numbered in their physical order, which is the
order they were added unless the table was rewritten.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '20261128_0006'
down_revision: str | None = '20261128_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE claim ADD COLUMN search_order bigint GENERATED ALWAYS AS IDENTITY")
        op.execute("CREATE UNIQUE INDEX ix_claim_search_order ON claim (search_order)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_claim_search_order")
        op.execute("ALTER TABLE claim DROP COLUMN search_order")
