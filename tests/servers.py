"""Real API servers for tests: a uvicorn subprocess on a free port, or one in a thread."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

from app.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_serving(base_url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"no server answered at {base_url}")


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen[bytes] | None = None


@contextmanager
def server_process(
    database_url: str, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`uvicorn app.main:app` in a child process, as `make run` starts it."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
        "--port", str(port), "--no-server-header", "--no-access-log",
        "--workers", str(workers),
    ]  # fmt: skip
    child_env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=child_env)
    try:
        server = Server(f"http://127.0.0.1:{port}", process)
        wait_until_serving(server.base_url)
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
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", server_header=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=15)
