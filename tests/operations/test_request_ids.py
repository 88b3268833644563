"""Request ids (X-Request-ID kept when well-formed, else generated; on every response and
problem), the access line of every request, and structured logs from a real server."""

import json
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.write.auth import create_key
from tests.conftest import migrate_and_seed
from tests.support.databases import fresh_database
from tests.support.helpers import WAFERS, assert_problem, etag_of
from tests.support.servers import free_port, server_process, wait_until_serving

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123", True),
        ("3f2b6c1e-9a0d-4b7c-8e5f-1a2b3c4d5e6f", True),
        ("Root=1-5759e988-bd862e3fe1be46a994272793", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("two words", False),
        ('quote"d', False),
        ("", False),
        ("line\tbreak", False),
        ("caf\xe9", False),
    ],
)
@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/v1/claims/nqpf-21", 200),
        ("HEAD", "/v1/claims/nqpf-21", 200),
        ("GET", "/v1/claims/nope", 404),
        ("GET", "/v1/claims?limit=1000", 400),
        ("GET", "/v1/claims?q=%FF", 400),
        ("GET", "/healthz", 200),
    ],
)
def test_a_well_formed_request_id_is_kept_and_any_other_replaced(
    client: TestClient, sent: str, kept: bool, method: str, url: str, status: int
) -> None:
    response = client.request(method, url, headers={"X-Request-ID": sent.encode("latin-1")})
    assert response.status_code == status
    echoed = response.headers["x-request-id"]
    if kept:
        assert echoed == sent
    else:
        assert GENERATED.fullmatch(echoed), echoed
    if status >= 400:
        assert response.json()["request_id"] == echoed


def test_without_a_request_id_each_request_gets_a_new_one(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(GENERATED.fullmatch(request_id) for request_id in ids)


def test_problems_from_the_middleware_carry_the_id_too(client: TestClient) -> None:
    # Answered before any route: the body limit and a refused CORS preflight.
    too_big = client.post(
        "/v1/topics",
        content=b"x",
        headers={"Content-Length": "99999999", "X-Request-ID": "big-1"},
    )
    assert assert_problem(too_big, 413, "payload-too-large")["request_id"] == "big-1"
    preflight = client.options(
        "/v1/claims",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "DELETE",
            "X-Request-ID": "preflight-1",
        },
    )
    assert assert_problem(preflight, 400, "invalid-parameter")["request_id"] == "preflight-1"


@pytest.fixture
def access_lines(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO, logger="claimbase.access"):
        yield caplog


def access_line(captured: pytest.LogCaptureFixture, request_id: str) -> logging.LogRecord:
    lines = [
        record
        for record in captured.records
        if record.name == "claimbase.access" and getattr(record, "request_id", None) == request_id
    ]
    assert len(lines) == 1, f"{len(lines)} access lines for {request_id}"
    return lines[0]


@pytest.mark.parametrize(
    ("method", "url", "route", "status"),
    [
        ("GET", "/v1/claims/nqpf-21", "/v1/claims/{claim_id}", 200),
        ("HEAD", "/v1/claims/nqpf-21?include=speaker", "/v1/claims/{claim_id}", 200),
        ("GET", "/v1/claims/nope", "/v1/claims/{claim_id}", 404),
        ("GET", "/v1/statistics?limit=0", "/v1/statistics", 400),
        ("DELETE", "/v1/claims", "/v1/claims", 405),
        ("GET", "/no/such/page", None, 404),
        ("GET", "/healthz", "/healthz", 200),
    ],
)
def test_each_request_has_one_access_line_with_its_route_template(
    client: TestClient,
    access_lines: pytest.LogCaptureFixture,
    method: str,
    url: str,
    route: str | None,
    status: int,
) -> None:
    # Uncompressed, so that the bytes logged are the bytes read.
    headers = {"X-Request-ID": f"line-{method}-{status}", "Accept-Encoding": "identity"}
    response = client.request(method, url, headers=headers)
    assert response.status_code == status
    line = access_line(access_lines, f"line-{method}-{status}")
    assert (line.method, line.route, line.status) == (method, route, status)  # type: ignore[attr-defined]
    assert line.bytes == len(response.content)  # type: ignore[attr-defined]
    assert line.duration_ms > 0  # type: ignore[attr-defined]
    assert line.key is None  # type: ignore[attr-defined]


def test_the_access_line_names_the_key_never_the_token(
    client: TestClient, write_headers: dict[str, str], access_lines: pytest.LogCaptureFixture
) -> None:
    url = f"/v1/statistics/{WAFERS}"
    headers = {**write_headers, "If-Match": etag_of(client, url), "X-Request-ID": "write-1"}
    response = client.patch(url, json={"modality": "approximate", "reason": "r"}, headers=headers)
    assert response.status_code == 200, response.text
    line = access_line(access_lines, "write-1")
    written = (line.method, line.route, line.key)  # type: ignore[attr-defined]
    assert written == ("PATCH", "/v1/statistics/{statistic_id}", "editor")
    token = write_headers["Authorization"].removeprefix("Bearer ")
    for record in access_lines.records:
        assert token not in record.getMessage()
        assert token not in json.dumps(record.__dict__, default=str)


