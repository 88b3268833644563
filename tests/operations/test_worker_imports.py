"""What a serving worker imports: nothing that only migrating needs (alembic, with its mako
and pygments), not prometheus-client while metrics are off (the default), not the drafter
until a draft is asked for, and, on SQLite, not PostgreSQL's driver (docs/performance.md,
memory per worker). A worker is a fresh process, so the app is built and asked in a child."""

import json
import os
import subprocess
import sys

from app.config import PROJECT_ROOT
from app.store.migrate import upgrade

# Reads of each kind a worker serves: the probes (/readyz compares the database's revision with
# the head), a list (its ETag names the head) and a problem.
SERVE_AND_LIST_IMPORTS = """
import json, sys
from fastapi.testclient import TestClient
from app.main import app
with TestClient(app) as client:
    paths = ("/healthz", "/readyz", "/v1/claims", "/v1/claims/no-such-claim")
    statuses = [client.get(path).status_code for path in paths]
packages = sorted({name.split(".")[0] for name in sys.modules} | {
    name for name in sys.modules if name.startswith("app.")
})
print(json.dumps({"statuses": statuses, "packages": packages}))
"""
# Alembic brought pygments too, which this test cannot check: its client (httpx) imports it.
MIGRATING_ONLY = {"alembic", "mako"}
METRICS_ONLY = {"prometheus_client"}
POSTGRESQL_ONLY = {"psycopg", "psycopg_binary"}
# The drafter (its rules and tables), imported by POST /v1/drafts when it drafts.
DRAFTING_ONLY = {"app.draft"}


def test_a_serving_worker_imports_nothing_it_does_not_use(
    backend: str, empty_database: str
) -> None:
    upgrade(empty_database)
    result = subprocess.run(
        [sys.executable, "-c", SERVE_AND_LIST_IMPORTS],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": empty_database, "METRICS_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    served = json.loads(result.stdout)
    assert served["statuses"] == [200, 200, 200, 404]
    unused = (
        MIGRATING_ONLY
        | METRICS_ONLY
        | DRAFTING_ONLY
        | (POSTGRESQL_ONLY if backend == "sqlite" else set())
    )
    assert unused & set(served["packages"]) == set()
