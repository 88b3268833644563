"""counts answered from an index; as_of lists read the history tables in index order

Revision ID: 20261128_0005
Revises: 20261128_0004
Create Date: 2026-11-28 22:10:00

claim_topic carries a copy of its claim's speaker_id and retracted_at (kept in step by
app.write.versioning), so count=true with a topic, with or without a speaker, is a range of
(topic_id, speaker_id, retracted_at, claim_id) instead of a probe per claim; the speaker
and kind indexes of claim end with retracted_at for the same reason (lists keep their id
order). The history tables get the filter and sort indexes of their current tables: an
`as_of` list merges both in index order (app.store.temporal).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '20261128_0005'
down_revision: str | None = '20261128_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINK_COPIES = ('speaker_id', 'retracted_at')
LINK_INDEX = 'ix_claim_topic_topic_id_speaker_id_retracted_at_claim_id'
# (old, new, columns): claim indexes that gain retracted_at as their last column.
WITH_RETRACTED_AT = [
    ('ix_claim_speaker_id_id', 'ix_claim_speaker_id_id_retracted_at', ['speaker_id', 'id']),
    ('ix_claim_kind_id', 'ix_claim_kind_id_retracted_at', ['kind', 'id']),
]
HISTORY_INDEXES = [
    ('claim_history', 'ix_claim_history_kind_id_retracted_at', ['kind', 'id', 'retracted_at']),
    ('claim_history', 'ix_claim_history_source_id_id', ['source_id', 'id']),
    ('claim_history', 'ix_claim_history_source_id_span_start_id', ['source_id', 'span_start', 'id']),
    ('claim_history', 'ix_claim_history_speaker_id_id_retracted_at', ['speaker_id', 'id', 'retracted_at']),
    ('source_history', 'ix_source_history_language_id', ['language', 'id']),
    ('source_history', 'ix_source_history_published_on_id', ['published_on', 'id']),
    ('source_history', 'ix_source_history_publisher_id', ['publisher', 'id']),
    ('source_history', 'ix_source_history_title_id', ['title', 'id']),
    ('speaker_history', 'ix_speaker_history_country_id', ['country', 'id']),
    ('speaker_history', 'ix_speaker_history_name_id', ['name', 'id']),
    ('statistic_history', 'ix_statistic_history_claim_id_id', ['claim_id', 'id']),
    ('statistic_history', 'ix_statistic_history_entity_id', ['entity', 'id']),
    ('statistic_history', 'ix_statistic_history_indicator_id', ['indicator', 'id']),
    ('statistic_history', 'ix_statistic_history_indicator_value_id', ['indicator', 'value', 'id']),
    ('statistic_history', 'ix_statistic_history_period_label_id', ['period_label', 'id']),
    ('statistic_history', 'ix_statistic_history_period_start_id', ['period_start', 'id']),
    ('statistic_history', 'ix_statistic_history_unit_id', ['unit', 'id']),
    ('statistic_history', 'ix_statistic_history_unit_value_id', ['unit', 'value', 'id']),
    ('statistic_history', 'ix_statistic_history_value_id', ['value', 'id']),
    ('topic_history', 'ix_topic_history_name_id', ['name', 'id']),
]


# ADD/DROP COLUMN and plain CREATE/DROP INDEX, no batch mode (see 20261128_0004).
def upgrade() -> None:
    op.add_column('claim_topic', sa.Column('speaker_id', sa.String(length=128), nullable=True))
    op.add_column('claim_topic', sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
    copied = ', '.join(
        f'{name} = (SELECT claim.{name} FROM claim WHERE claim.id = claim_topic.claim_id)'
        for name in LINK_COPIES
    )
    op.execute(f'UPDATE claim_topic SET {copied}')
    op.create_index(LINK_INDEX, 'claim_topic', ['topic_id', 'speaker_id', 'retracted_at', 'claim_id'])
    for old, new, columns in WITH_RETRACTED_AT:
        op.create_index(new, 'claim', [*columns, 'retracted_at'])
        op.drop_index(old, table_name='claim')
    for table, name, columns in HISTORY_INDEXES:
        op.create_index(name, table, columns)
    # Statistics for the new indexes, so the planners pick them straight away.
    op.execute('ANALYZE claim')
    op.execute('ANALYZE claim_topic')


def downgrade() -> None:
    for table, name, _columns in reversed(HISTORY_INDEXES):
        op.drop_index(name, table_name=table)
    for old, new, columns in reversed(WITH_RETRACTED_AT):
        op.create_index(old, 'claim', columns)
        op.drop_index(new, table_name='claim')
    op.drop_index(LINK_INDEX, table_name='claim_topic')
    for name in reversed(LINK_COPIES):
        op.drop_column('claim_topic', name)
