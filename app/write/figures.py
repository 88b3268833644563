"""Figures as their words state them: the one reader of a statistic's `display` ("7.6 million
pieces", "25.7%", "about 40,000 tonnes", "world's largest trading nation"), and the rule that
binds a record's `value`, `unit` and `modality` to those words. Every write and the seed
check records with `disagreements`; tools that draft records from text read displays with
`parse_figure`.

    parse_figure("about 40,000 tonnes")
    -> Figure(value=40000.0, number=40000.0, multiplier=1.0, unit="tonnes", unit_word="tonnes",
              modality_hint=Modality.approximate, qualifier="about", notes=())
    parse_figure("many")  -> raises FigureError("states no number ...")
    disagreements("7.6 million pieces", value=7650000, unit="wafers_per_month",
                  modality=Modality.asserted)
    -> {"value": "...", "display": "..."}  (empty when they agree)
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from app.store.models import Modality

__all__ = [
    "Figure",
    "FigureError",
    "Modality",
    "disagreements",
    "parse_figure",
    "unit_scale",
]


class FigureError(ValueError):
    """The words state no single figure (no number, two numbers, a range, a malformed
    number); the message says which, in words a person can act on."""


@dataclass(frozen=True)
class Figure:
    """One figure as its words state it."""

    # Normalized: every multiplier applied ("7.6 million" -> 7600000.0, "a quarter" -> 25.0).
    value: float
    # The number as written (7.6), and what the words multiply it by (1e6 for "million").
    number: float
    multiplier: float
    # The unit the words state, as a unit slug ("percent", "nanometres", "cny", "rank"), or
    # None when they state none: "7.6 million pieces" counts pieces, whose unit comes from
    # context (the seed says wafers_per_month).
    unit: str | None
    # The word(s) after the number as written ("%", "nm", "pieces"), known unit or not.
    unit_word: str | None
    # What the words themselves say about certainty: `approximate` for "about 40,000",
    # `projected` for "a projected 30%", `possible` for "maybe 5nm"; otherwise `asserted`
    # (the words around a display may still hedge it: the record's modality says).
    modality_hint: Modality
    # The words that hedge ("about", "more than"), as written.
    qualifier: str | None = None
    # What a person should look at: a bound rather than a value, an ambiguous symbol.
    notes: tuple[str, ...] = ()

    @property
    def has_unit_word(self) -> bool:
        return self.unit_word is not None


# --- what words mean ----------------------------------------------------------------------


def _numbered(words: str, start: int = 0, step: int = 1) -> dict[str, int]:
    return {word: start + step * index for index, word in enumerate(words.split())}


def _phrases(table: dict[str, str]) -> dict[tuple[str, ...], str]:
    """{"percent": "% | percent | per cent"} -> {("%",): "percent", ("per", "cent"): ...}."""
    return {
        tuple(phrase.split()): meaning
        for meaning, phrases in table.items()
        for phrase in phrases.split("|")
    }


SMALL = _numbered(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
TENS = _numbered("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10)
SCALES = {"thousand": 10**3, "lakh": 10**5, "million": 10**6, "crore": 10**7}
SCALES |= {"billion": 10**9, "trillion": 10**12}
# Multipliers written after a number: spelled, abbreviated, glued ("40k", "$5bn").
MULTIPLIERS = SCALES | {"k": 10**3, "mn": 10**6, "mln": 10**6, "mio": 10**6, "bn": 10**9}
MULTIPLIERS |= {"bln": 10**9, "tn": 10**12, "trn": 10**12}
# Glued letters that are a multiplier only after a currency ("$5m"): "5m" alone is ambiguous.
CURRENCY_MULTIPLIERS = {"m": 10**6, "b": 10**9}
PLURAL_SCALES = {"hundreds", "thousands", "millions", "billions", "trillions", "dozens"}
ORDINALS = _numbered("first second third fourth fifth sixth seventh eighth ninth tenth", 1)
SUPERLATIVES = {
    *("largest", "biggest", "greatest", "highest", "top", "leading", "lowest", "smallest"),
    *("fastest", "slowest", "strongest", "weakest", "richest", "poorest", "best", "worst"),
}
# Fractions stated in words are shares, in percent ("a quarter" -> 25).
FRACTIONS = {
    word: Decimal(1) / denominator
    for denominator, words in {2: "half halves", 3: "third thirds", 4: "quarter quarters"}.items()
    | {5: "fifth fifths", 10: "tenth tenths"}.items()
    for word in words.split()
}

# Units, by slug: the phrases that state them (lowercase). Longest phrases are tried first.
UNIT_PHRASES = _phrases(
    {
        "percent": "% | percent | per cent | pct",
        "percentage_points": "percentage point | percentage points | pp",
        "basis_points": "basis point | basis points | bps",
        "nanometres": "nanometre | nanometres | nanometer | nanometers",
        "millimetres": "millimetre | millimetres | millimeter | millimeters",
        "metres": "metre | metres | meter | meters",
        "kilometres": "kilometre | kilometres | kilometer | kilometers",
        "tonnes": "tonne | tonnes | ton | tons | metric tons",
        "kilograms": "kilogram | kilograms",
        "years": "year | years",
        "months": "month | months",
        "weeks": "week | weeks",
        "days": "day | days",
        "hours": "hour | hours",
        "degrees_celsius": "degree celsius | degrees celsius | ° c",
        "kw": "kilowatt | kilowatts",
        "mw": "megawatt | megawatts",
        "gw": "gigawatt | gigawatts",
        "cny": "yuan | renminbi | rmb | cny",
        "usd": "dollar | dollars | us dollars | usd",
        "eur": "euro | euros | eur",
        "gbp": "gbp",
        "jpy": "yen | jpy",
        "inr": "rupees | inr",
        "ngn": "naira | ngn",
    }
)
# Abbreviations whose case matters ("Mt" is megatonnes, "nm" nanometres; "5G" is a name).
UNIT_SYMBOLS = {"nm": "nanometres", "mm": "millimetres", "cm": "centimetres", "m": "metres"}
UNIT_SYMBOLS |= {"km": "kilometres", "kg": "kilograms", "t": "tonnes", "kt": "kt", "Mt": "mt"}
UNIT_SYMBOLS |= {"kW": "kw", "MW": "mw", "GW": "gw", "kWh": "kwh", "MWh": "mwh", "GWh": "gwh"}
UNIT_SYMBOLS |= {"TWh": "twh"}
# Currencies written before the number.
CURRENCY_SIGNS = {"$": "usd", "€": "eur", "£": "gbp", "₹": "inr"}
CURRENCY_CODES = {"us": "usd", "usd": "usd", "eur": "eur", "gbp": "gbp", "rmb": "cny", "cny": "cny"}
# Rates after a unit or a noun: "per 100,000 people" -> per_100k.
RATE_NUMBERS = {100_000: "per_100k", 1_000: "per_1k", 1_000_000: "per_million"}
# Units that are a multiple of another: unit slug -> (base unit, factor).
CONVERSIONS = {"mt": ("tonnes", 10**6), "kt": ("tonnes", 10**3)}
# A unit slug ending so is its base in thousands, millions, ...: usd_bn is billions of usd.
SCALE_SUFFIXES = {"_k": 10**3, "_thousand": 10**3, "_mn": 10**6, "_million": 10**6}
SCALE_SUFFIXES |= {"_bn": 10**9, "_billion": 10**9, "_tn": 10**12, "_trillion": 10**12}

# Hedges, by what they make of the number. Most count anywhere in a display; "about", "over"
# and the like only right before the number ("about 5", but not "talk about 5G").
LOWER, UPPER = "a lower bound", "an upper bound"
APPROXIMATE = _phrases(
    {
        "": "approximately | approx | roughly | circa | close to | an estimated | estimated "
        "| or so | odd | ~",
        LOWER: "more than | at least | just over | or more | +",
        UPPER: "nearly | almost | at most | less than | fewer than | up to | as many as "
        "| as much as | just under | or less",
    }
)
APPROXIMATE_BEFORE = _phrases(
    {"": "about | around | some", LOWER: "over | above", UPPER: "under | below"}
)
PROJECTED = _phrases({"": "projected | forecast | expected | anticipated | targeted | will"})
POSSIBLE = _phrases({"": "maybe | perhaps | possibly | potentially | could | might"})

NUMBER_FORMAT = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?|\.\d+")
TOKEN = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)*|(?<![\w.])\.\d+)|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)|(?P<sign>\S)"
)
# Right and left single quotes as apostrophes; the minus sign, en and em dashes as hyphens.
PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2212": "-", "\u2013": "-", "\u2014": "-"})
SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")


@dataclass(frozen=True)
class Token:
    kind: str  # number, word or sign
    text: str
    start: int
    end: int
    low: str  # the text in lowercase, what phrases are matched against


class Phrases:
    """Phrases of one or more words, found by their first word (a lookup per token)."""

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted(phrases, key=len, reverse=True):
            self.by_first.setdefault(phrase[0], []).append(phrase)

    def length_at(self, tokens: list["Token"], index: int) -> int:
        """The length of the longest phrase that starts at `index` (0: none)."""
        for phrase in self.by_first.get(tokens[index].low, ()):
            words = tuple(token.low for token in tokens[index : index + len(phrase)])
            if words == phrase:
                return len(phrase)
        return 0


UNITS = Phrases(UNIT_PHRASES)
HEDGES = (
    (Phrases(POSSIBLE), Modality.possible),
    (Phrases(PROJECTED), Modality.projected),
    (Phrases(APPROXIMATE), Modality.approximate),
    (Phrases(APPROXIMATE_BEFORE), Modality.approximate),
)
HEDGE_WORDS = {first for phrases, _modality in HEDGES for first in phrases.by_first}
# From least to most uncertain: a display with two hedges gets the more uncertain.
MODALITIES = list(Modality)
# What may stand between a hedge and its number: "about a quarter", "about $5", "over -3".
NUMBER_PREFIXES = {*CURRENCY_SIGNS, *CURRENCY_CODES, "-", "a", "an"}


def _clean(display: str) -> str:
    """One spelling of apostrophes, minus signs and spaces."""
    return SPACES.sub(" ", display.translate(PLAIN)).strip()


def _tokens(text: str) -> list[Token]:
    tokens = [
        Token(m.lastgroup or "", m.group(), m.start(), m.end(), m.group().lower())
        for m in TOKEN.finditer(text)
    ]
    for token in tokens:
        if token.kind == "number" and not NUMBER_FORMAT.fullmatch(token.text):
            raise FigureError(
                f"{token.text!r} is not a number as this API reads them: group thousands with "
                "commas and write decimals with a point (1,234,567.8)"
            )
    return tokens


def _glued(first: Token, second: Token) -> bool:
    return first.end == second.start


def _written(tokens: list[Token], start: int, end: int) -> str:
    """Tokens `[start, end)` as written: spaced where they were ("No. 1", "4th")."""
    parts = [
        (" " if index > start and not _glued(tokens[index - 1], token) else "") + token.text
        for index, token in enumerate(tokens[start:end], start)
    ]
    return "".join(parts)


@dataclass
class Amount:
    """A number found in the words, where it is, and what follows it."""

    start: int  # token indexes [start, end)
    end: int
    number: Decimal
    multiplier: Decimal = Decimal(1)
    unit: str | None = None
    unit_word: str | None = None
    currency: str | None = None
    currency_word: str | None = None


def _word_number(tokens: list[Token], index: int) -> tuple[Decimal, Decimal, int] | None:
    """Number words from `index` ("nine", "twenty-five", "a hundred", "two million"): the
    number, its scale word's multiplier, and how many tokens they take."""
    total, current, used, scale = 0, 0, 0, 1
    seen = False
    position = index
    while position < len(tokens):
        token = tokens[position]
        low = token.low
        following = tokens[position + 1].low if position + 1 < len(tokens) else ""
        if low in SMALL:
            current += SMALL[low]
        elif low in TENS:
            current += TENS[low]
        elif low == "hundred" and seen:
            current = max(current, 1) * 100
        elif low == "dozen" and seen:
            current = max(current, 1) * 12
        elif low in SCALES and seen:
            scale = SCALES[low]
            total += max(current, 1) * scale
            current = 0
        elif low in ("a", "an") and not seen and following in {"hundred", "dozen", *SCALES}:
            current = 1
        elif (low == "and" or token.text == "-") and seen and following in {*SMALL, *TENS}:
            pass
        else:
            break
        seen = True
        position += 1
        used = position - index
    if not seen or used == 0:
        return None
    value = total + current
    # "two million": the number two, times a million; "two thousand five hundred": 2500.
    if current == 0 and scale > 1 and total % scale == 0:
        return Decimal(total // scale), Decimal(scale), used
    return Decimal(value), Decimal(1), used


def _digits(token: Token) -> Decimal:
    return Decimal(token.text.replace(",", ""))


def _ordinal(tokens: list[Token], index: int) -> tuple[int, int] | None:
    """A rank at `index`: "4th", "second", "No. 1", "#1", "number one"; (rank, tokens used)."""
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if (
        token.kind == "number"
        and following is not None
        and _glued(token, following)
        and following.low in ("st", "nd", "rd", "th")
    ):
        return int(_digits(token)), 2
    if token.low in ORDINALS:
        return ORDINALS[token.low], 1
    if token.low in ("no", "#", "number") and following is not None:
        skip = 2 if index + 2 < len(tokens) and tokens[index + 1].text == "." else 1
        target = tokens[index + skip]
        if target.kind == "number" and "." not in target.text:
            return int(_digits(target)), skip + 1
        if token.low == "number" and target.low == "one":
            return 1, 2
    return None


def _rank(tokens: list[Token], index: int) -> Amount | None:
    """A rank: "largest exporter" (1), "second-largest economy" (2), "4th", "No. 1"."""
    ordinal = _ordinal(tokens, index)
    position = index + (ordinal[1] if ordinal else 0)
    if position < len(tokens) and tokens[position].text == "-" and ordinal:
        position += 1
    if position < len(tokens) and tokens[position].low in SUPERLATIVES:
        rank = ordinal[0] if ordinal else 1
        word = tokens[position].text
        return Amount(index, position + 1, Decimal(rank), unit="rank", unit_word=word)
    if ordinal is None:
        return None
    word = _written(tokens, index, position)
    return Amount(index, position, Decimal(ordinal[0]), unit="rank", unit_word=word)


def _fraction(tokens: list[Token], index: int) -> Amount | None:
    """A share in words: "a quarter" (25 percent), "two-thirds"; or "half a million"."""
    count, position = Decimal(1), index
    token = tokens[index]
    if token.low in SMALL and token.low != "zero":
        count, position = Decimal(SMALL[token.low]), index + 1
    elif token.low in ("a", "an", "one"):
        position = index + 1
    if position < len(tokens) and tokens[position].text == "-":
        position += 1
    if position >= len(tokens) or tokens[position].low not in FRACTIONS:
        return None
    if position == index and tokens[position].low not in ("half",):
        return None  # a bare "quarter" or "third" is a period or a rank, not a share
    word = tokens[position]
    share = count * FRACTIONS[word.low]
    position += 1
    # "half a million", "a quarter of a billion": a fraction of an amount, not a share.
    rest = [t.low for t in tokens[position : position + 3]]
    for words in (["a"], ["of", "a"]):
        if rest[: len(words)] == words and len(rest) > len(words) and rest[len(words)] in SCALES:
            scale = Decimal(SCALES[rest[len(words)]])
            return Amount(index, position + len(words) + 1, share, multiplier=scale)
    return Amount(index, position, share * 100, unit="percent", unit_word=word.text)


def _plain(tokens: list[Token], index: int) -> Amount | None:
    token = tokens[index]
    if token.kind == "number":
        previous = tokens[index - 1] if index > 0 else None
        before = tokens[index - 2] if index > 1 else None
        # "COVID-19", "G7": a number glued into a name is no figure.
        if previous is not None and _glued(previous, token):
            if previous.kind == "word" and previous.low not in CURRENCY_CODES:
                return None
            named = before is not None and before.kind == "word" and _glued(before, previous)
            if previous.text == "-" and named:
                return None
        return Amount(index, index + 1, _digits(token))
    found = _word_number(tokens, index)
    if found is None:
        return None
    number, multiplier, used = found
    return Amount(index, index + used, number, multiplier=multiplier)


def _currency_before(tokens: list[Token], amount: Amount) -> int:
    """Reads "$", "US$", "€", "RMB " and a sign before the amount; returns where they start."""
    position = amount.start
    sign = Decimal(1)
    for _ in range(3):
        if position == 0:
            break
        token = tokens[position - 1]
        if token.text in CURRENCY_SIGNS and amount.currency is None:
            amount.currency, amount.currency_word = CURRENCY_SIGNS[token.text], token.text
        elif token.low in CURRENCY_CODES and amount.currency in (None, "usd"):
            if token.low == "us" and amount.currency != "usd":
                break
            amount.currency = CURRENCY_CODES[token.low]
            amount.currency_word = token.text + (amount.currency_word or "")
        elif token.text in ("-", "+") and (position < 2 or not _glued(tokens[position - 2], token)):
            sign = Decimal(-1) if token.text == "-" else Decimal(1)
        elif token.low in ("minus", "negative"):
            sign = Decimal(-1)
        else:
            break
        position -= 1
    amount.number *= sign
    return position


def _after(tokens: list[Token], amount: Amount) -> None:
    """Reads what follows the amount: a multiplier, a unit (or a noun), a rate."""
    position = amount.end
    if amount.unit is None and position < len(tokens):
        token = tokens[position]
        glued = _glued(tokens[position - 1], token)
        multiplier = MULTIPLIERS.get(token.low) if token.low != "k" or glued else None
        if token.low in PLURAL_SCALES:
            raise FigureError(f"{token.text!r} states no number")
        if multiplier and amount.multiplier == 1:
            amount.multiplier = Decimal(multiplier)
            position += 1
        elif glued and amount.currency and token.low in CURRENCY_MULTIPLIERS:
            amount.multiplier = Decimal(CURRENCY_MULTIPLIERS[token.low])
            position += 1
    if amount.unit is None:
        position = _unit(tokens, amount, position)
    amount.end = position
    _rate(tokens, amount)


def _unit(tokens: list[Token], amount: Amount, position: int) -> int:
    """A unit ("%", "nm", "tonnes", "yuan") or a counted noun ("pieces") at `position`."""
    if position >= len(tokens):
        return position
    if tokens[position].text == "-" and position + 1 < len(tokens):
        hyphenated = _known_unit(tokens, amount, position + 1)  # "7-nanometre"
        return hyphenated or position
    known = _known_unit(tokens, amount, position)
    if known:
        return known
    token = tokens[position]
    if token.kind != "word":
        return position
    if _glued(tokens[position - 1], token):
        text = tokens[position - 1].text + token.text
        if token.low in CURRENCY_MULTIPLIERS:
            raise FigureError(f"{text!r} is ambiguous: write 'million' or 'metres' in words")
        # "5G", "1e6": letters glued to a number make a name, not a figure.
        raise FigureError(f"{text!r} is a name, not a figure")
    if token.low not in ("of", "in", "per", "a", "an", "or", "and", "to"):
        amount.unit_word = token.text  # a noun counted: "pieces", "people", "jobs"
        return position + 1
    return position


def _known_unit(tokens: list[Token], amount: Amount, position: int) -> int:
    """Reads a known unit at `position`; returns where it ends (0: none there)."""
    token = tokens[position]
    glued = _glued(tokens[position - 1], token)
    if token.text in UNIT_SYMBOLS and not (glued and token.text in CURRENCY_MULTIPLIERS):
        amount.unit, amount.unit_word = UNIT_SYMBOLS[token.text], token.text
        return position + 1
    length = UNITS.length_at(tokens, position)
    if not length:
        return 0
    words = tuple(t.low for t in tokens[position : position + length])
    amount.unit = UNIT_PHRASES[words]
    amount.unit_word = _written(tokens, position, position + length)
    return position + length


def _rate(tokens: list[Token], amount: Amount) -> None:
    """A rate: "per 100,000 people" makes the unit per_100k, "dollars per MWh" usd_per_mwh."""
    position = amount.end
    if position + 1 >= len(tokens) or tokens[position].low != "per":
        return
    target = tokens[position + 1]
    used = 2
    if target.kind == "number":
        rate = RATE_NUMBERS.get(int(_digits(target)))
        if rate is None:
            raise FigureError(f"'per {target.text}' is not a rate this API reads")
        unit = rate
        if position + 2 < len(tokens) and tokens[position + 2].kind == "word":
            used = 3  # "per 100,000 people"
    else:
        base = amount.unit or amount.currency
        if base is None:
            return
        unit = f"{base}_per_{target.low}"
    rate_words = _written(tokens, position, position + used)
    amount.unit = unit
    amount.unit_word = f"{amount.unit_word} {rate_words}" if amount.unit_word else rate_words
    amount.end = position + used


def _amount_at(tokens: list[Token], index: int) -> Amount | None:
    for read in (_fraction, _rank, _plain):
        amount = read(tokens, index)
        if amount is not None:
            return amount
    return None


def _ratio(tokens: list[Token], amount: Amount) -> Amount:
    """A ratio, "one in five", "9 out of 10": a share, in percent. Only small whole numbers: "5 in
    2023" is a number and a year."""
    position = amount.end
    rest = [t.low for t in tokens[position : position + 2]]
    skip = 1 if rest[:1] == ["in"] else 2 if rest == ["out", "of"] else 0
    if not skip or amount.unit is not None or position + skip >= len(tokens):
        return amount
    whole = _plain(tokens, position + skip)
    if whole is None:
        return amount
    part, total = amount.number * amount.multiplier, whole.number * whole.multiplier
    if not (0 < part <= total <= 1000) or part % 1 or total % 1:
        return amount
    word = _written(tokens, amount.start, whole.end)
    return Amount(amount.start, whole.end, part / total * 100, unit="percent", unit_word=word)


def _amounts(tokens: list[Token]) -> list[Amount]:
    found: list[Amount] = []
    index = 0
    while index < len(tokens):
        amount = _amount_at(tokens, index)
        if amount is None:
            if tokens[index].low in PLURAL_SCALES:
                raise FigureError(f"{tokens[index].text!r} states no number")
            index += 1
            continue
        amount = _ratio(tokens, amount)
        start = _currency_before(tokens, amount)
        _after(tokens, amount)
        if amount.currency and amount.unit is None:
            amount.unit, amount.unit_word = amount.currency, amount.currency_word
        elif (
            amount.currency
            and amount.unit is not None
            and not amount.unit.startswith(amount.currency)
        ):
            raise FigureError(f"states two units ({amount.currency} and {amount.unit})")
        found.append(amount)
        index = max(amount.end, start + 1)
    return found


def _hedge_at(tokens: list[Token], index: int, amount: Amount) -> tuple[int, Modality]:
    """The hedge starting at `index`: its length in tokens (0: none) and its modality."""
    before = amount.start  # where the number's own words start ("a", a currency, a sign)
    while before > 0 and tokens[before - 1].low in NUMBER_PREFIXES:
        before -= 1
    for phrases, modality in HEDGES:
        length = phrases.length_at(tokens, index)
        words = tuple(t.low for t in tokens[index : index + length])
        if words in APPROXIMATE_BEFORE and index + length != before:
            continue
        if words == ("+",) and index != amount.end:
            continue  # a sign, not "40,000+"
        if length:
            return length, modality
    return 0, Modality.asserted


def _hedges(tokens: list[Token], amount: Amount) -> tuple[Modality, str | None, tuple[str, ...]]:
    """The modality the words themselves state, the hedging words, and notes on bounds."""
    hint, written_hedges, notes = Modality.asserted, [], []
    index = 0
    while index < len(tokens):
        length = 0
        if tokens[index].low in HEDGE_WORDS:
            length, modality = _hedge_at(tokens, index, amount)
        if not length:
            index += 1
            continue
        if MODALITIES.index(modality) > MODALITIES.index(hint):
            hint = modality
        written = _written(tokens, index, index + length)
        written_hedges.append(written)
        words = tuple(t.low for t in tokens[index : index + length])
        bound = APPROXIMATE.get(words) or APPROXIMATE_BEFORE.get(words)
        if bound:
            notes.append(f"{bound} ({written!r}), not an exact value")
        index += length
    return hint, ", ".join(written_hedges) or None, tuple(notes)


@lru_cache(maxsize=65_536)
def parse_figure(display: str) -> Figure:
    """The figure `display` states; FigureError when it states none, or more than one."""
    text = _clean(display)
    if not text:
        raise FigureError("is empty")
    tokens = _tokens(text)
    found = _amounts(tokens)
    if not found:
        raise FigureError(f"states no number: {display!r}")
    if len(found) > 1:
        numbers = [_written(tokens, a.start, a.end) for a in found]
        between = tokens[found[0].end : found[1].start]
        if [t.low for t in between] in (["-"], ["to"], ["and"]):
            raise FigureError(
                f"is a range ({numbers[0]} to {numbers[1]}); a statistic has one value: record "
                "each end as a statistic of its own"
            )
        raise FigureError(
            f"states {len(found)} numbers ({', '.join(numbers)}); a display holds one figure"
        )
    amount = found[0]
    hint, qualifier, notes = _hedges(tokens, amount)
    currency_notes = ("'¥' is yen or yuan: say which with the unit",) if "¥" in text else ()
    value = amount.number * amount.multiplier
    return Figure(
        value=float(value),
        number=float(amount.number),
        multiplier=float(amount.multiplier),
        unit=amount.unit,
        unit_word=amount.unit_word,
        modality_hint=hint,
        qualifier=qualifier,
        notes=notes + currency_notes,
    )


def units_read() -> frozenset[str]:
    """Every unit slug the reader states by itself; a rate ("dollars per MWh": usd_per_mwh)
    composes two of them, and /v1/units lists the rates in use."""
    return frozenset(
        {*UNIT_PHRASES.values(), *UNIT_SYMBOLS.values(), *CURRENCY_SIGNS.values()}
        | {*CURRENCY_CODES.values(), *RATE_NUMBERS.values(), "percent", "rank"}
    )


@lru_cache(maxsize=1024)
def unit_scale(unit: str) -> tuple[str, float]:
    """A unit slug as (base unit, factor): usd_bn is (usd, 1e9), mt (tonnes, 1e6)."""
    if unit in CONVERSIONS:
        base, factor = CONVERSIONS[unit]
        return base, float(factor)
    for suffix, factor in SCALE_SUFFIXES.items():
        if unit.endswith(suffix) and len(unit) > len(suffix):
            return unit.removesuffix(suffix), float(factor)
    return unit, 1.0


def _unit_fits(stated: str, recorded: str) -> bool:
    """The record's unit is the one the words state, or makes it precise from context:
    "25.7%" may be recorded as percent_of_gdp, "$45" as usd_per_mwh."""
    return recorded == stated or recorded.startswith(f"{stated}_")


def _shown(number: float) -> str:
    return f"{number:.12g}"


def disagreements(
    display: str, *, value: float, unit: str, modality: Modality | str
) -> dict[str, str]:
    """Where a record's `value`, `unit` and `modality` disagree with its `display`, as
    messages by field, each naming the other field (empty: they agree).

    The value must be the number the words state (in the record's unit: usd_bn counts
    billions); the unit must be the one they state, if they state one; and words that hedge
    ("about", "maybe") cannot be recorded as `asserted`.
    """
    try:
        figure = parse_figure(display)
    except FigureError as error:
        return {
            "display": f"{display!r} {error}",
            "value": "cannot be checked: `display` states no single figure",
        }
    problems: dict[str, str] = {}
    base, factor = unit_scale(unit)
    if figure.unit is not None and not _unit_fits(unit_scale(figure.unit)[0], base):
        problems["unit"] = f"is {unit!r} but `display` ({display!r}) states {figure.unit!r}"
        problems["display"] = f"{display!r} states {figure.unit!r}, not `unit` {unit!r}"
    stated = figure.value * (unit_scale(figure.unit)[1] if figure.unit else 1.0) / factor
    if not math.isclose(value, stated, rel_tol=1e-9, abs_tol=1e-12):
        in_unit = f" {unit}" if factor != 1 else ""
        problems["value"] = (
            f"is {_shown(value)} but `display` ({display!r}) states {_shown(stated)}{in_unit}"
        )
        problems.setdefault(
            "display", f"{display!r} states {_shown(stated)}{in_unit}, not `value` {_shown(value)}"
        )
    if Modality(modality) is Modality.asserted and figure.modality_hint is not Modality.asserted:
        problems["modality"] = (
            f"is 'asserted' but `display` ({display!r}) hedges it ({figure.qualifier!r}): "
            f"say {figure.modality_hint.value!r}"
        )
        problems.setdefault(
            "display", f"{display!r} hedges ({figure.qualifier!r}): `modality` cannot be 'asserted'"
        )
    return problems