# -- a real server's log --------------------------------------------------------------------


@pytest.fixture(scope="module")
def logged_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Path]]:
    """A JSON-logging server on a database of its own: its URL, a write key, its log file."""
    directory = tmp_path_factory.mktemp(f"logs-{backend}")
    log = directory / "server.log"
    with fresh_database(backend, directory) as url:
        engine = migrate_and_seed(url)
        with engine.begin() as connection:
            token = create_key(connection, "logging-editor", "write")
        engine.dispose()
        env = {"LOG_FORMAT": "json"}
        with server_process(url, env=env, log=log) as server:
            yield server.base_url, token, log


def test_a_server_logs_one_json_object_per_line_without_secrets(
    logged_server: tuple[str, str, Path],
) -> None:
    base, token, log = logged_server
    url = f"{base}/v1/statistics/{WAFERS}"
    etag = httpx.get(url, headers={"X-Request-ID": "json-read"}).headers["etag"]
    written = httpx.patch(
        url,
        json={"modality": "approximate", "reason": "logged"},
        headers={
            "Authorization": f"Bearer {token}",
            "If-Match": etag,
            "X-Request-ID": "json-write",
        },
    )
    assert written.status_code == 200, written.text
    refused = httpx.patch(
        url,
        json={"modality": "projected", "reason": "logged"},
        headers={
            "Authorization": "Bearer cb_not-a-key",
            "If-Match": etag,
            "X-Request-ID": "json-401",
        },
    )
    assert refused.status_code == 401
    missing = httpx.get(f"{base}/no/such/page?secret=1", headers={"X-Request-ID": "json-404"})
    assert missing.status_code == 404
    lines = wait_for_lines(log, {"json-read", "json-write", "json-401", "json-404"})
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    access = {line["request_id"]: line for line in lines if line["logger"] == "claimbase.access"}
    assert access["json-write"] | {"time": None, "duration_ms": None, "bytes": None} == {
        "time": None,
        "level": "info",
        "logger": "claimbase.access",
        "message": "PATCH /v1/statistics/{statistic_id} 200",
        "request_id": "json-write",
        "method": "PATCH",
        "route": "/v1/statistics/{statistic_id}",
        "status": 200,
        "duration_ms": None,
        "bytes": None,
        "key": "logging-editor",
    }
    assert access["json-write"]["bytes"] == len(written.content)
    assert (access["json-401"]["status"], access["json-401"]["key"]) == (401, None)
    assert (access["json-404"]["route"], access["json-404"]["key"]) == (None, None)
    assert access["json-read"]["status"] == 200
    text = log.read_text()
    for secret in (token, "cb_not-a-key", "Bearer", "secret=1"):
        assert secret not in text
    # uvicorn's own lines (its startup) come out as JSON too.
    assert any(line["logger"].startswith("uvicorn") for line in lines)


def wait_for_lines(log: Path, request_ids: set[str]) -> list[dict[str, Any]]:
    """Every line of the log parsed as JSON, once the access lines of `request_ids` are in."""
    import time

    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        seen = {line.get("request_id") for line in lines if line["logger"] == "claimbase.access"}
        if request_ids <= seen or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_text_logs_are_one_readable_line_per_request(
    backend: str, tmp_path: Path, seeded_url: str
) -> None:
    log = tmp_path / "server.log"
    with server_process(seeded_url, env={"LOG_FORMAT": "text"}, log=log) as server:
        # Not compressed, so that the bytes logged are the bytes read (a claim's document,
        # with its citation, is past the gzip threshold).
        response = httpx.get(
            f"{server.base_url}/v1/claims/nqpf-21",
            headers={"X-Request-ID": "t-1", "Accept-Encoding": "identity"},
        )
        assert response.status_code == 200
        deadline_lines = wait_for_text(log, "request_id=t-1")
    (line,) = [line for line in deadline_lines if "request_id=t-1" in line]
    assert re.fullmatch(
        r"\S+Z INFO claimbase\.access GET /v1/claims/\{claim_id\} 200 request_id=t-1 "
        r"method=GET route=/v1/claims/\{claim_id\} status=200 duration_ms=[\d.]+ "
        rf"bytes={len(response.content)} key=-",
        line,
    ), line


def wait_for_text(log: Path, needle: str) -> list[str]:
    import time

    deadline = time.monotonic() + 10
    while needle not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    return log.read_text().splitlines()


def test_the_serve_command_logs_every_line_as_json_supervisor_included(
    seeded_url: str, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DATABASE_URL": seeded_url,
        "PORT": str(port),
        "WORKERS": "2",
        "LOG_FORMAT": "json",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process, log)
        response = httpx.get(f"http://127.0.0.1:{port}/v1/topics", headers={"X-Request-ID": "s-1"})
        assert response.status_code == 200
        wait_for_lines(log, {"s-1"})
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    messages = [line["message"] for line in lines]
    assert any("parent process" in message for message in messages), messages
    assert sum("Started server process" in message for message in messages) == 2
    assert sum(line.get("request_id") == "s-1" for line in lines) == 1
