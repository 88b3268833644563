"""Progress of long loads: a bar with rate and time left on a terminal, plain lines in a log."""

import io
import os
import pty
import re
import subprocess
import sys

import pytest

from app.config import PROJECT_ROOT
from seed.__main__ import main
from seed.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("done", "line"),
    [
        (0, "seed: synthetic: [..............................]   0% 0/1,000,000 claims, "
         "0 claims/s, …"),
        (250_000, "seed: synthetic: [########......................]  25% 250,000/1,000,000 "
         "claims, 25,000 claims/s, 0:30 left"),
        (1_000_000, "seed: synthetic: [##############################] 100% 1,000,000/1,000,000 "
         "claims, 25,000 claims/s, done"),
    ],
)  # fmt: skip
def test_the_bar_shows_count_rate_and_time_left(done: int, line: str) -> None:
    clock = Clock()
    progress = Progress(1_000_000, "claims", Terminal(), clock=clock)
    clock.now += done / 25_000
    progress.done = done
    assert progress.line() == line


def test_a_terminal_line_is_redrawn_in_place_and_ended_once() -> None:
    clock, stream = Clock(), Terminal()
    progress = Progress(100, "claims", stream, clock=clock)
    for _ in range(4):
        clock.now += 1
        progress.advance(25)
    progress.note("rebuilding the indexes")
    progress.finish()
    output = stream.getvalue()
    assert output.count("\r") == 4
    assert output.count("\x1b[K") == 4
    assert output.endswith("25 claims/s, done\x1b[K\nseed: synthetic: rebuilding the indexes\n")


def test_a_terminal_is_not_redrawn_more_than_ten_times_a_second() -> None:
    clock, stream = Clock(), Terminal()
    progress = Progress(1000, "claims", stream, clock=clock)
    for _ in range(999):
        clock.now += 0.001
        progress.advance(1)
    progress.advance(1)  # the last one is always drawn
    assert stream.getvalue().count("\r") == 11


def test_a_log_gets_a_plain_line_per_tenth() -> None:
    clock, stream = Clock(), io.StringIO()
    progress = Progress(1000, "claims", stream, clock=clock)
    for _ in range(100):
        clock.now += 0.5
        progress.advance(10)
    progress.note("rebuilding the indexes")
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[0] == "seed: synthetic: 10% 100/1,000 claims, 20 claims/s, 0:45 left"
    assert lines[9] == "seed: synthetic: 100% 1,000/1,000 claims, 20 claims/s, done"
    assert lines[10] == "seed: synthetic: rebuilding the indexes"
    assert "\r" not in stream.getvalue()


def test_the_command_logs_plain_lines_when_not_on_a_terminal(
    empty_database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("seed.synthetic.BATCH_CLAIMS", 100)
    assert main(["synthetic", "--claims", "300", "--database-url", empty_database]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err
    # A batch is whole sources of claims: about 100 each here.
    logged = re.findall(
        r"^seed: synthetic: \d+% (\d+)/300 claims, [\d,]+ claims/s", captured.err, re.M
    )
    assert len(logged) >= 3
    assert logged == sorted(logged, key=int)
    assert "seed: synthetic: 100% 300/300 claims" in captured.err
    assert captured.out.startswith("seed: synthetic: 6 speakers, 12 topics")


def test_the_command_draws_a_bar_on_a_terminal(empty_database: str) -> None:
    """A real pseudo-terminal on stderr, as a person running the command has."""
    main_end, child_end = pty.openpty()
    command = [sys.executable, "-m", "seed", "synthetic", "--claims", "200"]
    process = subprocess.Popen(
        [*command, "--database-url", empty_database],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=child_end,
        text=True,
    )
    os.close(child_end)
    drawn = b""
    while True:
        try:
            chunk = os.read(main_end, 4096)
        except OSError:  # the child closed its end (Linux says EIO)
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main_end)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 0, drawn
    text = drawn.decode()
    assert "\r" in text
    assert "[##############################] 100% 200/200 claims" in text
    assert "seed: synthetic: 200 claims" not in text  # the summary goes to stdout
    assert "200 claims" in stdout
