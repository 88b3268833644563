"""A serving worker settles its garbage collector when it starts (app/main.py, with
`settle_collector` of app/collector.py): what it holds by then is frozen, and young
collections run less often. A worker is a fresh process, so the app is started in a child."""

import json
import os
import subprocess
import sys

from app.config import PROJECT_ROOT
from app.main import GC_YOUNG_THRESHOLD
from app.store.migrate import upgrade

START_AND_READ_GC = """
import gc, json
from fastapi.testclient import TestClient
from app.main import app
before = [gc.get_freeze_count(), gc.get_threshold()[0]]
with TestClient(app) as client:
    status = client.get("/v1/claims").status_code
    after = [gc.get_freeze_count(), gc.get_threshold()[0]]
print(json.dumps({"before": before, "after": after, "status": status}))
"""


def test_a_worker_freezes_what_it_holds_when_it_starts(empty_database: str) -> None:
    upgrade(empty_database)
    result = subprocess.run(
        [sys.executable, "-c", START_AND_READ_GC],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": empty_database},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    started = json.loads(result.stdout)
    assert started["status"] == 200
    assert started["before"] == [0, 700]
    frozen, threshold = started["after"]
    assert frozen > 10_000  # the modules, routes and schemas of the app, at least
    assert threshold == GC_YOUNG_THRESHOLD
