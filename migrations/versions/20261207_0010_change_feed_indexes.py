"""change feed indexes: the feed without the seed's load, and `since`, read an index

Revision ID: 20261207_0010
Revises: 20261207_0009
Create Date: 2026-12-07 07:00:00

`include_seed_load=false` leaves the creates of the seed and synthetic loaders out of the
feed. That was a condition on each change row's author and operation: on a bulk-loaded
corpus (1.5M changes, nearly all of them loads) that feed read the whole table for a page. Each
change now says whether it is a seed load (`seed_load`, set on write and here for the rows
already written), and a partial index of the others' ids is walked in feed order. `at` gets
an index for the feed's `since=<time>` filter (PostgreSQL's planner uses it for a recent
time; SQLite's walks the primary key).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261207_0010'
down_revision: str | None = '20261207_0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NOT_SEED_LOAD = sa.column('seed_load') == sa.false()


def upgrade() -> None:
    # A plain ADD COLUMN on both engines (SQLite takes a constant default): batch mode would
    # copy the whole table on SQLite.
    op.add_column(
        'change', sa.Column('seed_load', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.execute(
        "UPDATE change SET seed_load = TRUE"
        " WHERE author IN ('seed', 'synthetic') AND operation = 'create'"
    )
    op.create_index(
        'ix_change_not_seed_load',
        'change',
        ['id'],
        sqlite_where=NOT_SEED_LOAD,
        postgresql_where=NOT_SEED_LOAD,
    )
    op.create_index('ix_change_at', 'change', ['at'])


def downgrade() -> None:
    op.drop_index('ix_change_at', table_name='change')
    op.drop_index('ix_change_not_seed_load', table_name='change')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_column('seed_load')
