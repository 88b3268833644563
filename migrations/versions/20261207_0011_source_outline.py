"""source outline: each source stores its text's paragraphs, written with the text

Revision ID: 20261207_0011
Revises: 20261207_0010
Create Date: 2026-12-07 09:00:00

A claim's or a figure's section and paragraph (and its citation) were read from its source's
text on every read: each page read the texts of the sources it cites and split them into
paragraphs, which took most of a list page's time on a large corpus. A source now stores
its outline (the paragraphs' offsets and sections, app/resources/citations.py), written with
its text; here it is written for every version already stored, by the same rule.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.resources.citations import outline

revision: str = '20261207_0011'
down_revision: str | None = '20261207_0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('source', 'source_history')
# Sources read and written per statement: their texts are held in memory meanwhile.
CHUNK = 200


def _write_outlines(name: str) -> None:
    connection = op.get_bind()
    table = sa.table(
        name, sa.column('id'), sa.column('version'), sa.column('text'), sa.column('outline')
    )
    ids = sorted(connection.execute(sa.select(table.c.id).distinct()).scalars())
    write = (
        sa.update(table)
        .where(table.c.id == sa.bindparam('at_id'), table.c.version == sa.bindparam('at_version'))
        .values(outline=sa.bindparam('written'))
    )
    for first in range(0, len(ids), CHUNK):
        rows = connection.execute(
            sa.select(table.c.id, table.c.version, table.c.text).where(
                table.c.id.in_(ids[first : first + CHUNK])
            )
        ).all()
        connection.execute(
            write,
            [
                {'at_id': row.id, 'at_version': row.version, 'written': outline(row.text)}
                for row in rows
            ],
        )


def upgrade() -> None:
    for name in TABLES:
        # In place on both engines: SQLite adds a NOT NULL column only with a default (and
        # altering it afterwards would copy the table, which claims reference).
        op.add_column(
            name, sa.Column('outline', sa.Text(), server_default=sa.text("''"), nullable=False)
        )
        _write_outlines(name)


def downgrade() -> None:
    for name in TABLES:
        # Not in batch mode: SQLite drops a column in place (3.35+), where a table copy would
        # break the foreign keys of the claims and figures that cite the source.
        op.drop_column(name, 'outline')
