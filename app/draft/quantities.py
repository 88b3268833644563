"""Figures in a claim's text: where each quantity is written, its display, and what the words
around it say (modality, period, unit in context, indicator, entity).

Every display is read by the one figure reader, `app.write.figures.parse_figure`: value and
unit come from it, so that a drafted statistic always agrees with its display. This module
only finds displays and reads their context. Not figures: years and dates used as time
references ("in 2023", "January 2024", "2021-2025", "the late 1970s"), ordinals naming eras
("fourth industrial revolution", "14th Five-Year Plan") and numerals inside names
("COVID-19", "5G", "G20", "Boeing 737")."""

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date

from app.draft.header import MONTH, MONTHS
from app.draft.places import countries_in
from app.draft.text import word_set
from app.store.models import Modality
from app.write.figures import Figure, FigureError, parse_figure

MODALITY_ORDER = list(Modality)
NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
)
SCALE_WORDS = "hundred|thousand|million|billion|trillion|dozen"
FRACTION_WORDS = r"half|third|thirds|quarter|quarters|fifth|fifths|tenth|tenths"
SUPERLATIVES = r"largest|biggest|greatest|highest|lowest|smallest|fastest|richest|poorest"
ORDINAL = r"(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
# Where a figure may start: a currency or a number, digits or words, a share in words, a rank.
START = re.compile(
    r"(?<![\w.,-])(?:(?:US|USD|RMB|CNY|EUR|GBP)\s?)?[$€£₹¥]?-?\d[\d,]*(?:\.\d+)?(?![\d])"
    rf"|\b(?i:{NUMBER_WORDS})(?:-(?:one|two|three|four|five|six|seven|eight|nine))?\b"
    rf"|\b(?:a|an|one)\s+(?:{SCALE_WORDS}|in\s+(?:{NUMBER_WORDS}))\b"
    rf"|\b(?:a|one|two|three)[- ](?:{FRACTION_WORDS})\b"
    r"(?!\s+(?:of\s+)?(?:the\s+)?(?:year|century|decade))"
    rf"|\bhalf\b(?=\s+(?:of|a|an)\b)|(?<=\bby\s)half\b"
)
RANK = re.compile(
    rf"(?P<world>world[\u2019']s\s+)?(?P<ordinal>{ORDINAL}[- ])?(?P<superlative>{SUPERLATIVES})"
    r"(?P<noun>(?:\s+[a-z][a-z-]*){1,3}?)(?=\s+(?:in|of|and|with|by|for|to|after|since)\b|[,.;:)]|$)"
    r"(?P<worldwide>\s+(?:in\s+the\s+world|worldwide|globally))?"
)
# "two in three", "9 out of 10": a share.
RATIO = re.compile(
    rf"(?i:{NUMBER_WORDS}|one|\d+)\s+(?:in|out\s+of)\s+(?i:{NUMBER_WORDS}|\d+)\b(?!\s*[%\d])"
)
HEDGES_BEFORE = re.compile(
    r"(?:about|around|some|nearly|almost|roughly|approximately|over|under|more\s+than|less\s+than|"
    r"fewer\s+than|up\s+to|at\s+least|at\s+most|as\s+many\s+as|as\s+much\s+as|an\s+estimated|"
    r"close\s+to|just\s+over|just\s+under)\s+$",
    re.IGNORECASE,
)
CONTEXT_MODALITY = (
    (re.compile(r"\b(?:maybe|perhaps|possibly|potentially|could|might|may)\b"), Modality.possible),
    (
        re.compile(
            r"\b(?:will|would|expect|expected|expects|forecast|forecasts|projected|projects|predicted|"
            r"predicts|target|targets|targeted|aims?\s+to|plans?\s+to|set\s+to|goal\s+of|"
            r"is\s+to\s+reach|are\s+to\s+reach|by\s+(?:19|20)\d\d|"
            rf"by\s+(?:the\s+end\s+of\s+)?(?:{MONTH.lower()}|the\s+end\s+of\s+the\s+decade))\b"
        ),
        Modality.projected,
    ),
    (
        re.compile(
            r"\b(?:estimated|estimates?|roughly|approximately|about|around|nearly|almost)\b"
        ),
        Modality.approximate,
    ),
)
TARGET_AFTER = re.compile(
    rf"\bby\s+(?:(?:19|20)\d\d|(?:the\s+end\s+of\s+)?(?:{MONTH}|the\s+decade|the\s+year))\b"
)
CLAUSE_BREAK = re.compile(r"[,;:()\u2014\u2013]|\s(?:but|while|whereas|although|which)\s")
# Present tense: a figure current at publication. ("exports", "makes" would be nouns as often.)
CURRENT = re.compile(
    r"\b(?:is|are|has|have|stands|stand|accounts|account|now|currently|remains|holds|"
    r"reaches|totals)\b"
)
YEAR = r"(?:1[89]\d\d|20\d\d)"
RANGE = re.compile(rf"(?P<a>{YEAR})\s*[\u2013\u2014-]\s*(?P<b>{YEAR})")
MONTH_YEAR = re.compile(rf"\b(?P<month>{MONTH})\s+(?P<y>{YEAR})\b")
QUARTER = re.compile(
    rf"\b(?P<q>first|second|third|fourth)\s+quarter\s+(?:of\s+)?(?P<y>{YEAR})\b|\bQ(?P<n>[1-4])\s+(?P<y2>{YEAR})\b"
)
BARE_YEAR = re.compile(rf"(?<![\d,.$-])(?P<y>{YEAR})(?![\d%])(?!s\b)")
TARGET_YEAR = re.compile(rf"\bby\s+(?P<y>{YEAR})\b")
RELATIVE_YEAR = re.compile(r"\b(?P<which>last|this|next)\s+year\b")
SENTENCE_WINDOW = 1_000
SENTENCE_CLOSE = re.compile(r"[.!?](?:\s|$)")
TIME_UNITS = {"years", "months", "weeks", "days", "hours"}
QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
CLASSIFIERS = {"pieces", "units", "items", "pcs", "sets", "pieces,"}
CURRENCIES = {"usd", "eur", "gbp", "cny", "jpy", "inr", "ngn"}
# "a tonne", "per barrel", "a year" after a price or an amount.
RATE_AFTER = re.compile(
    r"\s+(?:a|an|per|each)\s+(?P<per>year|month|week|day|hour|tonne|ton|barrel|kilogram|kg|"
    r"litre|liter|gallon|ounce|share|person|head|unit|megawatt-hour|MWh|kWh)\b"
)
RATE_WORDS = {"ton": "tonne", "kg": "kilogram", "liter": "litre", "mwh": "mwh", "kwh": "kwh"}
MEASURED = re.compile(
    r"(?P<thing>[a-z-]+)\s+(?:production|output|capacity|shipments|sales|exports|imports|"
    r"deliveries|supply|demand|consumption)"
)
RATES = (
    (re.compile(r"\b(?:monthly|per\s+month|a\s+month|each\s+month|every\s+month)\b"), "month"),
    (
        re.compile(r"\b(?:annual|annually|yearly|per\s+year|a\s+year|each\s+year|every\s+year)\b"),
        "year",
    ),
    (re.compile(r"\b(?:daily|per\s+day|a\s+day|each\s+day|every\s+day)\b"), "day"),
    (re.compile(r"\b(?:weekly|per\s+week|a\s+week|each\s+week)\b"), "week"),
)
VERBS = (
    r"has|have|had|is|are|was|were|reached|reaches|rose|rises|grew|grows|fell|falls|stood|"
    r"stands|totaled|totalled|totals|hit|hits|climbed|increased|decreased|dropped|accounts|"
    r"accounted|amounted|amounts|will|would|could|may|might|expanded|declined|jumped|surged"
)
SUBJECT = re.compile(
    rf"(?:^|[,;]\s*|\b(?:and|that|while)\s+)(?P<subject>(?:[\w\u2019'-]+\s+){{1,6}}?)"
    rf"(?:(?:already|also|now|just|further)\s+)*(?:{VERBS})\b[^,;]*$"
)
DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those"}
DETERMINERS |= {"it", "they", "which", "whose", "our", "china\u2019s", "in", "of", "and"}
# Words after a number that are not what it counts ("2023 was", "9 of").
FUNCTION_WORDS = word_set(
    "was were is are be been has have had will would could should may might can did does do",
    "the a an and or but of in on at by for with as that which who than it its this these",
    "those their his her our from into over under per after before since until while",
)
RATE_ADJECTIVES = {"monthly", "annual", "yearly", "daily", "weekly", "total", "overall"}
NAMED_NUMBER = re.compile(r"[A-Za-z][\w]*-$|[A-Z][\w]*\s$")


