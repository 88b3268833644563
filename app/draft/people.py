"""Speakers: the people (and organizations) an article attributes words to, each with the title
and affiliation of its first mention, an id proposed from its name, and the rule that
resolves "he", "she", "the professor" or "Dunford" to one of them.

Names are recognized by their shape (capitalized words, "Michael Dunford") where the article
introduces a person ("..., emeritus professor at the University of Sussex") or attributes words
to one ("Dunford said"); a word list keeps out the capitalized words that are not names."""

import re
import unicodedata
from bisect import bisect_left, insort
from dataclasses import dataclass, field

from app.draft.places import countries_in, country_code
from app.draft.text import word_set

NAME_WORD = r"(?:[A-Z][a-z]+(?:[-\u2019'][A-Z]?[a-z]+)*|[A-Z]\.)"
PARTICLE = r"(?:de|van|von|der|den|da|di|du|le|la|bin|al|el)"
FULL_NAME = rf"{NAME_WORD}(?:\s+(?:{PARTICLE}\s+)*{NAME_WORD}){{1,3}}"
ORG_WORDS = (
    "Agency|Bank|Fund|Ministry|Institute|Organization|Organisation|Council|Commission|"
    "University|Bureau|Office|Association|Federation|Group|Company|Corporation|Administration|"
    "Department|Authority|Forum|Programme|Program|Center|Centre|Board|Committee|Union|Academy|"
    "Foundation|Society|Institution|Observatory|Inc|Ltd|Corp|Service|Alliance|Network|Council"
)
ORGANIZATION = (
    rf"(?:[A-Z][\w&\u2019'-]*\s+(?:(?:and|of|for|on|&)\s+)?){{0,5}}(?:{ORG_WORDS})"
    rf"(?:\s+(?:of|for|on)(?:\s+the)?(?:\s+[A-Z][\w&\u2019'-]*){{1,4}})?"
)
ACRONYM = r"[A-Z]{2,6}"
# Descriptions that refer back to a speaker named before: "the professor", "the agency".
ROLE_NOUNS = (
    "professor|economist|minister|spokesperson|spokesman|spokeswoman|analyst|expert|scholar|"
    "researcher|official|director|president|chairman|chairwoman|chair|governor|author|"
    "scientist|executive|chief|head|secretary|ambassador|lawmaker|senator|founder|engineer|"
    "agency|bank|fund|ministry|institute|report|study|survey|company|organization|"
    "organisation|commission|council|group|firm|government|office|bureau|authors|researchers"
)
ORGANIZATION_NOUNS = word_set(
    "agency bank fund ministry institute report study survey company organization",
    "organisation commission council group firm government office bureau authors",
    "researchers",
)
ROLE = rf"(?:[Tt]he|[Tt]his|[Tt]hat)\s+(?:[a-z-]+\s+){{0,2}}(?:{ROLE_NOUNS})\b"
PRONOUN = r"(?:[Hh]e|[Ss]he)\b"
TITLE_WORD = (
    r"(?:President|Vice|Minister|Prime|Premier|Professor|Prof\.|Dr\.|Director|General|Executive|"
    r"Chief|Economist|Chairman|Chairwoman|Chair|Governor|Secretary|Spokesperson|Spokesman|"
    r"Spokeswoman|Analyst|Senator|Ambassador|Mayor|Commissioner|Head|Dean|Deputy|Senior|"
    r"Managing|Officer|CEO|Founder|Editor)"
)
# "IEA Executive Director Fatih Birol", "Prof. Jane Doe": a name with its title before it.
TITLED = rf"(?:{ACRONYM}\s+)?(?:{TITLE_WORD}\s+){{1,3}}{FULL_NAME}"
WHO = (
    rf"(?:{PRONOUN}|{ROLE}|{TITLED}|(?:[Tt]he\s+)?{ORGANIZATION}|(?:[Tt]he\s+)?{ACRONYM}\b|"
    rf"{FULL_NAME}|{NAME_WORD})"
)

