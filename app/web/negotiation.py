"""Content negotiation: the list formats, and which one an `Accept` header (or `format=`) asks
for."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.web.problems import ApiError

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "jsonld": "application/ld+json",
}
STREAMED = {"csv", "ndjson"}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float
    position: int

    def specificity(self, media_type: str) -> int:
        """How precisely this range names `media_type`: -1 not at all, 0 `*/*` ... 2 exact."""
        kind, subtype = media_type.split("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == subtype else -1


def _quality(parameters: Sequence[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


def parse_accept(header: str) -> list[MediaRange]:
    ranges = []
    for position, item in enumerate(header.split(",")):
        media_type, *parameters = item.split(";")
        kind, slash, subtype = media_type.strip().lower().partition("/")
        if kind and slash and subtype:
            ranges.append(MediaRange(kind, subtype, _quality(parameters), position))
    return ranges


def negotiate(accept: str | None, format_param: str | None) -> str:
    """The format to answer with: `format` wins, then the best-rated type of Accept
    (most specific range decides a type's quality; ties go to the one listed first)."""
    if format_param is not None:
        return format_param
    if accept is None or not accept.strip():
        return "json"
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for name, media_type in MEDIA_TYPES.items():
        matching = [(r.specificity(media_type), r) for r in ranges]
        matching = [(specificity, r) for specificity, r in matching if specificity >= 0]
        if not matching:
            continue
        specificity, decisive = max(matching, key=lambda pair: pair[0])
        rank = (decisive.quality, specificity, -decisive.position)
        if decisive.quality > 0 and (best is None or rank > best):
            best, chosen = rank, name
    if chosen is None:
        raise ApiError(
            "not-acceptable",
            f"Lists are served as {', '.join(MEDIA_TYPES.values())}; the Accept header "
            f"{accept!r} allows none of them. `?format=` selects one explicitly.",
        )
    return chosen
