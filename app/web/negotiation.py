"""Content negotiation: the list formats, and which one an `Accept` header (or `format=`) asks
for."""

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Depends, Request

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


def best_of(accept: str | None, offered: dict[str, str]) -> str | None:
    """The name of the offered media type that `accept` rates best (most specific range
    decides a type's quality; ties go to the type listed first, then the one offered first);
    None when it allows none of them. No Accept (or an empty one) takes the first offered."""
    if accept is None or not accept.strip():
        return next(iter(offered))
    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for name, media_type in offered.items():
        matching = [(r.specificity(media_type), r) for r in ranges]
        matching = [(specificity, r) for specificity, r in matching if specificity >= 0]
        if not matching:
            continue
        specificity, decisive = max(matching, key=lambda pair: pair[0])
        rank = (decisive.quality, specificity, -decisive.position)
        if decisive.quality > 0 and (best is None or rank > best):
            best, chosen = rank, name
    return chosen


def not_acceptable(accept: str | None, offered: dict[str, str], hint: str = "") -> ApiError:
    return ApiError(
        "not-acceptable",
        f"This operation answers in {', '.join(offered.values())}; the Accept header "
        f"{accept!r} allows none of them.{hint}",
    )


def negotiate(accept: str | None, format_param: str | None) -> str:
    """A list's format: `format` wins, then the best-rated type of Accept."""
    if format_param is not None:
        return format_param
    chosen = best_of(accept, MEDIA_TYPES)
    if chosen is None:
        raise not_acceptable(accept, MEDIA_TYPES, " `?format=` selects one explicitly.")
    return chosen


JSON_ONLY = {"json": MEDIA_TYPES["json"]}


async def accepts_json(request: Request) -> None:
    """The one rule for every operation that answers only in JSON (records, versions, the
    feed, search, the summary, probes, writes), as for lists: an Accept that allows no JSON
    is a 406. (Problems are application/problem+json whatever Accept says.)"""
    accept = request.headers.get("accept")
    if accept is not None and best_of(accept, JSON_ONLY) is None:
        raise not_acceptable(accept, JSON_ONLY)


JSON_ONLY_DEPENDENCY = Depends(accepts_json)