@dataclass
class Period:
    label: str
    start: date
    end: date


@dataclass
class Found:
    """One figure of a claim: `start`/`end` are offsets into the claim's text."""

    start: int
    end: int
    display: str
    figure: Figure
    value: float
    unit: str
    modality: Modality
    period: Period | None
    indicator: str
    entity: str
    notes: list[str] = field(default_factory=list)


def _snake(words: str) -> str:
    plain = re.sub(r"[\u2019']s\b", "", words.lower())
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def _is_year(text: str, start: int, end: int, figure: Figure) -> bool:
    """A bare 4-digit number between 1800 and 2099 is a year unless it counts something."""
    written = text[start:end]
    return bool(
        re.fullmatch(YEAR, written.strip())
        and figure.unit is None
        and (figure.unit_word is None or figure.unit_word.lower() in MONTHS)
    )


def _is_date(text: str, start: int, end: int) -> bool:
    """A day of a month: "May 20", "20 May"."""
    before, after = text[max(0, start - 12) : start], text[end : end + 12]
    return bool(re.search(rf"{MONTH}\s+$", before) or re.match(rf"\s+{MONTH}", after))


def _sentence_start(text: str, position: int) -> bool:
    return bool(re.search(r"(?:^|[.!?:\u201c\"]\s*|\n)\s*$", text[max(0, position - 4) : position]))