# Capitalized words that start sentences or name things, never a person's name.
NOT_NAMES = word_set(
    "The This That These Those It Its In At As But And Or If When While Although Though",
    "According Given Over Under After Before Since During Starting From For With Without",
    "Importantly Meanwhile However Moreover Still Yet Instead Also Then There Here Such",
    "Many Most Some Several Each Every All Both Other Another One Two Three First Last",
    "Global Western Eastern Northern Southern South North East West New Old Great",
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Today Yesterday",
    "January February March April May June July August September October November",
    "December Q A Question Answer Photo Edited He She They We I You Our Their His Her",
    "Mr Mrs Ms Dr Prof President Minister Professor Director Chief Premier Chairman",
    "Socialism Capitalism Communist Party Plan Five Year Revolution Republic State",
    "Nobody Everyone Everybody Someone Somebody Anyone Anybody No None Few Nothing",
    "Huawei COVID Internet European Asian African American Latin Pacific Atlantic",
)
TITLE_WORDS = word_set(
    "President Vice Minister Prime Premier Professor Director General Executive Chief",
    "Economist Chairman Chairwoman Chair Governor Secretary Spokesperson Spokesman",
    "Spokeswoman Analyst Researcher Senator Ambassador Mayor Commissioner Head Dean",
    "Fellow Deputy Senior Managing Officer CEO CFO Founder Editor Associate Assistant",
    "Emeritus Principal Lead Research Partner Strategist Scientist Adviser Advisor",
)
APPOSITIVE = re.compile(
    rf"(?P<name>{FULL_NAME}),\s+(?:(?:an?|the)\s+)?(?P<description>"
    r"(?:[a-z][\w-]*|[A-Z][\w&.-]*)(?:\s+(?:[a-z][\w-]*|[A-Z][\w&.\u2019'-]*)){0,14}?)"
    r"(?=\s*(?:[,;.:)]|\s(?:said|says|told|added|noted|explained|argued|warned)\b|$))"
)
TITLE_BEFORE = re.compile(rf"(?P<before>(?:[A-Z][\w&.-]*\s+){{1,5}})(?P<name>{FULL_NAME})")
PREPOSITION = re.compile(r"\s+(?:at|of|for|with|from|in charge of)\s+(?:the\s+)?")
SMALL_WORDS = {"of", "and", "at", "for", "the", "in", "on", "to", "with"}


def slug(name: str) -> str:
    """A speaker id from a name: "Michael Dunford" -> "michael-dunford"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "speaker"


def title_case(words: str) -> str:
    """A job description as a title: "emeritus professor" -> "Emeritus Professor"."""
    parts = words.split()
    return " ".join(
        part if part.isupper() or (index and part in SMALL_WORDS) else part[:1].upper() + part[1:]
        for index, part in enumerate(parts)
    )


def without_title(who: str) -> str:
    """ "IEA Executive Director Fatih Birol" -> "Fatih Birol"."""
    match = re.fullmatch(rf"(?:{ACRONYM}\s+)?(?:{TITLE_WORD}\s+){{1,3}}(?P<name>{FULL_NAME})", who)
    return match.group("name") if match else who


def is_name(candidate: str) -> bool:
    parts = candidate.replace("\u2019s", "").split()
    if not parts or any(part in NOT_NAMES for part in parts):
        return False
    if country_code(candidate) or any(country_code(part) for part in parts):
        return False
    return not re.search(rf"\b(?:{ORG_WORDS})\b", candidate)


def is_organization(candidate: str) -> bool:
    bare = re.sub(r"^[Tt]he\s+", "", candidate)
    return bool(re.fullmatch(ORGANIZATION, bare) or re.fullmatch(ACRONYM, bare))


@dataclass
class Speaker:
    id: str
    name: str
    title: str | None = None
    affiliation: str | None = None
    country: str | None = None
    organization: bool = False
    # Where the speaker is first named, and why each field is what it is.
    first_mention: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


@dataclass
class Mention:
    """A speaker named at `position` (outside quotation marks)."""

    position: int
    speaker: Speaker


class Speakers:
    """The article's speakers, by id, and every place one is named."""

    def __init__(self) -> None:
        self.by_id: dict[str, Speaker] = {}
        self.mentions: list[Mention] = []
        self.attributed: set[str] = set()

    def person(self, name: str, position: int) -> Speaker:
        """The speaker `name` refers to (a surname alone finds the full name), created if new."""
        name = " ".join(name.split()).removesuffix("\u2019s").removesuffix("'s")
        for speaker in self.by_id.values():
            if name in (speaker.name, speaker.surname) or speaker.name.endswith(f" {name}"):
                return speaker
        speaker = Speaker(slug(name), name, first_mention=position)
        if len(name.split()) == 1 and not speaker.organization:
            speaker.notes.append(f"named only as {name!r}: give the full name")
        self.by_id.setdefault(speaker.id, speaker)
        return self.by_id[speaker.id]

    def organization(self, name: str, position: int) -> Speaker:
        name = re.sub(r"^[Tt]he\s+", "", " ".join(name.split()))
        for speaker in self.by_id.values():
            if speaker.name == name:
                return speaker
        speaker = Speaker(slug(name), name, organization=True, first_mention=position)
        self.by_id.setdefault(speaker.id, speaker)
        return self.by_id[speaker.id]

    def mention(self, speaker: Speaker, position: int) -> None:
        insort(self.mentions, Mention(position, speaker), key=lambda mention: mention.position)

    def _before(self, position: int) -> list[Mention]:
        """The mentions before `position`, nearest last (found by bisection)."""
        return self.mentions[: bisect_left(self.mentions, position, key=lambda m: m.position)]

    def last_before(self, position: int, *, organization: bool | None = None) -> Speaker | None:
        for mention in reversed(self._before(position)):
            if organization is None or mention.speaker.organization == organization:
                return mention.speaker
        return None

    def named_within(self, start: int, end: int) -> bool:
        key = lambda mention: mention.position  # noqa: E731
        return bisect_left(self.mentions, end, key=key) > bisect_left(self.mentions, start, key=key)

    def described_before(self, position: int, noun: str) -> Speaker | None:
        """The last speaker before `position` whose title or name has `noun` ("professor")."""
        for mention in reversed(self._before(position)):
            speaker = mention.speaker
            if noun in f"{speaker.title or ''} {speaker.name}".lower():
                return speaker
        return None

    def people_named_before(self, position: int, most: int = 2) -> int:
        """How many different people are named before `position`, counting up to `most`."""
        seen: set[str] = set()
        for mention in reversed(self._before(position)):
            if not mention.speaker.organization:
                seen.add(mention.speaker.id)
                if len(seen) >= most:
                    break
        return len(seen)


