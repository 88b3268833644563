"""What a draft holds: the source's metadata, claims, statistics and speakers, each with its
span in the article's text and the notes that tell an editor where to look."""

from dataclasses import dataclass, field
from datetime import date

from app.draft.people import Speaker
from app.draft.quantities import Period
from app.store.models import ClaimKind, Modality


@dataclass
class DraftSource:
    id: str
    title: str | None
    standfirst: str | None
    publisher: str | None
    authors: list[str]
    editors: list[str]
    published_on: date | None
    language: str
    url: str | None
    # Why each field is what it is (or why it is missing), by field name.
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class DraftClaim:
    id: str
    kind: ClaimKind
    speaker_id: str | None
    text: str
    start: int
    end: int
    # Which occurrence of `text` in the article, when it occurs more than once.
    occurrence: int | None = None
    # Why the drafter is unsure: each note is one thing an editor should check.
    notes: list[str] = field(default_factory=list)


@dataclass
class DraftStatistic:
    id: str
    claim_id: str
    indicator: str
    entity: str
    value: float
    unit: str
    display: str
    modality: Modality
    period: Period | None
    start: int
    end: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Draft:
    source: DraftSource
    claims: list[DraftClaim]
    statistics: list[DraftStatistic]
    speakers: list[Speaker]
