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
# A sparse record (`fields=`), or a page of them: JSON whose schema requires no member but
# `id`, so that the full documents' schemas keep every member required. It is served whatever
# JSON Accept allows (`application/json`, `*/*` or this type): the query chose it.
SPARSE_MEDIA_TYPE = "application/vnd.claimbase.sparse+json"
SPARSE_ACCEPTED = {"json": MEDIA_TYPES["json"], "sparse": SPARSE_MEDIA_TYPE}
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
        found = _decisive(ranges, media_type)
        if found is None:
            continue
        specificity, decisive = found
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


def _decisive(ranges: list[MediaRange], media_type: str) -> tuple[int, MediaRange] | None:
    """The most specific range naming `media_type` (it decides its quality), with how
    specific it is; None when no range names it."""
    matching = [(r.specificity(media_type), r) for r in ranges]
    matching = [(specificity, r) for specificity, r in matching if specificity >= 0]
    return max(matching, key=lambda pair: pair[0]) if matching else None


def refuses(accept: str | None, media_type: str) -> bool:
    """Whether Accept rates `media_type` 0 (`;q=0`) by its most specific range that names it."""
    if accept is None or not accept.strip():
        return False
    found = _decisive(parse_accept(accept), media_type)
    return found is not None and found[1].quality == 0


def _sparse_refused(accept: str | None) -> ApiError:
    return not_acceptable(
        accept,
        {"sparse": SPARSE_MEDIA_TYPE},
        " A `fields=` answer is always the sparse type; leave `fields` out for application/json.",
    )


def negotiate(accept: str | None, *, sparse: bool = False) -> str:
    """A list's format: the best-rated type of Accept (`json` for a sparse page, which the
    sparse type or JSON's may ask for, unless Accept refuses the sparse type by name)."""
    offered = {**MEDIA_TYPES, "sparse": SPARSE_MEDIA_TYPE} if sparse else MEDIA_TYPES
    chosen = best_of(accept, offered)
    if chosen is None:
        hint = " Each format also has its own path: add `.csv`, `.ndjson` or `.jsonld` to it."
        raise not_acceptable(accept, offered, hint)
    if chosen in SPARSE_ACCEPTED and sparse and refuses(accept, SPARSE_MEDIA_TYPE):
        raise _sparse_refused(accept)
    return "json" if chosen == "sparse" else chosen


def _check_accept(accept: str | None, offered: dict[str, str]) -> None:
    if accept is not None and best_of(accept, offered) is None:
        raise not_acceptable(accept, offered)


def accepts_record(accept: str | None, *, sparse: bool) -> None:
    """A record's Accept: JSON, or for a sparse record (`fields=`) also the sparse type,
    unless Accept refuses the sparse type by name."""
    _check_accept(accept, SPARSE_ACCEPTED if sparse else {"json": MEDIA_TYPES["json"]})
    if sparse and refuses(accept, SPARSE_MEDIA_TYPE):
        raise _sparse_refused(accept)


def accepting(media: str) -> Any:
    """The one rule for every operation that answers in one format only (records, versions,
    the feed, search, the summary, probes, writes in JSON; a list's format operations in
    theirs), as for lists: an Accept that allows none of it is a 406. (Problems are
    application/problem+json whatever Accept says.)"""
    return _accepting({media: MEDIA_TYPES[media]})


def _accepting(offered: dict[str, str]) -> Any:
    async def accepts(request: Request) -> None:
        _check_accept(request.headers.get("accept"), offered)

    return Depends(accepts)


JSON_ONLY_DEPENDENCY = accepting("json")
# A record and a version: JSON, or the sparse type (which alone will do only with `fields`,
# known once the parameters are read: accepts_record).
RECORD_DEPENDENCY = _accepting(SPARSE_ACCEPTED)
