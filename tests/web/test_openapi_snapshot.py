"""The OpenAPI document is the contract SDKs are generated from: any change to it fails here
until tests/snapshots/openapi.json is updated on purpose (`make snapshot`) and reviewed."""

import difflib
import json
import os
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.main import app
from tests.support.helpers import in_ci

SNAPSHOT = PROJECT_ROOT / "tests" / "snapshots" / "openapi.json"
UPDATE_COMMAND = "make snapshot  (or: UPDATE_SNAPSHOTS=1 pytest tests/web/test_openapi_snapshot.py)"


def render(document: dict[str, Any]) -> str:
    # Key order kept as served: it is the order docs and generated SDKs present things in.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_openapi_matches_the_snapshot() -> None:
    # The document is built from the code alone: no database is needed to serve it.
    response = TestClient(app).get("/v1/openapi.json")
    assert response.status_code == 200
    served = render(response.json())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        if in_ci():
            pytest.fail("UPDATE_SNAPSHOTS=1 in CI: a developer updates snapshots, on purpose")
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(served)
        return
    recorded = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    if served != recorded:
        diff = "".join(
            difflib.unified_diff(
                recorded.splitlines(keepends=True),
                served.splitlines(keepends=True),
                fromfile="tests/snapshots/openapi.json (recorded)",
                tofile="/v1/openapi.json (served)",
            )
        )
        pytest.fail(
            f"The OpenAPI document changed. If the change is intended, update the snapshot with\n"
            f"    {UPDATE_COMMAND}\n"
            f"and commit it with the change. Diff:\n{diff}",
            pytrace=False,
        )
