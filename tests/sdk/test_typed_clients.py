"""Two more TypeScript clients, each from a generator at its default settings, compiled by
`tsc --strict` with no casts and run against a live server: openapi-typescript's types
called through openapi-fetch (typed_walk.ts), and orval's axios client (orval_walk.ts). Each
walks a filtered list to its end from a `null` cursor; the first also reads a typed problem
and a sparse record (`fields=`) typed by its own media type.

The tools are pinned in tests/sdk/package-lock.json (`make node`)."""

import json
import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sdk.generators import (
    NODE_PROJECT,
    assert_no_warnings,
    node_tool,
    run,
    tsconfig,
    write_spec,
)

FILTER = "kind=direct_quote"


def _project(directory: Path, entry: str) -> None:
    """`entry` beside the generated code, resolving packages from tests/sdk/node_modules."""
    shutil.copy(NODE_PROJECT / entry, directory / entry)
    (directory / "node_modules").symlink_to(NODE_PROJECT / "node_modules")
    (directory / "tsconfig.json").write_text(json.dumps(tsconfig([entry]), indent=2))
    run([str(node_tool("tsc")), "--project", "tsconfig.json", "--pretty", "false"], cwd=directory)


def _expected(live_url: str) -> list[str]:
    """The same walk without a client."""
    claims: list[str] = []
    url: str | None = f"{live_url}/v1/claims?{FILTER}&limit=500"
    while url is not None:
        page = httpx.get(url, timeout=10).json()
        claims += [f"{claim['id']}:{claim['kind']}" for claim in page["data"]]
        url = page["next_cursor"] and f"{live_url}/v1/claims?{FILTER}&cursor={page['next_cursor']}"
    return claims


def _walk(directory: Path, entry: str, live_url: str) -> dict[str, Any]:
    script = directory / "dist" / entry.replace(".ts", ".js")
    output = run(["node", str(script), live_url], cwd=directory)
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def _generated_walk(
    tool: str, arguments: list[str], entry: str, document: dict[str, Any], directory: Path
) -> Path:
    """Generate with `tool` (its defaults) beside `entry`, and compile them."""
    spec = write_spec(document, directory)
    command = [str(node_tool(tool)), *(str(spec) if a == "{spec}" else a for a in arguments)]
    output = run(command, cwd=directory, env={**os.environ, "NO_COLOR": "1"})
    assert_no_warnings(tool, output)
    _project(directory, entry)
    return directory


def test_openapi_typescript_and_openapi_fetch(
    live_openapi: dict[str, Any],
    live_url: str,
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    directory = tmp_path_factory.mktemp(f"openapi-typescript-{backend}")
    arguments = ["{spec}", "--output", "schema.d.ts"]
    _generated_walk("openapi-typescript", arguments, "typed_walk.ts", live_openapi, directory)
    seen = _walk(directory, "typed_walk.ts", live_url)
    assert seen["claims"] == _expected(live_url)
    assert len(seen["claims"]) > 4  # more than one page
    assert seen["problem"] == {"status": 404, "type": "/problems/not-found"}
    kind = httpx.get(f"{live_url}/v1/claims/nqpf-21", timeout=10).json()["kind"]
    assert seen["sparse"] == {"id": "nqpf-21", "kind": kind, "members": ["id", "kind"]}


def test_orval_client_walks_from_a_null_cursor(
    live_openapi: dict[str, Any],
    live_url: str,
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    directory = tmp_path_factory.mktemp(f"orval-{backend}")
    arguments = ["--input", "{spec}", "--output", "client.ts"]
    _generated_walk("orval", arguments, "orval_walk.ts", live_openapi, directory)
    assert _walk(directory, "orval_walk.ts", live_url)["claims"] == _expected(live_url)
