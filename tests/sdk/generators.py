"""Running the SDK generators and compilers as their users do: as commands, failing on warnings."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.helpers import skip_outside_ci

NODE_PROJECT = Path(__file__).resolve().parent
NODE_BIN = NODE_PROJECT / "node_modules" / ".bin"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# Words generators use when they drop or degrade part of the spec.
WARNING_WORDS = re.compile(r"warn|error|skipp|duplicate|unsupported|invalid|❗", re.IGNORECASE)


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command to completion; fail the test with its output unless it exits 0."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = _ANSI_ESCAPE.sub("", result.stdout + result.stderr)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited with {result.returncode}:\n{output}")
    return output


def assert_no_warnings(tool: str, output: str) -> None:
    """A generator that complains about the spec fails the test, naming what it said."""
    complaints = [line for line in output.splitlines() if WARNING_WORDS.search(line)]
    assert not complaints, f"{tool} complained about the OpenAPI document:\n{output}"


def write_spec(document: dict[str, Any], directory: Path) -> Path:
    path = directory / "openapi.json"
    path.write_text(json.dumps(document, indent=2))
    return path


def node_tool(name: str) -> Path:
    """A command installed by `npm ci` in tests/sdk (`make node`); skips only without Node."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        skip_outside_ci("Node.js and npm are not installed (apt-get install nodejs npm)")
    path = NODE_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make node` (npm ci in tests/sdk) first")
    return path


def tsconfig(include: list[str]) -> dict[str, Any]:
    """tsc in strict mode, to CommonJS, which needs no file extensions in generated imports,
    so node runs the output as is."""
    return {
        "compilerOptions": {
            "strict": True,
            "noEmitOnError": True,
            "target": "ES2022",
            "module": "commonjs",
            "moduleResolution": "node10",
            "esModuleInterop": True,
            "lib": ["ES2022", "DOM"],
            "types": ["node"],
            "typeRoots": [str(NODE_PROJECT / "node_modules" / "@types")],
            "skipLibCheck": True,
            "outDir": "dist",
            "rootDir": ".",
        },
        "include": include,
    }
