"""Content negotiation: the list formats, and which one an `Accept` header asks for. Each
format also has an operation of its own (`/v1/claims.csv`), which answers only in it."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from app.web.problems import ApiError

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "jsonld": "application/ld+json",
}
STREAMED = {"csv", "ndjson"}
# A list's operation of its own for each format but JSON: the list's path and this suffix.
FORMAT_SUFFIXES = {"csv": ".csv", "ndjson": ".ndjson", "jsonld": ".jsonld"}


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


def negotiate(accept: str | None) -> str:
    """A list's format: the best-rated type of Accept."""
    chosen = best_of(accept, MEDIA_TYPES)
    if chosen is None:
        hint = " Each format also has its own path: add `.csv`, `.ndjson` or `.jsonld` to it."
        raise not_acceptable(accept, MEDIA_TYPES, hint)
    return chosen


def accepting(media: str) -> Any:
    """The one rule for every operation that answers in one format only (records, versions,
    the feed, search, the summary, probes, writes in JSON; a list's format operations in
    theirs), as for lists: an Accept that allows none of it is a 406. (Problems are
    application/problem+json whatever Accept says.)"""
    offered = {media: MEDIA_TYPES[media]}

    async def accepts(request: Request) -> None:
        accept = request.headers.get("accept")
        if accept is not None and best_of(accept, offered) is None:
            raise not_acceptable(accept, offered)

    return Depends(accepts)


JSON_ONLY_DEPENDENCY = accepting("json")
