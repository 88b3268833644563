"""Source metadata from an article's header and footer: the title (its first line), the byline
("BY BAI LE | 05-20-2024"), the date, the publisher line, a photo caption (the standfirst)
and the editor line ("Edited by CHEN MIRONG"); and where the body starts and ends.

What the header does not state is left as None for the editor, never guessed."""

import re
from dataclasses import dataclass, field
from datetime import date

from app.draft.text import Paragraph, Span

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        1,
    )
    for name in names.split()
}
MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|"
MONTH += r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
DATE_PATTERNS = (
    # 2024-05-20
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    # 05-20-2024, 05/20/2024, 20.05.2024 (month first unless the first number cannot be one)
    re.compile(r"\b(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})\b"),
    # May 20, 2024
    re.compile(rf"\b(?P<month>{MONTH})\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})\b"),
    # 20 May 2024
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<month>{MONTH}),?\s+(?P<y>\d{{4}})\b"),
)
BYLINE = re.compile(r"^(?:by|BY|By)\s+(?P<names>[^|\u2022\u00b7,\d]+?)\s*(?:$|[|\u2022\u00b7,]|\d)")
EDITED = re.compile(
    r"(?:^|;\s*)(?:[Ee]dited|EDITED|[Ee]diting|EDITING)\s+by\s+(?P<names>[^;]+?)\s*$"
)
CAPTION = re.compile(r"(?:Photo|Photograph|Image|Picture|Credit)s?\s*:", re.IGNORECASE)
# A wire dateline opening the first paragraph: "GENEVA, March 4 (Claimwire) — ".
DATELINE = re.compile(
    r"(?P<place>[A-Z][A-Z .'-]{1,40}(?:, [A-Z][A-Za-z .]{1,30})?)"
    rf"(?:,\s*(?P<when>{MONTH}\s+\d{{1,2}}))?\s*(?:\((?P<wire>[^)]{{1,60}})\))?\s*[\u2014\u2013-]+\s*"
)


@dataclass
class Header:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_on: date | None = None
    publisher: str | None = None
    standfirst: str | None = None
    editors: list[str] = field(default_factory=list)
    # The spans of the paragraphs that make the body, and where a dateline ends, if any.
    body: list[Paragraph] = field(default_factory=list)
    body_starts_at: int = 0
    # Why a field is what it is, by field: for the editor.
    notes: dict[str, str] = field(default_factory=dict)


def name_case(name: str) -> str:
    """An all-capital byline name in name case ("BAI LE" -> "Bai Le"); others as written."""
    name = " ".join(name.split())
    if name.isupper():
        return " ".join(part.capitalize() for part in re.split(r"\s+", name))
    return name


def _names(listed: str) -> list[str]:
    parts = re.split(r"\s*(?:,|\band\b|&)\s*", listed.strip())
    return [name_case(part) for part in parts if part.strip()]


def read_date(line: str) -> tuple[date, str] | None:
    """The first date written in `line`, and how it was read."""
    for pattern in DATE_PATTERNS:
        match = pattern.search(line)
        if match is None:
            continue
        parts = match.groupdict()
        try:
            if "a" in parts:
                first, second = int(parts["a"]), int(parts["b"])
                month, day = (second, first) if first > 12 else (first, second)
                how = "MM-DD-YYYY" if first <= 12 else "DD-MM-YYYY"
                if first <= 12 and second <= 12 and first != second:
                    how += " (day and month could be swapped: check)"
            elif "month" in parts:
                month = MONTHS[parts["month"].rstrip(".").lower()]
                day, how = int(parts["d"]), "a written date"
            else:
                month, day, how = int(parts["m"]), int(parts["d"]), "YYYY-MM-DD"
            return date(int(parts["y"]), month, day), f"{match.group()!r} read as {how}"
        except ValueError:
            continue
    return None


def _is_body(text: str, paragraph: Paragraph) -> bool:
    """A paragraph of prose: sentences ending like sentences, or quoted words; not a caption,
    a byline or a date line."""
    content = text[paragraph.start : paragraph.end]
    if CAPTION.search(content) or BYLINE.match(content) or read_date(content):
        return False
    sentence_like = content.rstrip()[-1:] in ".!?\u201d\"'):" and len(content.split()) >= 4
    return sentence_like or len(content.split()) >= 25 or "\u201c" in content


def read_header(text: str, paragraphs: list[Paragraph]) -> Header:
    """The metadata of the lines before the first paragraph of prose (and of the last lines
    after it), and the body between."""
    header = Header()
    first_body = next(
        (index for index, p in enumerate(paragraphs) if index > 0 and _is_body(text, p)),
        len(paragraphs),
    )
    head_lines: list[Span] = [line for p in paragraphs[:first_body] for line in p.lines]
    for index, line in enumerate(head_lines):
        content = text[line.start : line.end]
        byline = BYLINE.match(content)
        dated = read_date(content)
        if index == 0 and byline is None:
            header.title = content
            continue
        if dated and header.published_on is None:
            header.published_on, header.notes["published_on"] = dated
        if byline:
            header.authors = _names(byline.group("names"))
            header.notes["authors"] = f"from the byline {content!r}"
        elif CAPTION.search(content):
            header.standfirst = content
            header.notes["standfirst"] = "the photo caption under the headline"
        elif dated is None and header.publisher is None and len(content.split()) <= 8:
            header.publisher = content
            header.notes["publisher"] = f"the line {content!r} under the byline"
        elif header.standfirst is None and dated is None:
            header.standfirst = content
            header.notes["standfirst"] = "the line under the headline"
    body = paragraphs[first_body:]
    while body:
        last = text[body[-1].start : body[-1].end]
        edited = EDITED.search(last)
        if edited:
            header.editors = _names(edited.group("names"))
            header.notes["editors"] = f"from the footer {last!r}"
        elif not CAPTION.match(last):
            break
        body = body[:-1]
    header.body = body
    if body:
        _read_dateline(text, body[0], header)
    return header


def _read_dateline(text: str, first: Paragraph, header: Header) -> None:
    match = DATELINE.match(text, first.start, first.end)
    if match is None or not (match.group("when") or match.group("wire")):
        header.body_starts_at = first.start
        return
    header.body_starts_at = match.end()
    wire = match.group("wire")
    if wire and header.publisher is None:
        header.publisher = wire.strip()
        header.notes["publisher"] = f"the wire named in the dateline {match.group().strip()!r}"
