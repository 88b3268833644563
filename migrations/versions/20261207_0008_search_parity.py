"""search parity: PostgreSQL tokenizes claim text as SQLite's FTS5 index does

Revision ID: 20261207_0008
Revises: 20261206_0007
Create Date: 2026-12-07 00:00:00

One rule on both engines (docs/reference.md#search): a word is a run of letters and digits,
every other character separates words (`7.6` is `7` then `6`, `25.7%` is `25` then `7`), no
word is a stop word, and words are stemmed by the original Porter algorithm. SQLite's index
(`porter unicode61`, 20261128_0003) already follows it, so this changes nothing there. On
PostgreSQL the `english` configuration kept `7.6` as one token, which the words of a query
never match, and dropped stop words (`not`), so the stored tsvector is rebuilt with a
configuration of its own, `claimbase`: the `english` parser and mappings with a Porter
stemmer that keeps stop words, over the text with its punctuation turned into spaces (and
its words of one or two letters kept from the stemmer, as SQLite's Porter keeps them).
"""

from collections.abc import Sequence

from alembic import op


revision: str = '20261207_0008'
down_revision: str | None = '20261206_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('claim', 'claim_history')
# Punctuation becomes spaces; then a word of one or two letters gets a `0`, which makes it a
# `numword` token, mapped to the `simple` dictionary: unstemmed, as SQLite's Porter leaves
# words shorter than three characters (PostgreSQL's would read `as` as `a`).
WORDS = "regexp_replace(text, '[[:punct:]]+', ' ', 'g')"
PARITY = (
    "to_tsvector('claimbase'::regconfig, "
    f"regexp_replace({WORDS}, '\\m([[:alpha:]]{{1,2}})\\M', '\\10', 'g'))"
)
ENGLISH = "to_tsvector('english'::regconfig, text)"


def _vectors(expression: str) -> None:
    for table in TABLES:
        op.execute(f'DROP INDEX ix_{table}_search_vector')
        op.execute(f'ALTER TABLE {table} DROP COLUMN search_vector')
        op.execute(
            f'ALTER TABLE {table} ADD COLUMN search_vector tsvector '
            f'GENERATED ALWAYS AS ({expression}) STORED'
        )
        op.execute(f'CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        'CREATE TEXT SEARCH DICTIONARY claimbase_stem (TEMPLATE = snowball, LANGUAGE = porter)'
    )
    op.execute('CREATE TEXT SEARCH CONFIGURATION claimbase (COPY = english)')
    op.execute(
        'ALTER TEXT SEARCH CONFIGURATION claimbase '
        'ALTER MAPPING REPLACE english_stem WITH claimbase_stem'
    )
    _vectors(PARITY)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    _vectors(ENGLISH)
    op.execute('DROP TEXT SEARCH CONFIGURATION claimbase')
    op.execute('DROP TEXT SEARCH DICTIONARY claimbase_stem')
