"""Drafting one article: the header read for metadata, every paragraph of the body read for
quoted passages, reported speech and the publication's own statements, speakers resolved,
figures read in every claim, and ids proposed. Deterministic: the same text gives the same
draft; nothing is fetched.

    draft = draft_article(text, source_id="csst-2024-05-20-new-quality-productive-forces")
"""

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date

from app.draft import attribution
from app.draft.attribution import Attribution
from app.draft.header import CAPTION, Header, read_header
from app.draft.model import Draft, DraftClaim, DraftSource, DraftStatistic
from app.draft.people import (
    ACRONYM,
    ORGANIZATION_NOUNS,
    PRONOUN,
    ROLE,
    Speaker,
    Speakers,
    describe,
    introductions,
    is_name,
    is_organization,
    slug,
    title_before,
    without_title,
)
from app.draft.quantities import figures_in
from app.draft.text import Paragraph, Quote, Span, paragraphs, trimmed, words
from app.store.models import ClaimKind

STOP_WORDS = {"a", "an", "the", "to", "of", "for", "in", "on", "and", "or", "at", "by", "with"}
LABEL = re.compile(
    r"(?P<label>Q|A|Question|Answer|[A-Z][\w.\u2019'-]*(?:\s+[A-Z][\w.\u2019'-]*){0,3})\s*:\s+"
)
QUESTION_LABELS = {"Q", "Question"}
ANSWER_LABELS = {"A", "Answer"}
# A quoted passage this short inside the publication's own sentence names something ("termed
# “new quality productive forces”"); it is not a quote of anyone.
SCARE_QUOTE_WORDS = 7
# The publication's notes about the article itself: not statements of anyone.
EDITORIAL_NOTE = re.compile(
    r"(?:\(?This (?:interview|article|story|transcript) (?:has been|was) (?:edited|condensed|"
    r"updated|corrected)|\(?(?:Reporting|Additional reporting|Writing|Editing) by\b)"
)


@dataclass
class Metadata:
    """What the caller knows about the source; it wins over what the header says."""

    title: str | None = None
    standfirst: str | None = None
    publisher: str | None = None
    authors: list[str] | None = None
    editors: list[str] | None = None
    published_on: date | None = None
    language: str | None = None
    url: str | None = None


@dataclass
class Voice:
    """Who speaks where, while a paragraph is read."""

    reporter: Speaker | None = None  # reported speech that goes on ("He continued to say ...")
    last: Speaker | None = None  # the speaker of the paragraph's last quote or paraphrase


@dataclass
class Claim:
    kind: ClaimKind
    speaker: Speaker | None
    start: int
    end: int
    notes: list[str] = field(default_factory=list)


