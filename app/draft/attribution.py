"""Attribution: the words that say who said something. Around a quoted passage ("...,”
Dunford said.", "He added: “...”") and in reported speech ("Dunford noted that ...",
"According to the agency, ...", "..., he said."), with the span of what was said.

Patterns only find; `app/draft/people.py` decides who a reference ("he", "Dunford", "the
professor") is."""

import re
from dataclasses import dataclass

from app.draft.people import WHO

# Reporting verbs, as articles conjugate them.
SAY = (
    "said|says|say|added|adds|noted|notes|explained|explains|elaborated|elaborates|argued|"
    "argues|believes|believed|pointed out|points out|observed|observes|stressed|stresses|"
    "emphasized|emphasised|emphasizes|emphasises|warned|warns|claimed|claims|suggested|"
    "suggests|insisted|insists|maintained|maintains|contended|contends|acknowledged|"
    "acknowledges|concluded|concludes|stated|states|remarked|remarks|admitted|admits|"
    "predicted|predicts|estimated|estimates|expects|expected|thinks|thought|wrote|writes|"
    "highlighted|highlights|underlined|underlines|underscored|underscores|cautioned|cautions|"
    "recalled|recalls|reckons|forecast|forecasts|projected|projects|announced|announces|"
    "reported|reports|confirmed|confirms|found|finds|showed|shows|concedes|conceded|"
    "asserted|asserts|agreed|agrees|answered|replied|replies|told|tells|asked|continued|"
    "concluded|observed|declared|declares|calculated|calculates|assessed|assesses|"
    "projected|notes|observes"
)
# Verbs that take a clause only with "that" ("found that", not "found the key").
NEEDS_THAT = {"found", "finds", "showed", "shows", "expected", "expects", "thought", "thinks"}
NEEDS_THAT |= {"estimated", "estimates", "projected", "projects", "forecast", "forecasts"}
NEEDS_THAT |= {"agreed", "agrees", "recalled", "recalls", "calculated", "calculates"}
NEEDS_THAT |= {"assessed", "assesses", "reported", "reports", "announced", "announces"}
ADVERBS = r"(?:(?:also|further|later|then|previously|repeatedly|once|again|recently|has|have|"
ADVERBS += r"had|would|earlier|firmly|strongly|even|still)\s+)*"
CONTINUING = r"(?:\s+(?:to|on\s+to)\s+(?:note|say|argue|explain|stress|point\s+out|add|warn))"
TOLD = (
    r"(?:\s+(?:[A-Z][\w.&\u2019'-]*(?:\s+[A-Z][\w.&\u2019'-]*)*|reporters|journalists|the\s+\w+))"
)
APPOSITION = r"(?:,\s+[^,\u201c\u201d\"]{3,160},)?"
CIRCUMSTANCE = r"(?:\s+(?:in|on|at|during|after|before|last|this|to)\s+[^,.\u201c\u201d\"]{1,60})?"
VERB = rf"(?P<verb>{SAY})(?:{CONTINUING}|(?<=told){TOLD}|(?<=tells){TOLD})?"
VERB2 = rf"(?P<verb2>{SAY})"
LEADS = r"(?:(?:But|And|However|Moreover|Meanwhile|Still|Yet|Instead|Now|Separately),?\s+)?"

