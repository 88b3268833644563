"""index tuning for scale: every documented filter is index-ordered by id

Revision ID: 20261128_0004
Revises: 20261128_0003
Create Date: 2026-11-28 19:45:00

claims?source=... is ordered by id (the default sort): (source_id, span_start, id) serves
sort=position but made the database sort the source's claims by id.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '20261128_0004'
down_revision: str | None = '20261128_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain CREATE/DROP INDEX, no batch mode: a batch "move and copy" of claim would give its
# rows new rowids, which the FTS5 external-content index (20261128_0003) is keyed by.
def upgrade() -> None:
    op.create_index('ix_claim_source_id_id', 'claim', ['source_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_claim_source_id_id', table_name='claim')
