"""The docs keep up with the code: links and anchors resolve, the README's tour and record
and the reference's examples and problem types are what the API serves, the configuration
table matches the settings, every operation is named in the reference, and the front pages
stay short."""

import json
import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.main import app

README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"
REFERENCE = DOCS / "reference.md"
OPERATIONS = DOCS / "operations.md"
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
LINKING_PAGES = [README, *sorted(DOCS.glob("*.md")), PROJECT_ROOT / "seed" / "README.md", RESULTS]
BASE_URL = "http://127.0.0.1:8000"
# Defaults that depend on the machine, are secrets or are unset: the table says so in words.
DESCRIBED_DEFAULTS = {
    "database_url",
    "cursor_secret",
    "database_replica_urls",
    "metrics_token",
    "prometheus_multiproc_dir",
    "otel_exporter_otlp_endpoint",
}


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def repo_path(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


def prose_lines(markdown: str) -> list[str]:
    """The lines outside fenced code blocks (a `#` in a shell block is not a heading)."""
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def section(markdown: str, title: str) -> str:
    """The text of a `## title` section, up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"no '## {title}' section"
    return match.group(1)


# Links and anchors


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    headings = [line.lstrip("#") for line in prose_lines(read(path)) if line.startswith("#")]
    return {anchor(heading) for heading in headings}


@dataclass(frozen=True)
class Link:
    page: Path
    target: str

    def __str__(self) -> str:
        return f"{repo_path(self.page)} -> {self.target}"


def relative_links(page: Path) -> list[Link]:
    """Every link and image of `page` that stays in this repository."""
    prose = re.sub(r"`[^`]*`", "", "\n".join(prose_lines(read(page))))
    targets = re.findall(r"\]\(([^)\s]+)\)", prose)
    return [Link(page, target) for target in targets if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize(
    "link", [link for page in LINKING_PAGES for link in relative_links(page)], ids=str
)
def test_every_relative_link_and_anchor_resolves(link: Link) -> None:
    path, _, fragment = link.target.partition("#")
    target = (link.page.parent / path).resolve() if path else link.page
    assert target.exists(), f"{link}: no such file"
    if fragment:
        assert fragment in anchors(target), f"{link}: {repo_path(target)} has no such heading"


def named_files(page: Path) -> list[Link]:
    """Every file of this repository a page names in backticks (`app/query/keyset.py`)."""
    names = re.findall(r"`((?:app|seed|tests|bench|migrations)/[\w/.-]+\.\w+)", read(page))
    return [Link(page, name) for name in names]


@pytest.mark.parametrize(
    "named", [named for page in LINKING_PAGES for named in named_files(page)], ids=str
)
def test_every_file_the_docs_name_exists(named: Link) -> None:
    assert (PROJECT_ROOT / named.target).exists(), f"{named}: no such file"


def test_the_pages_link_to_each_other() -> None:
    # Guards the link test against a parser that finds nothing: the README links every page.
    linked = {link.target for link in relative_links(README)}
    assert {f"docs/{page.name}" for page in DOCS.glob("*.md")} <= linked


@pytest.mark.parametrize(
    ("path", "most"), [(README, 250), (RESULTS, 300)], ids=["README.md", "bench/RESULTS.md"]
)
def test_the_front_pages_stay_short(path: Path, most: int) -> None:
    assert len(read(path).splitlines()) <= most


# Examples


@dataclass(frozen=True)
class Example:
    """One `curl` read of the docs: the request it makes and the status the docs show."""

    command: str
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    status: int

    def __str__(self) -> str:
        return self.command


def shell_commands(block: str) -> list[str]:
    """The block's logical lines: continuations joined, comment lines kept."""
    return block.replace("\\\n", " ").splitlines()


def parse_curl(command: str, shown_status: int) -> Example:
    method: str | None = None
    sends_data = False
    target = ""
    headers: list[tuple[str, str]] = []
    arguments = iter(shlex.split(command, comments=True)[1:])
    for argument in arguments:
        if argument == "-X":
            method = next(arguments)
        elif argument in ("-I", "--head"):
            method = "HEAD"
        elif argument == "-H":
            header, _, value = next(arguments).partition(":")
            headers.append((header.strip(), value.strip()))
        elif argument in ("-d", "--data"):
            sends_data = True
            next(arguments)
        elif argument == "-o":
            next(arguments)
        elif not argument.startswith("-"):
            target = argument
    method = method or ("POST" if sends_data else "GET")
    return Example(command, method, target, tuple(headers), shown_status)


def curl_examples(markdown: str) -> list[Example]:
    """Each `curl` of the ```sh blocks, with the `# HTTP/1.1 <status>` shown under it (or 200)."""
    examples = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.M | re.S):
        lines = shell_commands(block)
        for line, next_line in zip(lines, [*lines[1:], ""], strict=True):
            if line.startswith("curl "):
                shown = re.match(r"# HTTP/1\.1 (\d{3})", next_line)
                examples.append(parse_curl(line, int(shown.group(1)) if shown else 200))
    return examples


