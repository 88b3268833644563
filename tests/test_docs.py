"""README.md keeps up with the code: every setting in its configuration table with its default,
every operation of the OpenAPI document named, every module in the project layout."""

import re
from pathlib import Path
from typing import Any

import pytest

from app.config import PROJECT_ROOT, Settings
from app.main import app

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
# Defaults that depend on the machine or are secrets: the table describes them in words.
DESCRIBED_DEFAULTS = {"database_url", "cursor_secret"}


def section(title: str) -> str:
    """The text of a `## title` section, up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def configuration_table() -> dict[str, str]:
    """Variable name -> default cell of the Configuration table."""
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", section("Configuration"), re.M)
    return {name: default.strip() for name, default in rows}


def written(value: Any) -> str:
    """A default as the table writes it."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, list):
        return f"`{','.join(value)}`"
    return f"`{value}`"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_table_with_its_default(name: str) -> None:
    table = configuration_table()
    assert name.upper() in table, f"{name.upper()} is missing from README's Configuration table"
    if name not in DESCRIBED_DEFAULTS:
        default = Settings.model_fields[name].get_default(call_default_factory=True)
        assert table[name.upper()].startswith(written(default))


def test_the_configuration_table_lists_only_real_settings() -> None:
    assert set(configuration_table()) == {name.upper() for name in Settings.model_fields}


def operation_ids() -> list[str]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return sorted(
        operation["operationId"] for item in paths.values() for operation in item.values()
    )


@pytest.mark.parametrize("operation_id", operation_ids())
def test_every_operation_is_named_in_the_readme(operation_id: str) -> None:
    assert re.search(rf"\b{operation_id}\b", README), f"README.md never names {operation_id}"


TEST_FOLDERS = ["support", "resources", "query", "web", "formats", "write", "store", "seed"]
MODULE_ROOTS = [
    "app",
    "app/routes",
    "tests",
    *(f"tests/{folder}" for folder in TEST_FOLDERS),
    "tests/sdk",
    "tests/browser",
    "bench",
    "seed",
]


@pytest.mark.parametrize(
    "module",
    [
        path.relative_to(PROJECT_ROOT)
        for root in MODULE_ROOTS
        for path in sorted((PROJECT_ROOT / root).glob("*.py"))
        if path.name != "__init__.py"
    ],
    ids=str,
)
def test_every_module_is_in_the_project_layout(module: Path) -> None:
    assert re.search(rf"\b{re.escape(module.stem)}\b", section("Project layout")), (
        f"{module} is missing from README's Project layout"
    )
