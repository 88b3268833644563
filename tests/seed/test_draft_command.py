"""`python -m seed draft`: the draft of every annotated article is a seed source file that
`python -m seed check` accepts once its speakers are in speakers.toml; bad input is a clear
error and exit code 2."""

import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from seed.__main__ import main
from seed.bundle import DATA_DIR, read_bundle
from seed.evaluate import articles

ARTICLES = {name: text for name, text, _expected in articles()}


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_seed(capsys: pytest.CaptureFixture[str]) -> "RunSeed":
    """`python -m seed ARGS`, in this process (the command's own `main`)."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


RunSeed = Callable[..., Run]
VOCABULARIES = ("entities.toml", "indicators.toml", "units.toml")


def pasted_blocks(draft: str) -> dict[str, str]:
    """The entries the draft lists for speakers.toml and the vocabularies, by file,
    uncommented as an editor pastes them."""
    blocks: dict[str, list[str]] = {"speakers.toml": []}
    current = blocks["speakers.toml"]
    for line in draft.splitlines():
        if line.startswith("# Add these entries to "):
            current = blocks.setdefault(line.split()[5], [])
        elif line.startswith("#   "):
            current.append(line[4:])
    return {name: "\n".join(lines) + "\n" for name, lines in blocks.items()}


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_seed_check_accepts_the_draft_once_its_speakers_and_vocabularies_exist(
    run_seed: RunSeed, name: str, tmp_path: Path
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(DATA_DIR / "topics.toml", tmp_path / "topics.toml")
    text = sources / f"{name}.txt"
    shutil.copy(ARTICLES[name], text)
    out = sources / f"{name}.toml"
    drafted = run_seed("draft", str(text), "--out", str(out))
    assert drafted.returncode == 0, drafted.stderr
    assert f"seed: draft: {out}:" in drafted.stderr
    draft = out.read_text(encoding="utf-8")
    for vocabulary in VOCABULARIES:
        shutil.copy(DATA_DIR / vocabulary, tmp_path / vocabulary)
    for file_name, block in pasted_blocks(draft).items():
        with (tmp_path / file_name).open("a", encoding="utf-8") as pasted:
            pasted.write(block)
    checked = run_seed("check", "--data-dir", str(tmp_path))
    assert checked.returncode == 0, checked.stderr
    bundle = read_bundle(tmp_path)
    parsed = tomllib.loads(draft)
    assert len(bundle.claims) == len(parsed["claims"]) > 0
    assert parsed["source"]["id"] == name
    for claim in bundle.claims:
        assert bundle.sources[0]["text"][claim["span_start"] : claim["span_end"]] == claim["text"]


def test_the_draft_goes_to_stdout_with_its_text_file_beside_it(run_seed: RunSeed) -> None:
    article = ARTICLES["csst-2024-05-20-new-quality-productive-forces"]
    drafted = run_seed("draft", str(article), "--source-id", "csst-draft", "--no-author-statements")
    assert drafted.returncode == 0, drafted.stderr
    parsed = tomllib.loads(drafted.stdout)
    assert parsed["source"]["text_file"] == article.name
    assert parsed["source"]["id"] == "csst-draft"
    assert "author_statement" not in {claim["kind"] for claim in parsed["claims"]}
    assert "# CHECK: " in drafted.stdout


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"caf\xe9\n", (), "is not UTF-8"),
        (b"  \n\n", (), "is empty"),
        (b"Title\n\nSome text.\n", ("--source-id", "Not A Slug"), "is not a slug"),
        (None, (), "cannot be read"),
    ],
    ids=["not UTF-8", "empty", "bad source id", "missing"],
)
def test_bad_input_is_a_clear_error(
    run_seed: RunSeed, tmp_path: Path, content: bytes | None, args: tuple[str, ...], message: str
) -> None:
    article = tmp_path / "article.txt"
    if content is not None:
        article.write_bytes(content)
    result = run_seed("draft", str(article), *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("seed: error: ")
    assert message in result.stderr