def tour() -> list[Example]:
    return curl_examples(section(read(README), "A short tour"))


def test_the_tour_is_short() -> None:
    assert 5 <= len(tour()) <= 10


def tour_and_reference_examples() -> list[Example]:
    examples = tour() + curl_examples(read(REFERENCE))
    # Only reads are requested: the tour's write (a PATCH with If-Match) needs a key that the
    # CLI makes at run time, and the write path has tests of its own (tests/test_writes.py).
    return [example for example in examples if example.method in ("GET", "HEAD")]


def expand(target: str) -> str:
    """The path and query of a URL as the shell would expand it, for the test client."""
    variables = {
        "B": BASE_URL,
        # The tour's BEFORE is a moment before its write; any moment after the seed will do.
        "BEFORE": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    expanded = re.sub(r"\$(\w+)", lambda match: variables[match.group(1)], target)
    assert expanded.startswith(f"{BASE_URL}/"), target
    return expanded.removeprefix(BASE_URL)


@pytest.mark.parametrize("example", tour_and_reference_examples(), ids=str)
def test_every_read_of_the_tour_and_the_reference_answers_as_shown(
    client: TestClient, example: Example
) -> None:
    response = client.request(example.method, expand(example.target), headers=example.headers)
    assert response.status_code == example.status, response.text
    if response.headers["content-type"] == "application/json" and "data" in response.json():
        assert response.json()["data"], "an example list should show something"


def test_the_readme_record_is_the_served_one(client: TestClient) -> None:
    example = section(read(README), "What a record looks like")
    path = re.search(r"`GET (/v1/\S+)`", example)
    document = re.search(r"^```json\n(.*?)^```", example, re.M | re.S)
    assert path, "the section names no `GET /v1/...`"
    assert document, "the section has no ```json block"
    shown = json.loads(document.group(1))
    served = client.get(path.group(1)).json()
    # Timestamps are those of the seed's run: the README elides them as "...".
    elided = {field: value for field, value in shown.items() if value == "..."}
    assert elided.keys() <= served.keys()
    assert shown == served | elided


def documented_problem_types() -> list[str]:
    """The slugs of the reference's table of errors."""
    return re.findall(r"^\| `([a-z-]+)` \| \d{3} \|", section(read(REFERENCE), "Errors"), re.M)


@pytest.mark.parametrize("slug", documented_problem_types())
def test_every_documented_problem_type_is_served(client: TestClient, slug: str) -> None:
    response = client.get(f"/problems/{slug}")
    assert response.status_code == 200, response.text
    assert response.text.startswith(f"{slug}\n")


# Configuration and operations


def configuration_table() -> dict[str, str]:
    """Variable name -> default cell of the Configuration table."""
    rows = re.findall(
        r"^\| `([A-Z_]+)` \| ([^|]*) \|", section(read(OPERATIONS), "Configuration"), re.M
    )
    return {variable: default.strip() for variable, default in rows}


def written(value: Any) -> str:
    """A default as the table writes it."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, list):
        return f"`{','.join(value)}`"
    return f"`{value}`"


@pytest.mark.parametrize("setting", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_table_with_its_default(setting: str) -> None:
    table = configuration_table()
    assert setting.upper() in table, f"{setting.upper()} is missing from docs/operations.md"
    if setting not in DESCRIBED_DEFAULTS:
        default = Settings.model_fields[setting].get_default(call_default_factory=True)
        assert table[setting.upper()].startswith(written(default))


def test_the_configuration_table_lists_only_real_settings() -> None:
    assert set(configuration_table()) == {setting.upper() for setting in Settings.model_fields}


def operation_ids() -> list[str]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return sorted(
        operation["operationId"] for item in paths.values() for operation in item.values()
    )


@pytest.mark.parametrize("operation_id", operation_ids())
def test_every_operation_is_named_in_the_reference(operation_id: str) -> None:
    assert re.search(rf"\b{operation_id}\b", read(REFERENCE)), (
        f"docs/reference.md never names {operation_id}"
    )
