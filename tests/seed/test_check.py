"""`python -m seed check`: every problem of every file at once, each naming its file, record
and field, and nothing written anywhere."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from seed.bundle import DATA_DIR
from tests.seed.test_seed import NQPF_07, SOURCE_TOML, copy_data, edit
from tests.support.helpers import SOURCE_ID

SOURCE = f"sources/{SOURCE_ID}.toml"


def run_check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command, with a DATABASE_URL it must never create."""
    database = tmp_path / "never-created.db"
    result = subprocess.run(
        [sys.executable, "-m", "seed", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert not database.exists()
    return result


def test_the_seed_files_pass(tmp_path: Path) -> None:
    result = run_check(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "seed: check: ok: 1 source, 34 claims, 7 statistics, 1 speaker, 12 topics, 37 units, "
        "2 entities, 6 indicators, 1 review\n"
    )
    assert result.stderr == ""


Breakage = Callable[[Path], None]
# Each breakage, and the line that must name it: file: record: field: problem.
BREAKAGES: list[tuple[Breakage, str]] = [
    (
        lambda d: edit(d / "speakers.toml", 'title = "Emeritus Professor"', "title = 7"),
        "speakers.toml: speaker 'michael-dunford': title: Input should be a valid string (got 7)",
    ),
    (
        lambda d: edit(d / "topics.toml", 'name = "Trade"', 'name = "Trade"\ncolour = "red"'),
        "topics.toml: topic 'trade': colour: unknown field",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, "published_on = 2024-05-20", 'published_on = "May 2024"'),
        f"{SOURCE}: source '{SOURCE_ID}': published_on: Input should be a valid date or "
        "datetime, input is too short (got 'May 2024')",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, NQPF_07, NQPF_07.replace("losing", "gaining")),
        f"{SOURCE}: claim 'nqpf-07': text: is not verbatim in the source text",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, '"trade", "global-south"]', '"trade", "south"]'),
        f"{SOURCE}: claim 'nqpf-13': topics: unknown topic 'south'",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, 'kind = "author_statement"\ntopics = ["history"]',
                       'kind = "paraphrase"\ntopics = ["history"]'),
        f"{SOURCE}: claim 'nqpf-25': a paraphrase needs a speaker",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, 'display = "5.2%"', 'display = "5.3%"'),
        f"{SOURCE}: statistic 'chn-gdp-growth-2023': display: is not verbatim in the text of "
        "claim 'nqpf-11'",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, "value = 7600000", "value = 7650000"),
        f"{SOURCE}: statistic 'chn-monthly-wafer-capacity': value: is 7650000 but `display` "
        "('7.6 million pieces') states 7600000",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, 'unit = "nanometres"\ndisplay = "7nm"',
                       'unit = "percent"\ndisplay = "7nm"'),
        f"{SOURCE}: statistic 'asml-restricted-process-node-7nm': unit: is 'percent' but "
        "`display` ('7nm') states 'nanometres'",
    ),
    (
        lambda d: edit(d / SOURCE_TOML, 'modality = "possible"\n', 'modality = "likely"\n'),
        f"{SOURCE}: statistic 'asml-restricted-process-node-5nm': modality: Input should be "
        "'asserted', 'approximate', 'projected' or 'possible' (got 'likely')",
    ),
]  # fmt: skip


def test_every_problem_is_reported_at_once_and_nothing_is_written(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    for breakage, _line in BREAKAGES:
        breakage(data_dir)
    result = run_check(tmp_path, "check", "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    for _breakage, line in BREAKAGES:
        assert [found for found in lines if found.endswith(line)], (line, result.stderr)
    # A figure that disagrees with its display names both fields (value and display, unit
    # and display): one line each; then the count.
    assert len(lines) == len(BREAKAGES) + 3, result.stderr
    assert lines[-1] == f"seed: {len(BREAKAGES) + 2} problems; nothing written"
    assert all(line.startswith("seed: error: ") for line in lines[:-1])
    assert "Traceback" not in result.stderr


def test_the_data_dir_may_come_before_or_after_the_command(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    edit(data_dir / SOURCE_TOML, "value = 7600000", "value = 7650000")
    for args in (("check", "--data-dir", str(data_dir)), ("--data-dir", str(data_dir), "check")):
        result = run_check(tmp_path, *args)
        assert result.returncode == 1, args
        assert "value: is 7650000" in result.stderr


def test_a_syntax_error_names_the_record_and_field_it_is_in(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    edit(data_dir / SOURCE_TOML, "value = 5.2\nunit", "value = 5.2.1\nunit")
    result = run_check(tmp_path, "check", "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert f"{SOURCE}: statistic 'chn-gdp-growth-2023': value: is not valid TOML: " in result.stderr


@pytest.mark.parametrize("name", ["speakers.toml", "topics.toml"])
def test_an_unreadable_vocabulary_is_one_problem_not_one_per_claim(
    tmp_path: Path, name: str
) -> None:
    data_dir = copy_data(tmp_path)
    (data_dir / name).write_text("[[oops\n", encoding="utf-8")
    result = run_check(tmp_path, "check", "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert result.stderr.count("seed: error: ") == 1, result.stderr
    assert f"{name}: file: is not valid TOML" in result.stderr


def test_check_is_the_validation_of_a_load(tmp_path: Path) -> None:
    """The same reading: what `check` passes, the load accepts (the real files are the case)."""
    assert DATA_DIR.is_dir()
    assert run_check(tmp_path, "check").returncode == 0
