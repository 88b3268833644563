"""A real uvicorn process serving the app on a free loopback port, for clients that need a
socket (generated SDKs, headless Chromium) rather than the in-process TestClient."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT

HOST = "127.0.0.1"
STARTUP_SECONDS = 30.0


def free_port() -> int:
    # The port is released before uvicorn binds it; another process taking it in between
    # makes the start fail loudly (readiness never comes), it cannot talk to the wrong server.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"uvicorn was not ready in {STARTUP_SECONDS:.0f} s:\n{log.read_text()}")


@contextmanager
def live_server(database_url: str, log: Path, **settings: str) -> Iterator[str]:
    """Serve the app on `database_url` (already migrated) and yield its base URL."""
    base_url = f"http://{HOST}:{free_port()}"
    environment = {
        **os.environ,
        **{name.upper(): value for name, value in settings.items()},
        "DATABASE_URL": database_url,
    }
    command = [
        sys.executable, "-m", "uvicorn", "app.main:app", "--host", HOST,
        "--port", base_url.rsplit(":", 1)[1], "--no-server-header", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_ready(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