def _time_span(text: str, start: int, figure: Figure) -> bool:
    """ "the first five months", "the past 10 years": a stretch of time that dates something,
    not a quantity."""
    before = text[max(0, start - 12) : start].lower()
    return figure.unit in TIME_UNITS and bool(
        re.search(r"\b(?:first|last|past|next|previous|coming|recent|final)\s+$", before)
    )


def _in_name(text: str, start: int) -> bool:
    """ "COVID-19", "Boeing 737", "Article 5": a number glued to or following a capitalized
    word in mid-sentence names something."""
    before = text[max(0, start - 20) : start]
    if re.search(r"[A-Za-z]-$|[A-Za-z]$|\d/$", before):
        return True
    word = re.search(r"(?P<word>[A-Z][\w]*)\s$", before)
    if word is None:
        return False
    sentence_start = re.search(r"(?:^|[.!?\u201c\"]\s+|\n\s*)[A-Z][\w]*\s$", before)
    currencies = {"US", "USD", "RMB", "CNY", "EUR", "GBP", "No"}
    return (
        sentence_start is None
        and word.group("word") not in currencies
        and not re.fullmatch(MONTH, word.group("word"))
    )


def _read(text: str, start: int, high: int) -> tuple[int, Figure] | None:
    """The longest display from `start` that the figure reader reads as one figure all of
    whose words count: "7.6 million pieces", "$5 billion", "5.2%" (not "5.2% GDP")."""
    rest = text[start:high]
    ratio = RATIO.match(rest)
    if ratio and _reading(ratio.group()) is not None:
        return start + ratio.end(), parse_figure(ratio.group())
    stop = re.search(
        r",(?=\s|$)|[;:()\u201c\u201d\"]|\.(?:\s|$)|\s(?:and|or|in|by|to|from)\s", rest
    )
    window = rest[: stop.start()] if stop else rest
    ends = [piece.end() for piece in re.finditer(r"\S+", window)][:5]
    for count in range(len(ends), 0, -1):
        last_word = window[: ends[count - 1]].split()[-1].lower()
        if count > 1 and last_word in FUNCTION_WORDS:
            continue
        try:
            figure = parse_figure(window[: ends[count - 1]])
        except FigureError:
            continue
        if count == 1 or _reading(window[: ends[count - 2]]) != _reading_of(figure):
            return start + ends[count - 1], figure
    return None