def describe(speaker: Speaker, description: str) -> None:
    """Title, affiliation and country from an appositive: "emeritus professor at the University
    of Sussex in the United Kingdom"."""
    description = description.strip().rstrip(",.;")
    parts = PREPOSITION.split(description, maxsplit=1)
    title = parts[0].strip()
    if not title or len(title.split()) > 6:
        return
    speaker.title = title_case(title)
    if len(parts) > 1:
        affiliation = parts[1].strip()
        place = re.search(r"\s+in\s+(?:the\s+)?(?P<place>[A-Z][\w .\u2019'-]+)$", affiliation)
        if place and country_code(place.group("place")):
            speaker.country = country_code(place.group("place"))
            affiliation = affiliation[: place.start()]
        speaker.affiliation = re.sub(r"^the\s+", "", affiliation).strip() or None
    if speaker.country is None and speaker.affiliation:
        named = countries_in(speaker.affiliation)
        if named:
            speaker.country = named[0][2]
            speaker.notes.append(
                f"country {speaker.country} read from the affiliation's name: check"
            )
    speaker.notes.append(f"title and affiliation from {description!r}")


def introductions(text: str, start: int, end: int) -> list[tuple[int, str, str | None, str]]:
    """Where people are introduced in `text[start:end]`: (position, name, title words before
    the name or None, appositive description after it or "")."""
    found: list[tuple[int, str, str | None, str]] = []
    for match in APPOSITIVE.finditer(text, start, end):
        if is_name(match.group("name")):
            found.append((match.start(), match.group("name"), None, match.group("description")))
    for match in TITLE_BEFORE.finditer(text, start, end):
        before = match.group("before").split()
        titled = [word for word in before if word.rstrip(".") in TITLE_WORDS]
        if titled and before[-1].rstrip(".") in TITLE_WORDS and is_name(match.group("name")):
            found.append((match.start("name"), match.group("name"), " ".join(before), ""))
    return sorted(found)


def title_before(speaker: Speaker, words: str) -> None:
    """ "IEA Executive Director" -> title "Executive Director", affiliation "IEA"."""
    parts = words.split()
    first_title = next(i for i, word in enumerate(parts) if word.rstrip(".") in TITLE_WORDS)
    speaker.title = " ".join(parts[first_title:])
    if first_title:
        speaker.affiliation = " ".join(parts[:first_title])
    speaker.notes.append(f"title from {words!r} before the name")