# "Dunford noted that ...", "He continued to say that ...", "Jane Doe, an economist, said ..."
OPENING = re.compile(
    rf"^{LEADS}(?P<who>{WHO}){APPOSITION}\s+{ADVERBS}{VERB}{CIRCUMSTANCE},?\s+(?P<that>that\s+)?"
    r"(?P<content>[^\s\u201c\"\u2018:].*)$",
    re.S,
)
# "According to the agency, ...", "As Dunford noted, ...", "In her view, ..."
ACCORDING = re.compile(
    rf"^{LEADS}(?:According\s+to|In\s+the\s+words\s+of|as\s+per)\s+(?P<who>{WHO}){APPOSITION}"
    r"(?:\u2019s|'s)?(?:\s+[a-z]+){0,3},\s+(?P<content>.+)$",
    re.S,
)
AS_NOTED = re.compile(
    rf"^{LEADS}As\s+(?P<who>{WHO}){APPOSITION}\s+{ADVERBS}{VERB}"
    r"(?:\s+(?:in|on|at)\s+[^,]{1,60})?,\s+(?P<content>.+)$",
    re.S,
)
IN_VIEW = re.compile(
    rf"^In\s+(?P<who>{WHO}|his|her)(?:\u2019s|'s)?\s+(?:view|words|opinion|assessment|analysis),"
    r"\s+(?P<content>.+)$",
    re.S,
)
# "..., according to the Food and Agriculture Organization."
ACCORDING_AFTER = re.compile(
    rf"^(?P<content>.+?),\s+according\s+to\s+(?P<who>{WHO}){APPOSITION}"
    r"(?P<tail>(?:\s[^.,\u201c\u201d\"]{0,80})?)[.!]?$",
    re.S,
)
# "..., Raman said, but she warned that ...": an attribution between two reported statements.
MIDDLE = re.compile(
    rf"^(?P<content>.+?),\s+(?:according\s+to\s+(?P<who3>{WHO})|(?P<who>{WHO})\s+{ADVERBS}{VERB}"
    rf"|{VERB2}\s+(?P<who2>{WHO})),\s+(?:(?:but|and|while|whereas|although)\s+)?"
    r"(?P<rest>[a-z].+)$",
    re.S,
)
# Verbs whose reported content may be "X to do Y": "The agency expects production to reach".
EXPECTING = {"expects", "expected", "forecasts", "projects", "estimates", "predicts"}
# "..., Dunford observed.", "..., said Jane Doe, chief economist at X."
CLOSING = re.compile(
    rf"^(?P<content>.+?),\s+(?:(?P<who>{WHO})\s+{ADVERBS}{VERB}|{VERB2}\s+(?P<who2>{WHO}))"
    # What may follow the verb: "in a statement", ", chief economist at X"; not a second
    # statement (", but she warned that ...": MIDDLE reads those).
    r"(?P<tail>(?:\s[^.,\u201c\u201d\"]{0,160}|,\s+(?!(?:but|and|while|whereas|although)\b)"
    r"[^.\u201c\u201d\"]{0,160})?)[.!]?$",
    re.S,
)
# After a quoted passage: ", Dunford said." / " he added." / ", said Jane Doe."
AFTER_QUOTE = re.compile(
    rf"\s*,?\s*(?:(?P<who>{WHO}){APPOSITION}\s+{ADVERBS}{VERB}|{VERB2}\s+(?P<who2>{WHO}))"
    r"(?![\w])"
)
# Before a quoted passage: "Dunford said: “", "He added, “", "According to Dunford, “"
BEFORE_QUOTE = re.compile(
    rf"(?:(?P<who>{WHO}){APPOSITION}\s+{ADVERBS}{VERB}{CIRCUMSTANCE}(?:\s+that)?|"
    rf"{VERB2}\s+(?P<who2>{WHO}){APPOSITION}|According\s+to\s+(?P<who3>{WHO}){APPOSITION})"
    r"\s*[,:]?\s*$"
)


# The words around quoted passages when they only say who spoke: "Dunford said.", "he added:",
# ", said Jane Doe, chief economist at X."
ATTRIBUTION_ONLY = re.compile(
    rf"[\s,.:;\u2014\u2013-]*(?:(?:{WHO}){APPOSITION}\s+{ADVERBS}(?:{SAY})(?:{CONTINUING}|{TOLD})?"
    rf"{CIRCUMSTANCE}|(?:{SAY})\s+(?:{WHO})(?:,\s+[^,.]{{3,160}})?{CIRCUMSTANCE}|"
    rf"[Aa]ccording\s+to\s+(?:{WHO}))?[\s,.:;!?\u2014\u2013-]*"
)


