"""Segmentation: an article's text as paragraphs, quoted passages and sentences, each with its
offsets `[start, end)` into the text (code points), so that everything drafted is verbatim.

Sentences never break inside quotation marks: a quoted passage of several sentences and the
attribution after it ("..., Dunford said.") stay one sentence, as the seed's conventions want
one claim per quoted passage.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass, field

OPEN_QUOTE, CLOSE_QUOTE, STRAIGHT_QUOTE = "\u201c", "\u201d", '"'
# Whitespace the articles use, the no-break spaces included.
SPACE = " \t\u00a0\u2009\u202f"
# Words a period ends without ending the sentence: titles, initials, months, "No.", "U.S.".
ABBREVIATIONS = {
    *("mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "nos", "vs", "etc", "inc"),
    *("corp", "ltd", "co", "gov", "sen", "rep", "gen", "col", "lt", "sgt", "mt", "ft", "approx"),
    *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
    *("e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "fig", "est", "dept", "univ", "vol", "pp"),
}
# A sentence ends at . ! ? (and the closing marks after it), before a space and what can
# start a sentence.
SENTENCE_END = re.compile(r"[.!?]+[\u201d\u2019\"')\]]*(?=[ \t\u00a0\n]+[A-Z0-9\u201c\"\u2018(\[])")
WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class Quote:
    """A passage inside quotation marks: where the marks are (`open`, `close`; `close` is the
    paragraph's end when the passage runs on unclosed) and the words inside."""

    open: int
    close: int
    closed: bool

    @property
    def inner(self) -> Span:
        return Span(self.open + 1, self.close)


@dataclass
class Paragraph:
    start: int
    end: int
    lines: list[Span] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)


def trimmed(text: str, start: int, end: int) -> Span:
    """`[start, end)` without the whitespace at either end."""
    while start < end and (text[start] in SPACE or text[start] in "\r\n"):
        start += 1
    while end > start and (text[end - 1] in SPACE or text[end - 1] in "\r\n"):
        end -= 1
    return Span(start, end)


def paragraphs(text: str) -> list[Paragraph]:
    """Runs of non-blank lines, with their lines, quoted passages and sentences."""
    found: list[Paragraph] = []
    current: Paragraph | None = None
    position = 0
    for line in text.splitlines(keepends=True):
        span = trimmed(text, position, position + len(line))
        position += len(line)
        if span.start == span.end:
            current = None
            continue
        if current is None:
            current = Paragraph(span.start, span.end)
            found.append(current)
        current.end = span.end
        current.lines.append(span)
    for paragraph in found:
        paragraph.quotes = quotes(text, paragraph)
        paragraph.sentences = sentences(text, paragraph)
    return found


def quotes(text: str, paragraph: Paragraph) -> list[Quote]:
    """The quoted passages of a paragraph, curly (“…”) or straight ("…"). A passage still
    open at the paragraph's end runs to it (a quote continued in the next paragraph reopens
    there, as newspapers write it)."""
    found: list[Quote] = []
    opened: int | None = None
    for index in range(paragraph.start, paragraph.end):
        char = text[index]
        if opened is None and char in (OPEN_QUOTE, STRAIGHT_QUOTE):
            opened = index
        elif opened is not None and (
            char == CLOSE_QUOTE or (char == STRAIGHT_QUOTE and text[opened] == STRAIGHT_QUOTE)
        ):
            found.append(Quote(opened, index, closed=True))
            opened = None
    if opened is not None:
        found.append(Quote(opened, paragraph.end, closed=False))
    return found


def _inside_quote(position: int, found: list[Quote], opens: list[int]) -> bool:
    """Whether a break at `position` would cut a quoted passage (a break right after its
    closing mark does not)."""
    # The passages are in order and do not overlap: only the last one opened before
    # `position` can hold it (a bisection keeps long paragraphs linear).
    index = bisect_left(opens, position) - 1
    return index >= 0 and found[index].open < position <= found[index].close


def _abbreviation_before(text: str, start: int, end: int) -> bool:
    """Whether the period at `end` closes an abbreviation or an initial ("Dr.", "J.")."""
    # The word right before the period; a bounded window keeps long sentences linear.
    match = WORD_BEFORE.search(text, max(start, end - 40), end)
    if match is None:
        return False
    word = match.group(1).lower()
    return word in ABBREVIATIONS or (len(word) == 1 and match.group(1).isupper())


def sentences(text: str, paragraph: Paragraph) -> list[Span]:
    """The paragraph's sentences, trimmed; no break inside a quoted passage."""
    found: list[Span] = []
    start = paragraph.start
    opens = [quote.open for quote in paragraph.quotes]
    for line in paragraph.lines:
        for match in SENTENCE_END.finditer(text, line.start, line.end):
            end = match.end()
            if _inside_quote(end, paragraph.quotes, opens):
                continue
            if text[match.start()] == "." and _abbreviation_before(text, start, match.start()):
                continue
            found.append(trimmed(text, start, end))
            start = end
        # A line of its own ends a sentence unless a quoted passage runs on past it.
        if not _inside_quote(line.end, paragraph.quotes, opens) or line.end == paragraph.end:
            span = trimmed(text, start, line.end)
            if span.end > span.start:
                found.append(span)
            start = line.end
    return [span for span in found if span.end > span.start]


def word_set(*lines: str) -> set[str]:
    """The words of `lines`, written as plain text so that long word lists stay readable."""
    return {word for line in lines for word in line.split()}


def words(text: str) -> list[str]:
    return re.findall(r"[\w\u2019'-]+", text)
