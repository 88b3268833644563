"""Real API servers for tests (the one way to start one): a uvicorn subprocess on a free
loopback port, for clients that need a socket (generated SDKs, headless Chromium, load, faults),
or uvicorn in a thread of this process, so a test can look at the app's engine pool."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from app.config import PROJECT_ROOT
from app.serving import UVICORN_OPTIONS, cli_arguments

HOST = "127.0.0.1"
STARTUP_SECONDS = 30.0


def free_port() -> int:
    # The port is released before uvicorn binds it; another process taking it in between
    # makes the start fail loudly (it never answers), it cannot talk to the wrong server.
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_serving(
    base_url: str, process: subprocess.Popen[bytes] | None = None, log: Path | None = None
) -> None:
    def output() -> str:
        return log.read_text(errors="replace") if log is not None and log.exists() else ""

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"uvicorn exited with {process.returncode}:\n{output()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"no server answered at {base_url}:\n{output()}")


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen[bytes] | None = None


@contextmanager
def server_process(
    database_url: str,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    options: Sequence[str] = (),
) -> Iterator[Server]:
    """`uvicorn app.main:app` in a child process, with the options `make run` starts it with
    (app/serving.py), plus uvicorn's `options`; its output goes to `log` when given (and is
    shown if it fails to start)."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "app.main:app", "--host", HOST,
        "--port", str(port), *cli_arguments(), "--no-access-log",
        "--workers", str(workers), *options,
    ]  # fmt: skip
    child_env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    output = log.open("wb") if log is not None else None
    try:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=child_env, stdout=output, stderr=subprocess.STDOUT
        )
    finally:
        if output is not None:
            output.close()  # the child keeps its own copy of the descriptor
    try:
        server = Server(f"http://{HOST}:{port}", process)
        wait_until_serving(server.base_url, process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def server_thread(app: FastAPI) -> Iterator[Server]:
    """Uvicorn serving `app` in this process, so tests can look at the app's engine pool."""
    port = free_port()
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", **UVICORN_OPTIONS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until_serving(f"http://{HOST}:{port}")
        yield Server(f"http://{HOST}:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=15)
