"""initial schema: sources, speakers, topics, claims, statistics

Revision ID: 20261128_0001
Revises: 
Create Date: 2026-11-28 19:25:34.266679
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261128_0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('source',
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
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source'))
    )
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.create_index('ix_source_language_id', ['language', 'id'], unique=False)
        batch_op.create_index('ix_source_published_on_id', ['published_on', 'id'], unique=False)
        batch_op.create_index('ix_source_publisher_id', ['publisher', 'id'], unique=False)
        batch_op.create_index('ix_source_title_id', ['title', 'id'], unique=False)

    op.create_table('speaker',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('affiliation', sa.String(length=300), nullable=True),
    sa.Column('country', sa.String(length=3), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker'))
    )
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.create_index('ix_speaker_country_id', ['country', 'id'], unique=False)
        batch_op.create_index('ix_speaker_name_id', ['name', 'id'], unique=False)

    op.create_table('topic',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic'))
    )
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.create_index('ix_topic_name_id', ['name', 'id'], unique=False)

    op.create_table('claim',
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
    sa.CheckConstraint("kind IN ('direct_quote', 'paraphrase', 'author_statement')", name=op.f('ck_claim_kind')),
    sa.CheckConstraint('span_start >= 0 AND span_end > span_start', name=op.f('ck_claim_span')),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_claim_source_id_source')),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_claim_speaker_id_speaker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim'))
    )
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.create_index('ix_claim_kind_id', ['kind', 'id'], unique=False)
        batch_op.create_index('ix_claim_source_id_span_start_id', ['source_id', 'span_start', 'id'], unique=False)
        batch_op.create_index('ix_claim_speaker_id_id', ['speaker_id', 'id'], unique=False)

    op.create_table('claim_topic',
    sa.Column('claim_id', sa.String(length=128), nullable=False),
    sa.Column('topic_id', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_claim_topic_claim_id_claim'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_claim_topic_topic_id_topic')),
    sa.PrimaryKeyConstraint('claim_id', 'topic_id', name=op.f('pk_claim_topic'))
    )
    with op.batch_alter_table('claim_topic', schema=None) as batch_op:
        batch_op.create_index('ix_claim_topic_topic_id_claim_id', ['topic_id', 'claim_id'], unique=False)

    op.create_table('statistic',
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
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_statistic_period')),
    sa.CheckConstraint('span_start >= 0 AND span_end > span_start', name=op.f('ck_statistic_span')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_statistic_claim_id_claim')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistic'))
    )
    with op.batch_alter_table('statistic', schema=None) as batch_op:
        batch_op.create_index('ix_statistic_claim_id_id', ['claim_id', 'id'], unique=False)
        batch_op.create_index('ix_statistic_entity_id', ['entity', 'id'], unique=False)
        batch_op.create_index('ix_statistic_indicator_id', ['indicator', 'id'], unique=False)
        batch_op.create_index('ix_statistic_indicator_value_id', ['indicator', 'value', 'id'], unique=False)
        batch_op.create_index('ix_statistic_period_label_id', ['period_label', 'id'], unique=False)
        batch_op.create_index('ix_statistic_period_start_id', ['period_start', 'id'], unique=False)
        batch_op.create_index('ix_statistic_unit_id', ['unit', 'id'], unique=False)
        batch_op.create_index('ix_statistic_unit_value_id', ['unit', 'value', 'id'], unique=False)
        batch_op.create_index('ix_statistic_value_id', ['value', 'id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('statistic', schema=None) as batch_op:
        batch_op.drop_index('ix_statistic_value_id')
        batch_op.drop_index('ix_statistic_unit_value_id')
        batch_op.drop_index('ix_statistic_unit_id')
        batch_op.drop_index('ix_statistic_period_start_id')
        batch_op.drop_index('ix_statistic_period_label_id')
        batch_op.drop_index('ix_statistic_indicator_value_id')
        batch_op.drop_index('ix_statistic_indicator_id')
        batch_op.drop_index('ix_statistic_entity_id')
        batch_op.drop_index('ix_statistic_claim_id_id')

    op.drop_table('statistic')
    with op.batch_alter_table('claim_topic', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_topic_topic_id_claim_id')

    op.drop_table('claim_topic')
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_speaker_id_id')
        batch_op.drop_index('ix_claim_source_id_span_start_id')
        batch_op.drop_index('ix_claim_kind_id')

    op.drop_table('claim')
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_name_id')

    op.drop_table('topic')
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_index('ix_speaker_name_id')
        batch_op.drop_index('ix_speaker_country_id')

    op.drop_table('speaker')
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_index('ix_source_title_id')
        batch_op.drop_index('ix_source_publisher_id')
        batch_op.drop_index('ix_source_published_on_id')
        batch_op.drop_index('ix_source_language_id')

    op.drop_table('source')