def only_attribution(words: str) -> bool:
    """Whether `words` (what a sentence says besides its quoted passages) only attribute."""
    return ATTRIBUTION_ONLY.fullmatch(words) is not None


@dataclass(frozen=True)
class Attribution:
    """Who (as written, and where) and what they said: `content` is a span of the text."""

    who: str
    who_at: int
    verb: str
    content_start: int
    content_end: int
    form: str  # opening, according, closing, after-quote, before-quote


def _who(match: re.Match[str]) -> tuple[str, int]:
    for group in ("who", "who2", "who3"):
        if group in match.groupdict() and match.group(group):
            return match.group(group), match.start(group)
    raise AssertionError("a pattern matched without a speaker")


def _verb(match: re.Match[str]) -> str:
    groups = match.groupdict()
    verb = groups.get("verb") or groups.get("verb2") or "according"
    return verb.split()[0]


def _content_end(text: str, start: int, end: int) -> int:
    """Drop the sentence's own final period (not one inside closing quotes)."""
    while end > start and text[end - 1] in " \u00a0":
        end -= 1
    if end > start and text[end - 1] in ".!?" and not text[start:end].endswith("..."):
        end -= 1
    return end


def reported(text: str, start: int, end: int) -> Attribution | None:
    """The reported speech of the sentence `text[start:end]`, if it is reported speech."""
    sentence = text[start:end]
    for pattern, form in ((ACCORDING, "according"), (AS_NOTED, "according"), (IN_VIEW, "view")):
        match = pattern.match(sentence)
        if match:
            who, at = _who(match)
            content = start + match.start("content")
            verb = form
            return Attribution(
                who, start + at, verb, content, _content_end(text, content, end), form
            )
    match = OPENING.match(sentence)
    if match and not match.group("that") and _verb(match) in EXPECTING:
        head = match.group("content").split()[:8]
        if "to" not in head:
            match = None
    elif match and not match.group("that") and _verb(match) in NEEDS_THAT:
        match = None
    if match:
        who, at = _who(match)
        content = start + match.start("content")
        verb = _verb(match)
        if (
            verb in ("continued", "continues")
            and "to" not in match.group(0)[: match.start("content")]
        ):
            match = None
        else:
            return Attribution(
                who, start + at, verb, content, _content_end(text, content, end), "opening"
            )
    match = ACCORDING_AFTER.match(sentence)
    if match:
        who, at = _who(match)
        return Attribution(
            who, start + at, "according", start, start + match.end("content"), "closing"
        )
    match = CLOSING.match(sentence)
    if match and "\u201c" not in match.group("content")[-2:]:
        who, at = _who(match)
        content_end = start + match.end("content")
        return Attribution(who, start + at, _verb(match), start, content_end, "closing")
    return None


def split_in_the_middle(text: str, start: int, end: int) -> tuple[Attribution, int] | None:
    """A sentence with its attribution in the middle: the attribution with the first
    statement as its content, and where the second statement starts."""
    sentence = text[start:end]
    match = MIDDLE.match(sentence)
    if match is None:
        return None
    who, at = _who(match)
    first = Attribution(who, start + at, _verb(match), start,
                        start + match.end("content"), "closing")  # fmt: skip
    return first, start + match.start("rest")


def after_quote(text: str, position: int, end: int) -> Attribution | None:
    """The attribution right after a quoted passage's closing mark at `position`."""
    match = AFTER_QUOTE.match(text, position, end)
    if match is None:
        return None
    who, at = _who(match)
    return Attribution(who, at, _verb(match), 0, 0, "after-quote")


def before_quote(text: str, start: int, position: int) -> Attribution | None:
    """The attribution that ends right before a quoted passage's opening mark at `position`."""
    match = BEFORE_QUOTE.search(text, start, position)
    if match is None:
        return None
    who, at = _who(match)
    return Attribution(who, at, _verb(match), 0, 0, "before-quote")
