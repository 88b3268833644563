"""statistic modality: how the source states each figure (asserted, approximate, projected,
possible)

Revision ID: 20261206_0007
Revises: 20261128_0006
Create Date: 2026-12-06 20:30:00

Existing figures, current and superseded, become `asserted` through the column's server
default; the seed then sets every figure's real modality (a new version where it differs).
The check constraint is `app.store.models.Modality`'s members; `(modality, id)` serves
`modality=` in id order, on both tables (an `as_of` list reads both in index order).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261206_0007'
down_revision: str | None = '20261128_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODALITIES = ('asserted', 'approximate', 'projected', 'possible')


def _column() -> sa.Column[str]:
    return sa.Column('modality', sa.String(length=16), server_default='asserted', nullable=False)


def upgrade() -> None:
    # Batch mode: SQLite cannot add a check constraint in place (statistic has no FTS index
    # keyed by its rowid, so copying the table is safe).
    with op.batch_alter_table('statistic', schema=None) as batch_op:
        batch_op.add_column(_column())
        batch_op.create_check_constraint(
            op.f('ck_statistic_modality'),
            'modality IN (' + ', '.join(f"'{name}'" for name in MODALITIES) + ')',
        )
        batch_op.create_index('ix_statistic_modality_id', ['modality', 'id'], unique=False)
    op.add_column('statistic_history', _column())
    op.create_index(
        'ix_statistic_history_modality_id', 'statistic_history', ['modality', 'id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_statistic_history_modality_id', table_name='statistic_history')
    with op.batch_alter_table('statistic_history', schema=None) as batch_op:
        batch_op.drop_column('modality')
    with op.batch_alter_table('statistic', schema=None) as batch_op:
        batch_op.drop_index('ix_statistic_modality_id')
        batch_op.drop_constraint(op.f('ck_statistic_modality'), type_='check')
        batch_op.drop_column('modality')
