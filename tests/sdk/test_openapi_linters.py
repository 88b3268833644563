"""The served OpenAPI document passes the default rulesets of two OpenAPI linters with no
finding at all: Spectral's `spectral:oas` and Redocly's `recommended`, pinned in
tests/sdk/package-lock.json (`make node`)."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.sdk.generators import node_tool, run, write_spec


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with TestClient(create_app()) as client:
        response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return write_spec(document, tmp_path_factory.mktemp("linters"))


def test_spectral_oas_ruleset_finds_nothing(spec: Path) -> None:
    (spec.parent / ".spectral.json").write_text(json.dumps({"extends": ["spectral:oas"]}))
    command = [str(node_tool("spectral")), "lint", spec.name, "--format", "json"]
    # `--fail-severity hint`: a warning, an info or a hint fails as an error would.
    output = run([*command, "--fail-severity", "hint", "--quiet"], cwd=spec.parent)
    findings = json.loads(output or "[]")
    assert findings == [], json.dumps(findings, indent=2)


def test_redocly_recommended_ruleset_finds_nothing(spec: Path) -> None:
    command = [str(node_tool("redocly")), "lint", spec.name, "--extends", "recommended"]
    output = run([*command, "--format", "json", "--max-problems", "1000"], cwd=spec.parent)
    # The JSON report, then (on stderr, which `run` appends) a notice about Node.js 20.
    report, _ = json.JSONDecoder().raw_decode(output, output.index("{"))
    problems = report["problems"]
    assert problems == [], json.dumps(problems, indent=2)
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}
