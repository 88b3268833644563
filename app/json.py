"""JSON encoding for responses: orjson, which also knows dates and datetimes."""

from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
