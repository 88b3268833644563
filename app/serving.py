"""How uvicorn is started, in one place: `make run` and `python -m app serve` (through
`serve`), the tests' servers and bench/load.py (through `cli_arguments`).

- No `Server` header.
- The request-head limit: the app itself answers a request target longer than
  `MAX_URL_BYTES` (8 KiB) with a 414 problem, so uvicorn's own limit must lie above it. With
  httptools (the default, `--http auto`) the parser refuses a request head of more than about
  64 KiB by itself; with h11 (`--http h11`) the limit is `h11_max_incomplete_event_size`, set
  to the same 64 KiB here. Past it, and for raw bytes that HTTP does not allow in a request
  line (non-ASCII, control characters), uvicorn answers `400 Invalid HTTP request received.`
  in text/plain before the app runs: docs/operations.md#what-uvicorn-answers-itself.
"""

from typing import Any

from app.web.guards import MAX_URL_BYTES

REQUEST_HEAD_LIMIT = 64 * 1024
assert MAX_URL_BYTES < REQUEST_HEAD_LIMIT

UVICORN_OPTIONS: dict[str, Any] = {
    "server_header": False,
    "h11_max_incomplete_event_size": REQUEST_HEAD_LIMIT,
}


def cli_arguments() -> list[str]:
    """UVICORN_OPTIONS as `uvicorn` command-line arguments."""
    return ["--no-server-header", "--h11-max-incomplete-event-size", str(REQUEST_HEAD_LIMIT)]
