"""versions: history tables, change feed, retraction, API keys, idempotency keys

Revision ID: 20261128_0002
Revises: 20261128_0001
Create Date: 2026-11-28 19:31:53.593509
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261128_0002'
down_revision: str | None = '20261128_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("scope IN ('read', 'write')", name=op.f('ck_api_key_scope')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('name', name=op.f('uq_api_key_name')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_api_key_token_sha256'))
    )
    op.create_table('change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('resource', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=128), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('operation', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_fields', sa.JSON(), nullable=False),
    sa.CheckConstraint("operation IN ('create', 'update', 'retract')", name=op.f('ck_change_operation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change'))
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index('ix_change_resource_record_id_version', ['resource', 'record_id', 'version'], unique=True)

    op.create_table('claim_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('source_id', sa.String(length=128), nullable=False),
    sa.Column('speaker_id', sa.String(length=128), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('span_start', sa.Integer(), nullable=False),
    sa.Column('span_end', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_claim_history'))
    )
    with op.batch_alter_table('claim_history', schema=None) as batch_op:
        batch_op.create_index('ix_claim_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('claim_topic_history',
    sa.Column('claim_id', sa.String(length=128), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('claim_id', 'version', 'topic_id', name=op.f('pk_claim_topic_history'))
    )
    op.create_table('idempotency_key',
    sa.Column('key_name', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_name', 'key', name=op.f('pk_idempotency_key'))
    )
    op.create_table('source_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('standfirst', sa.Text(), nullable=True),
    sa.Column('publisher', sa.String(length=200), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('editors', sa.JSON(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_source_history'))
    )
    with op.batch_alter_table('source_history', schema=None) as batch_op:
        batch_op.create_index('ix_source_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('speaker_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('affiliation', sa.String(length=300), nullable=True),
    sa.Column('country', sa.String(length=3), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_speaker_history'))
    )
    with op.batch_alter_table('speaker_history', schema=None) as batch_op:
        batch_op.create_index('ix_speaker_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('statistic_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('claim_id', sa.String(length=128), nullable=False),
    sa.Column('indicator', sa.String(length=128), nullable=False),
    sa.Column('entity', sa.String(length=128), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('display', sa.Text(), nullable=False),
    sa.Column('period_label', sa.String(length=100), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('span_start', sa.Integer(), nullable=False),
    sa.Column('span_end', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_statistic_history'))
    )
    with op.batch_alter_table('statistic_history', schema=None) as batch_op:
        batch_op.create_index('ix_statistic_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    op.create_table('topic_history',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', 'version', name=op.f('pk_topic_history'))
    )
    with op.batch_alter_table('topic_history', schema=None) as batch_op:
        batch_op.create_index('ix_topic_history_valid_to_updated_at', ['valid_to', 'updated_at'], unique=False)

    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seed_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seed_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seed_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('statistic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seed_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seed_hash', sa.String(length=64), nullable=True))

    # Records that exist already get one "create" change at their current version, so the
    # change feed and /versions describe every record, and a feed replay reproduces them.
    for table in ('source', 'speaker', 'topic', 'claim', 'statistic'):
        op.execute(
            "INSERT INTO change (resource, record_id, version, operation, at, author, reason, "
            f"changed_fields) SELECT '{table}', id, version, 'create', updated_at, 'migration', "
            f"'state before versioning', '[]' FROM {table}"
        )


def downgrade() -> None:
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_column('seed_hash')
        batch_op.drop_column('retracted_at')

    with op.batch_alter_table('statistic', schema=None) as batch_op:
        batch_op.drop_column('seed_hash')
        batch_op.drop_column('retracted_at')

    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_column('seed_hash')
        batch_op.drop_column('retracted_at')

    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_column('seed_hash')
        batch_op.drop_column('retracted_at')

    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.drop_column('seed_hash')
        batch_op.drop_column('retracted_at')

    with op.batch_alter_table('topic_history', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_history_valid_to_updated_at')

    op.drop_table('topic_history')
    with op.batch_alter_table('statistic_history', schema=None) as batch_op:
        batch_op.drop_index('ix_statistic_history_valid_to_updated_at')

    op.drop_table('statistic_history')
    with op.batch_alter_table('speaker_history', schema=None) as batch_op:
        batch_op.drop_index('ix_speaker_history_valid_to_updated_at')

    op.drop_table('speaker_history')
    with op.batch_alter_table('source_history', schema=None) as batch_op:
        batch_op.drop_index('ix_source_history_valid_to_updated_at')

    op.drop_table('source_history')
    op.drop_table('idempotency_key')
    op.drop_table('claim_topic_history')
    with op.batch_alter_table('claim_history', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_history_valid_to_updated_at')

    op.drop_table('claim_history')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index('ix_change_resource_record_id_version')

    op.drop_table('change')
    op.drop_table('api_key')
