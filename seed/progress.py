"""Progress of a long load: on a terminal, one line redrawn in place (a bar, the count, the
rate and the time left); elsewhere (a log, a pipe, CI), a plain line at every tenth, so that a
log stays short and readable."""

import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30
# A terminal is redrawn at most this often (seconds); a log gets a line per step of the total.
REDRAW_EVERY = 0.1
LOG_STEPS = 10


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    """`advance(n)` as work is done; `note(text)` between phases; `finish()` at the end."""

    def __init__(
        self,
        total: int,
        unit: str,
        stream: TextIO,
        label: str = "seed: synthetic",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.unit, self.stream, self.label = max(total, 1), unit, stream, label
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.terminal = stream.isatty()
        self.drawn_at = float("-inf")
        self.open_line = False
        self.logged_steps = 0

    def line(self) -> str:
        """`[#########.....] 45% 450,000/1,000,000 claims, 21,300 claims/s, 0:26 left`."""
        fraction = min(self.done / self.total, 1.0)
        elapsed = self.clock() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else None
        eta = "done" if self.done >= self.total else (f"{_duration(left)} left" if left else "…")
        counts = f"{self.done:,}/{self.total:,} {self.unit}, {rate:,.0f} {self.unit}/s, {eta}"
        if not self.terminal:
            return f"{self.label}: {fraction:.0%} {counts}"
        filled = round(fraction * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        return f"{self.label}: [{bar}] {fraction:4.0%} {counts}"

    def advance(self, count: int) -> None:
        self.done += count
        if self.terminal:
            if self.clock() - self.drawn_at >= REDRAW_EVERY or self.done >= self.total:
                self.drawn_at = self.clock()
                # \r back to the line's start, \x1b[K clears what a longer line left behind.
                self.stream.write(f"\r{self.line()}\x1b[K")
                self.stream.flush()
                self.open_line = True
            return
        steps = min(self.done * LOG_STEPS // self.total, LOG_STEPS)
        if steps > self.logged_steps:
            self.logged_steps = steps
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def note(self, text: str) -> None:
        """A phase without a count ("rebuilding the indexes"), on a line of its own."""
        self.finish()
        self.stream.write(f"{self.label}: {text}\n")
        self.stream.flush()

    def finish(self) -> None:
        """Ends the bar's line, so that what is printed next starts on a line of its own."""
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False
