"""The HTTP contract as a real uvicorn serves it (started as `make run` starts it: the options of
app/serving.py): an HTTP linter over real responses, the URL limits and the request-line bytes
the app answers itself or leaves to uvicorn, and compression over a socket."""

import gzip
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from httplint import HttpResponseLinter
from httplint.note import levels

from app.config import PROJECT_ROOT
from app.serving import REQUEST_HEAD_LIMIT, UVICORN_OPTIONS, cli_arguments
from app.web.guards import MAX_URL_BYTES
from tests.support.helpers import get_operations

JSON_OPERATIONS = get_operations()


def lint(response: httpx.Response, body: bytes) -> list[str]:
    """httplint's warnings and errors about one response, with their subnotes."""
    linter = HttpResponseLinter()
    version = response.http_version.encode()
    linter.process_response_topline(version, str(response.status_code).encode(), b"")
    linter.process_headers(list(response.headers.raw))
    linter.feed_content(body)
    linter.finish_content(True)
    return [
        f"{note.level.value}: {note.summary}"
        for note in linter.notes
        if note.level in (levels.WARN, levels.BAD)
    ]


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
@pytest.mark.parametrize(("name", "path"), JSON_OPERATIONS)
def test_httplint_finds_nothing_to_warn_about(
    live_url: str, name: str, path: str, encoding: str
) -> None:
    with httpx.Client(base_url=live_url, timeout=10) as client:
        request = client.build_request("GET", path, headers={"Accept-Encoding": encoding})
        response = client.send(request, stream=True)
        raw = b"".join(response.iter_raw())
        response.close()
    assert response.status_code == 200, name
    assert lint(response, raw) == [], name
    etag = response.headers.get("etag")
    if etag is not None:
        again = httpx.get(
            f"{live_url}{path}",
            headers={"Accept-Encoding": encoding, "If-None-Match": etag},
            timeout=10,
        )
        assert again.status_code == 304, name
        assert lint(again, b"") == [], name


def _raw(live_url: str, request_line: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send a request line byte for byte (httpx would encode it) and read the answer."""
    address = urlsplit(live_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines)
    }
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("size", [MAX_URL_BYTES + 1, 20_000, REQUEST_HEAD_LIMIT - 2000])
def test_a_long_url_is_the_apps_414_problem(live_url: str, size: int) -> None:
    status, headers, body = _raw(live_url, b"GET /v1/claims?q=" + b"a" * size + b" HTTP/1.1")
    assert status == 414
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff"
    assert b"/problems/uri-too-long" in body
    assert len(body) < 1000


def test_percent_encoded_bytes_that_are_not_utf8_are_the_apps_400(live_url: str) -> None:
    status, headers, body = _raw(live_url, b"GET /v1/claims?q=%FF HTTP/1.1")
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert b"not valid UTF-8" in body


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET /v1/cl\xffaims HTTP/1.1",  # raw non-ASCII bytes in the request line
        b"GET /v1/claims?q=\xff HTTP/1.1",
        b"GET /v1/claims?q=" + b"a" * (2 * REQUEST_HEAD_LIMIT) + b" HTTP/1.1",
    ],
    ids=["path", "query", "over-the-head-limit"],
)
def test_what_uvicorn_answers_itself_is_as_documented(live_url: str, request_line: bytes) -> None:
    """docs/operations.md#what-uvicorn-answers-itself: the parser refuses these before the
    app runs; its answer is a plain-text 400 that closes the connection."""
    status, headers, body = _raw(live_url, request_line)
    assert status == 400
    assert headers["content-type"].startswith("text/plain")
    assert body == b"Invalid HTTP request received."
    documented = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    assert "### What uvicorn answers itself" in documented
    assert "Invalid HTTP request received." in documented


def test_gzip_over_a_socket(live_url: str) -> None:
    url = f"{live_url}/v1/claims.csv"
    plain = httpx.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}, timeout=10) as packed:
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["transfer-encoding"] == "chunked"
        assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
        raw = b"".join(packed.iter_raw())
    assert gzip.decompress(raw) == plain.content
    bundle = f"{live_url}/static/docs/redoc.standalone.js"
    original = httpx.get(bundle, headers={"Accept-Encoding": "identity"}, timeout=10).content
    sizes = []
    # Compressed as it streams the first time the server sends it (a browser test may have
    # asked before), then whole, with its length, from the cache.
    for _ in range(2):
        with httpx.stream("GET", bundle, headers={"Accept-Encoding": "gzip"}, timeout=10) as got:
            assert got.headers["content-encoding"] == "gzip"
            raw = b"".join(got.iter_raw())
            sizes.append(got.headers.get("content-length"))
        assert gzip.decompress(raw) == original
        assert len(raw) < len(original) / 2
    assert sizes[1] == str(len(raw))


def test_every_launcher_starts_uvicorn_with_the_shared_options() -> None:
    """make run and python -m app serve (uvicorn.run), the tests and bench/load.py (the CLI)."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "$(BIN)/python -m app serve" in makefile
    assert "uvicorn app.main:app" not in makefile
    assert "UVICORN_OPTIONS" in (PROJECT_ROOT / "app" / "__main__.py").read_text()
    assert "cli_arguments()" in (PROJECT_ROOT / "tests" / "support" / "servers.py").read_text()
    assert "server_process" in (PROJECT_ROOT / "bench" / "load.py").read_text()
    assert "python -m app serve" in (PROJECT_ROOT / "Dockerfile").read_text()
    arguments = cli_arguments()
    assert "--no-server-header" in arguments
    assert arguments[arguments.index("--h11-max-incomplete-event-size") + 1] == str(
        UVICORN_OPTIONS["h11_max_incomplete_event_size"]
    )
    assert MAX_URL_BYTES < REQUEST_HEAD_LIMIT
