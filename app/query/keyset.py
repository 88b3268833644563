"""Keyset pagination: opaque signed cursors bound to one query, and the `Link` header."""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Row, RowMapping, Select, func, literal_column, select
from sqlalchemy.orm import Session
from starlette.datastructures import URL

from app.config import get_settings
from app.query.filters import SortKey, after_key, order_by
from app.query.grammar import ListParams
from app.web.problems import ApiError, input_error

SIGNATURE_BYTES = 16
KeyValue = str | int | float | date


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes) -> bytes:
    key = get_settings().cursor_secret.encode()
    return hmac.new(key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def query_fingerprint(resource: str, criteria: dict[str, Any]) -> str:
    """Identifies a query (resource, filters and sort): a cursor only continues its own query."""
    canonical = orjson.dumps([resource, criteria], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:16]


def _encode_value(value: KeyValue) -> Any:
    return {"d": value.isoformat()} if isinstance(value, date) else value


def _decode_value(value: Any) -> KeyValue:
    if isinstance(value, dict) and set(value) == {"d"} and isinstance(value["d"], str):
        return date.fromisoformat(value["d"])
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    raise ValueError("unexpected key value")


def encode_cursor(fingerprint: str, key: Sequence[KeyValue]) -> str:
    payload = orjson.dumps([fingerprint, [_encode_value(value) for value in key]])
    return f"{_b64encode(payload)}.{_b64encode(_sign(payload))}"


def invalid_cursor(message: str, parameter: str = "cursor") -> ApiError:
    return input_error("invalid-cursor", "Invalid cursor", parameter, message)


def decode_cursor(
    cursor: str, fingerprint: str, key_length: int, parameter: str = "cursor"
) -> list[KeyValue]:
    """The sort key of the last row of the previous page; refuses anything not made for us."""
    try:
        payload_text, signature_text = cursor.split(".")
        payload = _b64decode(payload_text)
        signature = _b64decode(signature_text)
    except (ValueError, binascii.Error):
        raise invalid_cursor("not a cursor issued by this API", parameter) from None
    if not hmac.compare_digest(signature, _sign(payload)):
        raise invalid_cursor("not a cursor issued by this API", parameter)
    try:
        bound_to, raw_key = orjson.loads(payload)
        key = [_decode_value(value) for value in raw_key]
    except (ValueError, TypeError):
        raise invalid_cursor("not a cursor issued by this API", parameter) from None
    if bound_to != fingerprint or len(key) != key_length:
        raise invalid_cursor(
            "issued for a different query; a cursor only continues the query "
            "(resource, filters and sort) it came from",
            parameter,
        )
    return key


def next_link(url: URL, cursor: str) -> str:
    return f'<{url.include_query_params(cursor=cursor)}>; rel="next"'


def sort_key(row: RowMapping, keys: Sequence[SortKey]) -> list[KeyValue]:
    return [row[key.column.key] for key in keys]


@dataclass(frozen=True)
class PageResult:
    rows: list[RowMapping]
    next_cursor: str | None
    total: int | None


def paginate(
    session: Session,
    query: Select[Any],
    keys: Sequence[SortKey],
    params: ListParams,
    fingerprint: str,
    count: Select[Any] | None = None,
) -> PageResult:
    """One page of `query` in the order of `keys`, starting after the cursor's row, and with
    count=true its total (by `count`, else by counting `query`).

    The cursor holds the sort key of the last row served, so every page costs the same
    index range scan as the first one, however deep.
    """
    rows = list(session.execute(page_query(query, keys, params, fingerprint)).mappings())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        next_cursor = encode_cursor(fingerprint, sort_key(rows[-1], keys))
    if count is None:
        count = count_query(query)
    total = session.execute(count).scalar_one() if params.count else None
    return PageResult(rows, next_cursor, total)


def page_query(
    query: Select[Any], keys: Sequence[SortKey], params: ListParams, fingerprint: str
) -> Select[Any]:
    """The SQL of one page: `query` after the cursor's row, in key order, one row extra."""
    after = cursor_key(params.cursor, fingerprint, keys)
    return keyset_page(query, keys, after, params.limit + 1)


def cursor_key(
    cursor: str | None, fingerprint: str, keys: Sequence[SortKey]
) -> list[KeyValue] | None:
    """Where a keyset cursor resumes: the sort key of the last row served (None: the start)."""
    return None if cursor is None else decode_cursor(cursor, fingerprint, len(keys))


def keyset_page(
    query: Select[Any], keys: Sequence[SortKey], after: Sequence[KeyValue] | None, size: int
) -> Select[Any]:
    """`size` rows of `query` in the order of `keys`, from just after the key `after` on."""
    if after is not None:
        query = query.where(after_key(keys, after))
    return query.order_by(*order_by(keys)).limit(size)


def count_query(query: Select[Any]) -> Select[Any]:
    """`count(*)` of the filtered rows, selecting no columns so that an index on the filter
    answers it alone (the FROM stays: correlated filters such as EXISTS refer to it)."""
    counted: Select[Any] = query.order_by(None).with_only_columns(
        literal_column("1"), maintain_column_froms=True
    )
    return select(func.count()).select_from(counted.subquery())


def keyset_batches(
    session: Session,
    query: Select[Any],
    keys: Sequence[SortKey],
    after: Sequence[KeyValue] | None,
    size: int,
) -> Iterator[Sequence[Row[Any]]]:
    """All of `query` after the key `after`, in the order of `keys`, `size` rows per statement.

    Each batch is read whole, so no database cursor stays open while the caller works on it
    (or while a streamed response waits for its client).
    """
    while True:
        rows = session.execute(keyset_page(query, keys, after, size)).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = sort_key(rows[-1]._mapping, keys)
