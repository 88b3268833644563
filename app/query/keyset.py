"""Keyset pagination, all of it: sort keys, opaque signed cursors bound to one query (decoded
once per request), pages and batches read after a key, and the `Link: rel="next"` header."""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    RowMapping,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import KeyedColumnElement
from starlette.datastructures import URL

from app.config import get_settings
from app.web.problems import ApiError, input_error, invalid_parameter

SIGNATURE_BYTES = 16
KeyValue = str | int | float | date
# The bound parameter of a page's size (see `keyset_page`).
PAGE_SIZE = "page_size"

Column = QueryableAttribute[Any] | KeyedColumnElement[Any]
Clause = ColumnElement[bool]


@dataclass(frozen=True)
class SortKey:
    column: Column
    descending: bool


def parse_sort(sort: str, fields: Mapping[str, Sequence[Column]]) -> list[SortKey]:
    """`field,-other` into sort keys, always ending with the id so the order is total."""
    tie_breaker = fields["id"][0]
    keys: list[SortKey] = []
    seen: set[str] = set()
    for item in (part.strip() for part in sort.split(",")):
        if not item:
            continue
        name = item.removeprefix("-")
        if name in seen:
            raise invalid_parameter("sort", f"the field {name!r} is given more than once")
        seen.add(name)
        keys.extend(SortKey(column, item.startswith("-")) for column in fields[name])
    if not any(key.column.key == tie_breaker.key for key in keys):
        # Ties run the way the last field does, so a `(field, id)` index read backwards
        # serves `-field`; an ascending id under a descending field makes the database sort
        # every group of equal values (half the table for `-kind`).
        keys.append(SortKey(tie_breaker, keys[-1].descending if keys else False))
    return keys


def order_by(keys: Sequence[SortKey]) -> list[ColumnElement[Any]]:
    return [key.column.desc() if key.descending else key.column.asc() for key in keys]


def after_name(index: int) -> str:
    """The bound parameter of a cursor's `index`th key value."""
    return f"after_{index}"


def after_key(keys: Sequence[SortKey], values: Sequence[Any]) -> Clause:
    """Rows strictly after `values` in the order of `keys` (the keyset condition), each value
    a bound parameter named by `after_name`."""
    bound = [
        bindparam(after_name(index), value, type_=key.column.type)
        for index, (key, value) in enumerate(zip(keys, values, strict=True))
    ]
    if all(key.descending == keys[0].descending for key in keys):
        row = tuple_(*(key.column for key in keys))
        return row < tuple_(*bound) if keys[0].descending else row > tuple_(*bound)
    alternatives: list[Clause] = []
    for index, key in enumerate(keys):
        equal_prefix = [keys[i].column == bound[i] for i in range(index)]
        beyond = key.column < bound[index] if key.descending else key.column > bound[index]
        alternatives.append(and_(*equal_prefix, beyond))
    return or_(*alternatives)


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
    return input_error("invalid-cursor", parameter, message)


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


def next_link(url: URL, cursor: str, parameter: str = "cursor") -> str:
    """The `Link` header to the next page: this request's URL with its cursor parameter set
    (relative to the request's own URL, as every page of every list builds it)."""
    return f'<{url.include_query_params(**{parameter: cursor})}>; rel="next"'


def sort_key(row: RowMapping, keys: Sequence[SortKey]) -> list[KeyValue]:
    return [row[key.column.key] for key in keys]


@dataclass(frozen=True)
class PageResult:
    rows: list[RowMapping]
    next_cursor: str | None
    total: int | None


def paginate(
    connection: Connection,
    query: Select[Any],
    keys: Sequence[SortKey],
    after: Sequence[KeyValue] | None,
    limit: int,
    fingerprint: str,
    count: Select[Any] | None = None,
) -> PageResult:
    """One page of `query` in the order of `keys`, starting after the key `after` (the
    decoded cursor), and its total when `count` (count=true's statement) is given.

    The cursor holds the sort key of the last row served, so every page costs the same
    index range scan as the first one, however deep.
    """
    page = keyset_page(query, keys, after, limit + 1)
    parameters = page_parameters(after, limit + 1)
    return read_page(connection, page, parameters, keys, limit, fingerprint, count)


def read_page(
    connection: Connection,
    page: Select[Any],
    parameters: Mapping[str, Any],
    keys: Sequence[SortKey],
    limit: int,
    fingerprint: str,
    count: Select[Any] | None = None,
) -> PageResult:
    """Runs `page` (a `keyset_page` of `limit` + 1 rows) and `count` with `parameters`."""
    rows = list(connection.execute(page, parameters).mappings())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(fingerprint, sort_key(rows[-1], keys))
    total = None if count is None else connection.execute(count, parameters).scalar_one()
    return PageResult(rows, next_cursor, total)


def cursor_key(
    cursor: str | None, fingerprint: str, keys: Sequence[SortKey]
) -> list[KeyValue] | None:
    """Where a keyset cursor resumes: the sort key of the last row served (None: the start)."""
    return None if cursor is None else decode_cursor(cursor, fingerprint, len(keys))


def keyset_page(
    query: Select[Any], keys: Sequence[SortKey], after: Sequence[KeyValue] | None, size: int
) -> Select[Any]:
    """`size` rows of `query` in the order of `keys`, from just after the key `after` on; the
    key's values and the size are bound parameters, which `page_parameters` gives again for
    another key and size of the same shape (whether there is a key, not which)."""
    if after is not None:
        query = query.where(after_key(keys, after))
    return query.order_by(*order_by(keys)).limit(bindparam(PAGE_SIZE, size, type_=Integer))


def page_parameters(after: Sequence[KeyValue] | None, size: int) -> dict[str, Any]:
    """The values of `keyset_page`'s bound parameters."""
    return {PAGE_SIZE: size, **{after_name(i): value for i, value in enumerate(after or ())}}


def count_query(query: Select[Any]) -> Select[Any]:
    """`count(*)` of the filtered rows, selecting no columns so that an index on the filter
    answers it alone (the FROM stays: correlated filters such as EXISTS refer to it)."""
    counted: Select[Any] = query.order_by(None).with_only_columns(
        literal_column("1"), maintain_column_froms=True
    )
    return select(func.count()).select_from(counted.subquery())


def keyset_batches(
    connect: Callable[[], Connection],
    query: Select[Any],
    parameters: Mapping[str, Any],
    keys: Sequence[SortKey],
    after: Sequence[KeyValue] | None,
    size: int,
) -> Iterator[Sequence[Row[Any]]]:
    """All of `query` (run with its `parameters`) after the key `after`, in the order of
    `keys`, `size` rows per statement.

    Each batch is read whole on `connect()`, so no database cursor stays open while the
    caller works on it (or while a streamed response waits for its client), and the caller
    may give the connection back between batches.
    """
    while True:
        batch = keyset_page(query, keys, after, size)
        rows = connect().execute(batch, {**parameters, **page_parameters(after, size)}).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = sort_key(rows[-1]._mapping, keys)