class Drafter:
    def __init__(self, text: str, header: Header) -> None:
        self.text = text
        self.header = header
        self.speakers = Speakers()
        self.claims: list[Claim] = []

    # --- who -------------------------------------------------------------------------------

    def resolve(self, who: str, at: int) -> tuple[Speaker | None, str | None]:
        """The speaker a reference names, and a note when the reading is not certain."""
        who = " ".join(who.split())
        if re.fullmatch(PRONOUN, who):
            speaker = self.speakers.last_before(at, organization=False)
            if speaker is None:
                return None, None
            note = (
                f"{who!r} read as the last named speaker, {speaker.name}"
                if self.speakers.people_named_before(at) > 1
                else None
            )
            return speaker, note
        if re.fullmatch(ROLE, who):
            noun = who.split()[-1].lower()
            described = self.speakers.described_before(at, noun)
            if described is not None:
                return described, None
            organization = noun in ORGANIZATION_NOUNS
            speaker = self.speakers.last_before(at, organization=organization)
            if speaker is None:
                return None, None
            return speaker, f"{who!r} read as {speaker.name}"
        bare = without_title(re.sub(r"^[Tt]he\s+", "", who))
        if is_name(bare) and not re.fullmatch(ACRONYM, bare):
            return self.speakers.person(bare, at), None
        if is_organization(who):
            return self.speakers.organization(who, at), None
        return None, None

    def attributed(self, found: Attribution) -> tuple[Speaker | None, list[str]]:
        speaker, note = self.resolve(found.who, found.who_at)
        if speaker is None:
            return None, []
        self.speakers.mention(speaker, found.who_at)
        return speaker, [note] if note else []

    def register_people(self, body: list[Paragraph]) -> None:
        """Everyone the body introduces ("Michael Dunford, emeritus professor at ..."), so
        that a later "Dunford" or "he" finds them; quoted words introduce no one."""
        for paragraph in body:
            for sentence in paragraph.sentences:
                for position, name, before, description in introductions(
                    self.text, sentence.start, sentence.end
                ):
                    if _in_quotes(position, paragraph.quotes):
                        continue
                    speaker = self.speakers.person(name, position)
                    if speaker.title is None and speaker.affiliation is None:
                        if before:
                            title_before(speaker, before)
                        elif description:
                            describe(speaker, description)
                    self.speakers.mention(speaker, position)

    # --- claims ----------------------------------------------------------------------------

    def add(self, kind: ClaimKind, speaker: Speaker | None, span: Span, notes: list[str]) -> None:
        span = trimmed(self.text, span.start, span.end)
        if span.end <= span.start:
            return
        if kind is not ClaimKind.author_statement and speaker is None:
            return
        if speaker is not None:
            self.speakers.attributed.add(speaker.id)
        self.claims.append(Claim(kind, speaker, span.start, span.end, notes))

    def quote_span(self, quote: Quote) -> Span:
        """The words inside the marks, without the comma before the closing mark."""
        span = trimmed(self.text, quote.inner.start, quote.inner.end)
        end = span.end
        if end > span.start and self.text[end - 1] == ",":
            end -= 1
        return Span(span.start, end)

    def read_paragraph(self, paragraph: Paragraph, voice: Voice, start: int) -> None:
        pending: list[Span] = []  # the publication's sentences a closing attribution may claim
        opens = [quote.open for quote in paragraph.quotes]
        for sentence in paragraph.sentences:
            if sentence.end <= start:
                continue
            sentence = Span(max(sentence.start, start), sentence.end)
            inside = paragraph.quotes[
                bisect_left(opens, sentence.start) : bisect_left(opens, sentence.end)
            ]
            if inside and self.quotes_only(sentence, inside):
                self.read_quotes(sentence, inside, voice)
                voice.reporter = None
                pending = []
                continue
            found = attribution.reported(self.text, sentence.start, sentence.end)
            if found is None and self.read_split(sentence, voice):
                pending = []
                continue
            speaker, notes = self.attributed(found) if found else (None, [])
            if found and speaker is not None:
                content = Span(found.content_start, found.content_end)
                self.add(ClaimKind.paraphrase, speaker, content, notes)
                if found.form == "closing":
                    for earlier in self.claimable(pending):
                        self.add(
                            ClaimKind.paraphrase,
                            speaker,
                            self.without_period(earlier),
                            [f"no attribution of its own: read as {speaker.name}'s, from the "
                             f"attribution later in the paragraph"],
                        )  # fmt: skip
                        self.forget_author_statement(earlier)
                pending = []
                voice.reporter = voice.last = speaker
                self.embedded_quotes(inside, speaker, sentence)
            elif voice.reporter is not None:
                note = (
                    f"no attribution of its own: continues {voice.reporter.name}'s reported "
                    "speech from the sentence before"
                )
                self.add(
                    ClaimKind.paraphrase, voice.reporter, self.without_period(sentence), [note]
                )
                self.embedded_quotes(inside, voice.reporter, sentence)
            else:
                self.add(ClaimKind.author_statement, None, sentence, [])
                pending.append(sentence)
                self.unattributed_quotes(inside, sentence, voice)

    def claimable(self, pending: list[Span]) -> list[Span]:
        """The sentences just before a closing attribution ("..., Dunford observed.") that it
        covers: back to one that names someone (an introduction is the publication's)."""
        covered: list[Span] = []
        for sentence in reversed(pending):
            if self.speakers.named_within(sentence.start, sentence.end):
                break
            covered.insert(0, sentence)
        return covered

    def read_split(self, sentence: Span, voice: Voice) -> bool:
        """ "A, Raman said, but she warned that B.": A and B are both reported (B through its
        own attribution when it has one)."""
        split = attribution.split_in_the_middle(self.text, sentence.start, sentence.end)
        if split is None:
            return False
        first, rest = split
        speaker, notes = self.attributed(first)
        if speaker is None:
            return False
        self.add(ClaimKind.paraphrase, speaker, Span(first.content_start, first.content_end), notes)
        second = attribution.reported(self.text, rest, sentence.end)
        other, other_notes = self.attributed(second) if second else (None, [])
        if second is not None and other is not None:
            span = Span(second.content_start, second.content_end)
            self.add(ClaimKind.paraphrase, other, span, other_notes)
        else:
            note = f"the second half of a sentence attributed to {speaker.name} in its middle"
            self.add(
                ClaimKind.paraphrase, speaker, self.without_period(Span(rest, sentence.end)), [note]
            )
        voice.reporter = voice.last = other or speaker
        return True

    def forget_author_statement(self, span: Span) -> None:
        self.claims = [
            c
            for c in self.claims
            if not (c.kind is ClaimKind.author_statement and c.start == span.start)
        ]

    def without_period(self, sentence: Span) -> Span:
        end = sentence.end
        if self.text[end - 1] in ".!" and not self.text[sentence.start : end].endswith("..."):
            end -= 1
        return Span(sentence.start, end)

    def quotes_only(self, sentence: Span, inside: list[Quote]) -> bool:
        """Whether the sentence is its quoted passages and their attribution, nothing else
        ("“...,” Dunford said. “...”"; not "Doe said the goal was to “build ...”")."""
        rest, position = [], sentence.start
        for quote in inside:
            rest.append(self.text[position : quote.open])
            position = min(quote.close + 1, sentence.end)
        rest.append(self.text[position : sentence.end])
        return all(attribution.only_attribution(piece) for piece in rest)

    def read_quotes(self, sentence: Span, inside: list[Quote], voice: Voice) -> None:
        """Each quoted passage of a quote sentence, attributed by the words after it, or before
        it, or else to the voice that was speaking."""
        previous_end = sentence.start
        for index, quote in enumerate(inside):
            following = inside[index + 1].open if index + 1 < len(inside) else sentence.end
            found = attribution.after_quote(self.text, quote.close + 1, following)
            if found is None:
                found = attribution.before_quote(self.text, previous_end, quote.open)
            notes: list[str] = []
            speaker = None
            if found is not None:
                speaker, notes = self.attributed(found)
            if speaker is None:
                speaker = voice.last or self.speakers.last_before(quote.open, organization=False)
                if speaker is None:
                    previous_end = quote.close + 1
                    continue
                notes = [f"no attribution of its own: read as {speaker.name}'s, who spoke last"]
            if not quote.closed:
                notes.append("the quotation marks do not close in this paragraph")
            self.add(ClaimKind.direct_quote, speaker, self.quote_span(quote), notes)
            voice.last = speaker
            previous_end = quote.close + 1

    def embedded_quotes(self, inside: list[Quote], speaker: Speaker, sentence: Span) -> None:
        """Words quoted within someone's reported speech are that person's words."""
        for quote in inside:
            note = f"quoted within {speaker.name}'s reported speech"
            self.add(ClaimKind.direct_quote, speaker, self.quote_span(quote), [note])

    def unattributed_quotes(self, inside: list[Quote], sentence: Span, voice: Voice) -> None:
        """A long quoted passage inside the publication's sentence is someone's words (the
        last speaker's, as a guess); a short one names something and is not a quote."""
        for quote in inside:
            span = self.quote_span(quote)
            if len(words(self.text[span.start : span.end])) <= SCARE_QUOTE_WORDS:
                continue
            found = attribution.before_quote(self.text, sentence.start, quote.open)
            speaker, notes = self.attributed(found) if found else (None, [])
            if speaker is None:
                speaker = voice.last or self.speakers.last_before(quote.open, organization=False)
                if speaker is None:
                    continue
                notes = [f"quoted without attribution: read as {speaker.name}'s, who spoke last"]
            self.add(ClaimKind.direct_quote, speaker, span, notes)

    # --- interviews ------------------------------------------------------------------------

    def read_interview(self, body: list[Paragraph], interviewee: Speaker | None) -> set[int]:
        """Q&A: answers ("A: ...", "Dunford: ...") and the paragraphs that continue them are
        the interviewee's words; questions are not claims. Returns the paragraphs read."""
        read: set[int] = set()
        answering: Speaker | None = None
        for index, paragraph in enumerate(body):
            label = LABEL.match(self.text, paragraph.start, paragraph.end)
            name = label.group("label") if label else None
            if name in QUESTION_LABELS or (name and self.is_interviewer(name)):
                answering = None
                read.add(index)
                continue
            if label and name is not None:
                speaker = interviewee if name in ANSWER_LABELS else self.label_speaker(name)
                if speaker is None:
                    continue
                answering = speaker
                span = Span(label.end(), paragraph.end)
                self.add(ClaimKind.direct_quote, speaker, span, [])
                read.add(index)
            elif EDITORIAL_NOTE.match(self.text, paragraph.start):
                read.add(index)
            elif answering is not None and not _heading(self.text, paragraph):
                note = f"continues {answering.name}'s answer (no label of its own)"
                self.add(
                    ClaimKind.direct_quote, answering, Span(paragraph.start, paragraph.end), [note]
                )
                read.add(index)
        return read

    def is_interviewer(self, label: str) -> bool:
        publisher = self.header.publisher or ""
        initials = "".join(word[0] for word in publisher.split() if word[0].isupper())
        return label in (publisher, initials) or (
            re.fullmatch(ACRONYM, label) is not None and label not in self.speakers.by_id
        )

    def label_speaker(self, label: str) -> Speaker | None:
        for speaker in self.speakers.by_id.values():
            if label in (speaker.name, speaker.surname):
                return speaker
        return None