def _reading_of(figure: Figure) -> tuple[float, str | None, str | None]:
    return figure.value, figure.unit, figure.unit_word


def _reading(display: str) -> tuple[float, str | None, str | None] | None:
    """What the figure reader makes of `display` (None: no one figure)."""
    try:
        return _reading_of(parse_figure(display))
    except FigureError:
        return None


def _hedged_start(text: str, start: int) -> int:
    match = HEDGES_BEFORE.search(text[max(0, start - 20) : start])
    return start - (len(match.group()) if match else 0)


def _clause_before(text: str, start: int, floor: int) -> str:
    """The words between the last clause break (or the previous figure) and `start`."""
    before = text[floor:start]
    breaks = list(CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def _sentence_of(text: str, start: int) -> tuple[int, int]:
    """The sentence around `start`, looked for within a window (sentences are shorter; the
    window keeps long texts linear)."""
    floor = max(0, start - SENTENCE_WINDOW)
    ends = [
        found + len(mark)
        for mark in (". ", "? ", "! ", "\n")
        if (found := text.rfind(mark, floor, start)) >= 0
    ]
    begin = max(ends, default=floor)
    end_match = SENTENCE_CLOSE.search(text, start, start + SENTENCE_WINDOW)
    return min(begin, start), end_match.end() if end_match else min(
        len(text), start + SENTENCE_WINDOW
    )


def _target_after(text: str, end: int, high: int) -> str:
    """A target stated after the figure ("1 million tonnes by September", "30% by 2030")."""
    after = text[end : min(high, end + 60)]
    cut = CLAUSE_BREAK.search(after)
    after = after[: cut.start()] if cut else after
    target = TARGET_AFTER.search(after)
    return f" {target.group()}" if target else ""


def _modality(context: str, figure: Figure) -> tuple[Modality, str | None]:
    found, why = figure.modality_hint, None
    for pattern, modality in CONTEXT_MODALITY:
        match = pattern.search(context.lower())
        if match and MODALITY_ORDER.index(modality) > MODALITY_ORDER.index(found):
            found, why = modality, match.group()
    return found, why


def _period(
    text: str, start: int, end: int, published_on: date | None, modality: Modality
) -> tuple[Period | None, str]:
    """The period the sentence states for the figure, or the day of publication for a figure
    stated as current; and why."""
    begin, finish = _sentence_of(text, start)
    after, before = text[end:finish], text[begin:start]
    for scope in (after, before):
        target = TARGET_YEAR.search(scope)
        if target:
            year = int(target.group("y"))
            return Period(
                str(year), date(year, 1, 1), date(year, 12, 31)
            ), f"target {target.group()!r}"
        span = RANGE.search(scope)
        if span:
            a, b = int(span.group("a")), int(span.group("b"))
            label = f"{a}\u2013{b}"
            return Period(label, date(a, 1, 1), date(b, 12, 31)), f"the years {span.group()!r}"
        quarter = QUARTER.search(scope)
        if quarter:
            year = int(quarter.group("y") or quarter.group("y2"))
            number = QUARTERS[quarter.group("q")] if quarter.group("q") else int(quarter.group("n"))
            first = 3 * number - 2
            last = date(year, first + 2, monthrange(year, first + 2)[1])
            return Period(f"{year}-Q{number}", date(year, first, 1), last), f"{quarter.group()!r}"
        month = MONTH_YEAR.search(scope)
        if month:
            year, number = int(month.group("y")), MONTHS[month.group("month").rstrip(".").lower()]
            last = date(year, number, monthrange(year, number)[1])
            label = f"{year}-{number:02d}"
            return Period(label, date(year, number, 1), last), f"the month {month.group()!r}"
        years = list(BARE_YEAR.finditer(scope))
        if years:
            chosen = years[0] if scope is after else years[-1]
            year = int(chosen.group("y"))
            return Period(str(year), date(year, 1, 1), date(year, 12, 31)), f"the year {year}"
        relative = RELATIVE_YEAR.search(scope)
        if relative and published_on is not None:
            shift = {"last": -1, "this": 0, "next": 1}[relative.group("which")]
            year = published_on.year + shift
            return Period(str(year), date(year, 1, 1), date(year, 12, 31)), f"{relative.group()!r}"
    if published_on is None:
        return None, "no period stated and no date of publication: fill in"
    label = f"as of {published_on.isoformat()}"
    why = "stated as current" if CURRENT.search(before.lower()) else "no period stated"
    if modality is not Modality.asserted and why != "stated as current":
        why = "no period stated for a hedged figure"
    return Period(label, published_on, published_on), why


def _unit(text: str, end: int, figure: Figure, clause: str) -> tuple[str, str | None]:
    """The unit slug: the reader's, or the thing counted ("pieces" of wafer capacity are
    wafers), per month or year when the clause says "monthly" or "annual"."""
    rate = RATE_AFTER.match(text, end)
    if figure.unit is not None:
        if rate and figure.unit in CURRENCIES:
            per = RATE_WORDS.get(rate.group("per").lower(), rate.group("per").lower())
            return f"{figure.unit}_per_{per}", f"per {per}, from {rate.group().strip()!r} after it"
        return figure.unit, None
    if figure.unit_word is None:
        return "count", "no unit stated: `count` proposed"
    noun = figure.unit_word.lower()
    why = None
    if noun in CLASSIFIERS:
        measured = MEASURED.search(clause.lower())
        if measured:
            thing = measured.group("thing")
            noun = thing if thing.endswith("s") else f"{thing}s"
            why = f"{figure.unit_word!r} counted as {noun} (from {measured.group()!r})"
    for pattern, period in RATES:
        if pattern.search(clause.lower()):
            return f"{_snake(noun)}_per_{period}", why or f"per {period}, from the clause"
    return _snake(noun), why


def _indicator(text: str, start: int, end: int, clause: str, unit: str) -> str:
    after = text[end : end + 80]
    share = re.match(r"\s+of\s+(?P<what>(?:[\w\u2019'-]+\s*){1,4})", after)
    if unit == "percent" and share:
        what = re.split(
            r"\s+(?:in|by|for|to|and|that|which|from|since|as)\b|[,.;]", share.group("what")
        )[0]
        return _snake(f"share of {what}")
    following = re.match(r"\s+(?P<what>(?:[A-Za-z][\w-]*\s*){1,3})", after)
    if unit in ("percent", "percentage_points") and following:
        words = following.group("what").split()
        kept: list[str] = []
        for word in words:
            if word.lower() in ("in", "of", "by", "for", "to", "and", "was", "is", "were", "will"):
                break
            kept.append(word)
        if kept:
            return _snake(" ".join(kept))
    subject = SUBJECT.search(clause)
    if subject:
        words = [w for w in subject.group("subject").split() if w.lower() not in DETERMINERS]
        words = [w for w in words if w.lower() not in RATE_ADJECTIVES]
        words = [w for w in words if not countries_in(w)]
        if words:
            return _snake(" ".join(words[-4:]))
    return _snake(unit) if unit != "count" else "figure"


def _rank_indicator(display: str) -> str:
    """ "world\u2019s largest trading nation" -> trading_nation_rank."""
    noun = re.split(rf"\b(?:{SUPERLATIVES})\b", display)[-1]
    return _snake(f"{noun} rank")


def _entity(text: str, start: int, clause_start: int, low: int) -> tuple[str, str]:
    sentence_start, sentence_end = _sentence_of(text, start)
    before = countries_in(text[clause_start:start])
    if before:
        return before[-1][2], "the country named before it"
    anywhere = countries_in(text[sentence_start:sentence_end]) or countries_in(text[low:start])
    if anywhere:
        return anywhere[0][2], "the country named in the sentence"
    if re.search(r"\b(?:global|world|worldwide)\b", text[sentence_start:sentence_end].lower()):
        return "WLD", "the world (WLD): no country named"
    return "unknown", "no country or organization found: fill in"


def figures_in(
    text: str, published_on: date | None, within: tuple[int, int] | None = None
) -> list[Found]:
    """Every figure of the claim at `within` (offsets into the article's `text`; the whole
    text without it), in order. The words around a claim count too: "The agency expects
    [production to reach 535 million tonnes]" is a projection."""
    low, high = within or (0, len(text))
    found: list[Found] = []
    taken = low
    candidates = sorted(
        [(m.start(), "number") for m in START.finditer(text, low, high)]
        + [(m.start(), "rank") for m in RANK.finditer(text, low, high)]
    )
    for position, kind in candidates:
        if position < taken:
            continue
        if kind == "rank":
            read = _rank(text, position, high, found)
        else:
            read = _number(text, position, low, high)
        if read is None:
            continue
        start, end, figure = read
        notes: list[str] = list(figure.notes)
        floor = found[-1].end if found else _sentence_of(text, start)[0]
        clause = _clause_before(text, start, floor)
        clause_start = start - len(clause)
        modality, why = _modality(clause + text[start:end] + _target_after(text, end, high), figure)
        if why:
            notes.append(f"modality {modality.value} from {why!r}")
        period, period_why = _period(text, start, end, published_on, modality)
        if period is not None and period.label.startswith("as of"):
            notes.append(f"period: {period_why}, so as of the date of publication")
        elif period is None:
            notes.append(period_why)
        whole_clause = text[max(0, clause_start - 80) : start]
        unit, unit_why = _unit(text, end, figure, whole_clause)
        if unit_why:
            notes.append(unit_why)
        display = text[start:end]
        if text.count(display, low, high) > 1:
            notes.append(f"{display!r} occurs more than once in the claim: check which is meant")
        entity, entity_why = _entity(text, start, clause_start, low)
        indicator = (
            _rank_indicator(display)
            if unit == "rank"
            else _indicator(text, start, end, text[max(0, clause_start - 80) : start], unit)
        )
        notes.append(f"indicator and entity proposed (entity: {entity_why})")
        found.append(
            Found(
                start, end, display, figure, figure.value, unit, modality, period, indicator,
                entity, notes,
            )
        )  # fmt: skip
        taken = end
    return [figure for figure in found if text.count(figure.display, low, high) == 1]


def _number(text: str, position: int, low: int, high: int) -> tuple[int, int, Figure] | None:
    read = _read(text, position, high)
    if read is None:
        return None
    end, figure = read
    if figure.unit == "rank" and figure.unit_word and not figure.unit_word[0].isdigit():
        return None  # an ordinal naming an era or a part: "fourth industrial revolution"
    if _is_year(text, position, end, figure) or _is_date(text, position, end):
        return None
    if _in_name(text, position) or _time_span(text, position, figure):
        return None
    if (
        text[position].isupper()
        and text[position].isalpha()
        and not _sentence_start(text, position)
    ):
        return None  # "Five-Year Plan", "the Big Three": a number word in a name
    if re.match(r"\d[\d,.]*(?:st|nd|rd|th)\b", text[position:]):
        return None
    start = max(low, _hedged_start(text, position))
    if start != position:
        try:
            figure = parse_figure(text[start:end])
        except FigureError:
            start = position
    return start, end, figure


def _rank(
    text: str, position: int, high: int, found: list[Found]
) -> tuple[int, int, Figure] | None:
    """ "world\u2019s largest trading nation", "second-largest economy", and a superlative joined to
    one of those by "and" ("... and largest exporter")."""
    match = RANK.match(text, position, high)
    if match is None:
        return None
    joined = bool(
        found
        and found[-1].unit == "rank"
        and re.fullmatch(r"\s+and\s+", text[found[-1].end : position])
    )
    if not (match.group("world") or match.group("ordinal") or match.group("worldwide") or joined):
        return None
    end = match.end("noun")
    try:
        figure = parse_figure(text[position:end])
    except FigureError:
        return None
    return (position, end, figure) if figure.unit == "rank" else None
