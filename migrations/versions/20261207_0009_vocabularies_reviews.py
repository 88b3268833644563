"""vocabularies and reviews: entities, indicators and units (what statistics name), and
reviews of claims and their figures, each with its history table

Revision ID: 20261207_0009
Revises: 20261207_0008
Create Date: 2026-12-06 23:00:00

New tables only, so nothing existing is copied; the seed fills the vocabularies (a database
whose statistics name an entity, indicator or unit the vocabularies lack still serves them:
the API checks references on write, not the database).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261207_0009'
down_revision: str | None = '20261207_0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('entity',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('iso_code', sa.String(length=3), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seed_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('country', 'region', 'city', 'company', 'organisation', 'group')", name=op.f('ck_entity_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity'))
    )
    with op.batch_alter_table('entity', schema=None) as batch_op:
        batch_op.create_index('ix_entity_kind_id', ['kind', 'id'], unique=False)
        batch_op.create_index('ix_entity_name_id', ['name', 'id'], unique=False)

    op.create_table('entity_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('iso_code', sa.String(length=3), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_entity_history'))
    )
    with op.batch_alter_table('entity_history', schema=None) as batch_op:
        batch_op.create_index('ix_entity_history_kind_id', ['kind', 'id'], unique=False)
        batch_op.create_index('ix_entity_history_name_id', ['name', 'id'], unique=False)
        batch_op.create_index('ix_entity_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('indicator_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_indicator_history'))
    )
    with op.batch_alter_table('indicator_history', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_history_label_id', ['label', 'id'], unique=False)
        batch_op.create_index('ix_indicator_history_unit_id', ['unit', 'id'], unique=False)
        batch_op.create_index('ix_indicator_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('review_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('claim_id', sa.String(length=128), nullable=False),
    sa.Column('statistic_id', sa.String(length=128), nullable=True),
    sa.Column('rating', sa.String(length=32), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('reference_value', sa.Float(), nullable=True),
    sa.Column('reference_source', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_review_history'))
    )
    with op.batch_alter_table('review_history', schema=None) as batch_op:
        batch_op.create_index('ix_review_history_claim_id_id', ['claim_id', 'id'], unique=False)
        batch_op.create_index('ix_review_history_rating_id', ['rating', 'id'], unique=False)
        batch_op.create_index('ix_review_history_reviewed_on_id', ['reviewed_on', 'id'], unique=False)
        batch_op.create_index('ix_review_history_statistic_id_id', ['statistic_id', 'id'], unique=False)
        batch_op.create_index('ix_review_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('symbol', sa.String(length=32), nullable=True),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seed_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("dimension IN ('ratio', 'quantity', 'rank', 'length', 'mass', 'time', 'temperature', 'power', 'energy', 'currency', 'rate')", name=op.f('ck_unit_dimension')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index('ix_unit_dimension_id', ['dimension', 'id'], unique=False)
        batch_op.create_index('ix_unit_label_id', ['label', 'id'], unique=False)

    op.create_table('unit_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('symbol', sa.String(length=32), nullable=True),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_unit_history'))
    )
    with op.batch_alter_table('unit_history', schema=None) as batch_op:
        batch_op.create_index('ix_unit_history_dimension_id', ['dimension', 'id'], unique=False)
        batch_op.create_index('ix_unit_history_label_id', ['label', 'id'], unique=False)
        batch_op.create_index('ix_unit_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('indicator',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seed_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['unit'], ['unit.id'], name=op.f('fk_indicator_unit_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_label_id', ['label', 'id'], unique=False)
        batch_op.create_index('ix_indicator_unit_id', ['unit', 'id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('claim_id', sa.String(length=128), nullable=False),
    sa.Column('statistic_id', sa.String(length=128), nullable=True),
    sa.Column('rating', sa.String(length=32), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('reference_value', sa.Float(), nullable=True),
    sa.Column('reference_source', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seed_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("rating IN ('accurate', 'mostly-accurate', 'misleading', 'mostly-inaccurate', 'inaccurate', 'unverifiable')", name=op.f('ck_review_rating')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_review_claim_id_claim')),
    sa.ForeignKeyConstraint(['statistic_id'], ['statistic.id'], name=op.f('fk_review_statistic_id_statistic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index('ix_review_claim_id_id', ['claim_id', 'id'], unique=False)
        batch_op.create_index('ix_review_rating_id', ['rating', 'id'], unique=False)
        batch_op.create_index('ix_review_reviewed_on_id', ['reviewed_on', 'id'], unique=False)
        batch_op.create_index('ix_review_statistic_id_id', ['statistic_id', 'id'], unique=False)



def downgrade() -> None:
    # Dependents first: reviews name claims and statistics, indicators name units. Dropping a
    # table drops its indexes.
    for table in (
        'review', 'review_history', 'indicator', 'indicator_history', 'unit', 'unit_history',
        'entity', 'entity_history',
    ):
        op.drop_table(table)