def _in_quotes(position: int, quotes: list[Quote]) -> bool:
    return any(quote.open < position < quote.close for quote in quotes)


def _heading(text: str, paragraph: Paragraph) -> bool:
    """A section heading: one short line that does not end like a sentence."""
    content = text[paragraph.start : paragraph.end]
    return (
        len(paragraph.lines) == 1
        and len(content.split()) <= 12
        and content[-1:] not in ".!?\u201d\"':"
    )


def _interview(text: str, body: list[Paragraph]) -> bool:
    labels = [LABEL.match(text, p.start, p.end) for p in body]
    names = [label.group("label") for label in labels if label]
    return any(name in QUESTION_LABELS for name in names) and len(names) >= 4


def _interviewee(drafter: Drafter) -> Speaker | None:
    people = [s for s in drafter.speakers.by_id.values() if not s.organization]
    return people[0] if people else None


def source_id_for(header: Header, metadata: Metadata, text: str) -> str:
    """ "csst-2024-05-20-new-quality-productive-forces": publisher initials, date, title."""
    publisher = metadata.publisher or header.publisher or ""
    title = metadata.title or header.title or ""
    published_on = metadata.published_on or header.published_on
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", publisher) if w[0].isupper())
    title_words: list[str] = []
    for word in re.findall(r"[A-Za-z0-9]+", title.lower()):
        if word in STOP_WORDS and title_words:
            break
        title_words.append(word)
    parts = [initials.lower(), published_on.isoformat() if published_on else "", *title_words[:5]]
    made = slug(" ".join(part for part in parts if part))
    return made if made != "speaker" else "draft-" + hashlib.sha256(text.encode()).hexdigest()[:8]


