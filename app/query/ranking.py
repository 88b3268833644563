"""Relevance at any corpus size: matches are ranked in blocks of the most recently added.

Ranking every match before the first page grows with the matches (0.3 s at 1M claims for a
word in 16 % of them). Instead the matches, taken in the order they were added (SQLite's
rowid, PostgreSQL's `claim.search_order`: both index-ordered), are cut into blocks of
`CANDIDATES`; a page ranks the rows of one block, and when a block is used up the next older
block follows. A cursor holds its block's bounds, so walking every page returns each match
exactly once on a stable dataset, and each page ranks at most `CANDIDATES` rows.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, func, select

from app.query.keyset import (
    KeyValue,
    PageResult,
    SortKey,
    after_key,
    decode_cursor,
    encode_cursor,
    invalid_cursor,
    order_by,
    sort_key,
)

# Rows ranked together: small enough that a page costs a few ms at any size, large enough
# that a query with fewer matches (most of them) is ranked as a whole.
CANDIDATES = 500


# Positions start at 1 on both engines: a block starting at 0 holds every older match.
OLDEST = 0


@dataclass(frozen=True)
class Block:
    """Matches added at positions [low, high)."""

    low: int
    high: int


def older_block_query(
    query: Select[Any], added: ColumnElement[Any], below: int | None
) -> Select[Any]:
    """(count, lowest, highest position) of the `CANDIDATES` most recently added matches
    added before `below` (all when None): read from an index in the order of `added`."""
    positions = query.with_only_columns(added.label("added"), maintain_column_froms=True)
    if below is not None:
        positions = positions.where(added < below)
    newest = positions.order_by(added.desc()).limit(CANDIDATES).subquery()
    return select(func.count()).add_columns(func.min(newest.c.added), func.max(newest.c.added))


def block_query(
    query: Select[Any],
    added: ColumnElement[Any],
    keys: Sequence[SortKey],
    block: Block,
    after: Sequence[Any] | None,
    limit: int,
) -> Select[Any]:
    """The first `limit` rows of `block` in the order of `keys`, after the row keyed `after`."""
    in_block = query.where(added >= block.low, added < block.high)
    if after is not None:
        in_block = in_block.where(after_key(keys, after))
    return in_block.order_by(*order_by(keys)).limit(limit)


def _older_block(
    connection: Connection, query: Select[Any], added: ColumnElement[Any], below: int | None
) -> Block | None:
    """The next block before `below`; when fewer than `CANDIDATES` matches are left, it
    reaches back to `OLDEST`, so no query looks further."""
    count, low, high = connection.execute(older_block_query(query, added, below)).one()
    if count == 0:
        return None
    return Block(low if count == CANDIDATES else OLDEST, high + 1)


def _cursor_block(values: Sequence[Any]) -> Block:
    low, high = values
    if not (isinstance(low, int) and isinstance(high, int)):
        raise invalid_cursor("not a cursor issued by this API")
    return Block(low, high)


def ranked_rows(
    connection: Connection,
    query: Select[Any],
    added: ColumnElement[Any],
    keys: Sequence[SortKey],
    wanted: int,
    start: tuple[Block, Sequence[Any]] | None = None,
) -> list[tuple[Row[Any], Block]]:
    """Up to `wanted` rows of `query` (matches with their relevance), each with its block: in
    the order of `keys` within a block, newest block first, from the first row or after the
    row `start` names (its block and its sort key)."""
    block, after = (
        start if start is not None else (_older_block(connection, query, added, None), None)
    )
    rows: list[tuple[Row[Any], Block]] = []
    while block is not None:
        page = block_query(query, added, keys, block, after, wanted - len(rows))
        rows.extend((row, block) for row in connection.execute(page))
        if len(rows) >= wanted or block.low == OLDEST:
            break
        block, after = _older_block(connection, query, added, block.low), None
    return rows


def ranked_start(
    cursor: str | None, fingerprint: str, keys: Sequence[SortKey]
) -> tuple[Block, Sequence[Any]] | None:
    """Where a ranked cursor resumes: its block's bounds and the last row's sort key."""
    if cursor is None:
        return None
    values = decode_cursor(cursor, fingerprint, len(keys) + 2)
    return _cursor_block(values[:2]), values[2:]


def _resume_after(
    found: tuple[Row[Any], Block], keys: Sequence[SortKey]
) -> tuple[Block, list[KeyValue]]:
    row, block = found
    return block, sort_key(row._mapping, keys)


def paginate_ranked(
    connection: Connection,
    query: Select[Any],
    added: ColumnElement[Any],
    keys: Sequence[SortKey],
    start: tuple[Block, Sequence[Any]] | None,
    limit: int,
    fingerprint: str,
    count: Select[Any] | None = None,
) -> PageResult:
    """One page of `ranked_rows` after the row `start` names (the decoded cursor); the
    cursor holds the block's bounds with the row's sort key, so the next page continues in
    the same block. Its total when `count` (count=true's statement) is given."""
    found = ranked_rows(connection, query, added, keys, limit + 1, start)
    next_cursor = None
    if len(found) > limit:
        block, key = _resume_after(found[limit - 1], keys)
        next_cursor = encode_cursor(fingerprint, [block.low, block.high, *key])
    total = None if count is None else connection.execute(count).scalar_one()
    return PageResult([row._mapping for row, _block in found[:limit]], next_cursor, total)


def ranked_batches(
    connect: Callable[[], Connection],
    query: Select[Any],
    added: ColumnElement[Any],
    keys: Sequence[SortKey],
    start: tuple[Block, Sequence[Any]] | None,
    size: int,
) -> Iterator[Sequence[Row[Any]]]:
    """Every row of `ranked_rows` from `start` on, `size` per batch (exports), each batch read
    on `connect()`."""
    while True:
        found = ranked_rows(connect(), query, added, keys, size, start)
        if found:
            yield [row for row, _block in found]
        if len(found) < size:
            return
        start = _resume_after(found[-1], keys)