def claim_prefix(title: str | None, source_id: str) -> str:
    """ "nqpf" for "New quality productive forces to ...": the initials of the title's first
    words, up to the first small word (at most four)."""
    initials: list[str] = []
    for word in re.findall(r"[A-Za-z0-9]+", (title or "").lower()):
        if word in STOP_WORDS and initials:
            break
        initials.append(word[0])
    prefix = "".join(initials[:4])
    return prefix if len(prefix) >= 2 else slug(source_id)[:12].strip("-")


class Occurrences:
    """Which occurrence of a text a span is, counted as `find_span` counts them (overlapping
    ones too); each distinct text is searched once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: dict[str, list[int]] = {}

    def of(self, claim: str, start: int) -> int | None:
        """None when `claim` occurs only once."""
        starts = self.starts.get(claim)
        if starts is None:
            starts, position = [], self.text.find(claim)
            while position != -1:
                starts.append(position)
                position = self.text.find(claim, position + 1)
            self.starts[claim] = starts
        return None if len(starts) <= 1 else bisect_left(starts, start) + 1


def draft_article(
    text: str,
    *,
    source_id: str | None = None,
    metadata: Metadata | None = None,
    author_statements: bool = True,
) -> Draft:
    """The draft of one article's seed: metadata, claims, statistics and speakers."""
    metadata = metadata or Metadata()
    found = paragraphs(text)
    header = read_header(text, found)
    drafter = Drafter(text, header)
    body = header.body
    drafter.register_people(body)
    interview = _interview(text, body)
    answered = drafter.read_interview(body, _interviewee(drafter)) if interview else set()
    voice = Voice()
    for index, paragraph in enumerate(body):
        skipped = _heading(text, paragraph) or CAPTION.match(text, paragraph.start)
        if index in answered or skipped or EDITORIAL_NOTE.match(text, paragraph.start):
            voice = Voice()
            continue
        start = header.body_starts_at if index == 0 else paragraph.start
        previous_last = voice.last
        voice = Voice(last=previous_last)
        drafter.read_paragraph(paragraph, voice, start)

    source = _source(text, header, metadata, source_id)
    prefix = claim_prefix(source.title, source.id)
    kept = sorted(
        (
            c
            for c in drafter.claims
            if author_statements or c.kind is not ClaimKind.author_statement
        ),
        key=lambda c: (c.start, -c.end),
    )
    occurrences = Occurrences(text)
    claims = [
        DraftClaim(
            id=f"{prefix}-{number:02d}",
            kind=claim.kind,
            speaker_id=claim.speaker.id if claim.speaker else None,
            text=text[claim.start : claim.end],
            start=claim.start,
            end=claim.end,
            occurrence=occurrences.of(text[claim.start : claim.end], claim.start),
            notes=claim.notes,
        )
        for number, claim in enumerate(kept, 1)
    ]
    statistics = _statistics(text, claims, source.published_on)
    speakers = sorted(
        (s for s in drafter.speakers.by_id.values() if s.id in drafter.speakers.attributed),
        key=lambda s: s.first_mention,
    )
    return Draft(source, claims, statistics, speakers)


def _source(text: str, header: Header, metadata: Metadata, source_id: str | None) -> DraftSource:
    notes = dict(header.notes)
    for name in ("title", "publisher", "published_on"):
        if getattr(metadata, name) is None and getattr(header, name) is None:
            notes[name] = "not found in the header: fill in"
    if not (metadata.authors or header.authors):
        notes["authors"] = "no byline found: fill in"
    for name, value in vars(metadata).items():
        if value is not None:
            notes[name] = "given with the request"
    return DraftSource(
        id=source_id or source_id_for(header, metadata, text),
        title=metadata.title or header.title,
        standfirst=metadata.standfirst or header.standfirst,
        publisher=metadata.publisher or header.publisher,
        authors=metadata.authors if metadata.authors is not None else header.authors,
        editors=metadata.editors if metadata.editors is not None else header.editors,
        published_on=metadata.published_on or header.published_on,
        language=metadata.language or "en",
        url=metadata.url,
        notes=notes,
    )


def _statistics(
    text: str, claims: list[DraftClaim], published_on: date | None
) -> list[DraftStatistic]:
    statistics: list[DraftStatistic] = []
    taken: set[tuple[int, int]] = set()
    used_ids: set[str] = {"summary"}
    # The next number to try after each id already used: repeats stay linear.
    next_number: dict[str, int] = {}
    for claim in claims:
        for figure in figures_in(text, published_on, (claim.start, claim.end)):
            span = (figure.start, figure.end)
            if span in taken:
                continue  # a quote within a paraphrase: the figure is the paraphrase's
            taken.add(span)
            base = slug(f"{figure.entity} {figure.indicator}")[:120]
            statistic_id, number = base, next_number.get(base, 2)
            while statistic_id in used_ids:
                statistic_id, number = f"{base}-{number}", number + 1
            next_number[base] = number
            used_ids.add(statistic_id)
            statistics.append(
                DraftStatistic(
                    id=statistic_id,
                    claim_id=claim.id,
                    indicator=figure.indicator or "figure",
                    entity=figure.entity,
                    value=figure.value,
                    unit=figure.unit,
                    display=figure.display,
                    modality=figure.modality,
                    period=figure.period,
                    start=span[0],
                    end=span[1],
                    notes=figure.notes,
                )
            )
    return statistics
