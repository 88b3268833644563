"""Reviews: fact-checkers' verdicts on a claim, or on one of its figures, with a rating from a
fixed scale (schema.org ClaimReview). A review says whether the source is right; the claim
and its figures stay what the source says."""

from datetime import date
from typing import Annotated, Any

from pydantic import Field as Constraints
from pydantic import FiniteFloat, model_validator

from app.formats.linked_data import LinkedData
from app.query.filters import AnyOf
from app.resources.kernel import (
    Document,
    Facet,
    Field,
    Relation,
    Resource,
    Sort,
    Term,
    Write,
    enum_values,
    resource_named,
)
from app.store.models import Rating
from app.web.problems import invalid_body
from app.write.validation import ID, Text

# ClaimReview's numeric scale: 5 (best) to 1 (worst); an unverifiable claim has no value.
RATING_VALUES: dict[Rating, int | None] = {
    Rating.accurate: 5,
    Rating.mostly_accurate: 4,
    Rating.misleading: 3,
    Rating.mostly_inaccurate: 2,
    Rating.inaccurate: 1,
    Rating.unverifiable: None,
}
BEST_RATING, WORST_RATING = 5, 1
URL = r"^https?://\S+$"
Url = Annotated[Text, Constraints(pattern=URL, max_length=2000)]
Optional = Annotated[Text, Constraints(min_length=1, max_length=2000)] | None


def check_reference(statistic: str | None, value: float | None, source: str | None) -> None:
    """A reference value is another figure for the reviewed one: it needs the statistic and
    where it comes from (write bodies and seed entries alike)."""
    if value is not None and statistic is None:
        raise ValueError("reference_value is a figure for a statistic: name the statistic")
    if value is not None and source is None:
        raise ValueError("reference_value needs its reference_source")


def _reference_needs_figure(body: Any) -> Any:
    check_reference(body.statistic_id, body.reference_value, body.reference_source)
    return body


def _prepare(write: Write) -> None:
    """A reviewed figure belongs to the reviewed claim."""
    statistic = write.referenced.get("statistic_id")
    if statistic is not None and statistic["claim_id"] != write.body["claim_id"]:
        raise invalid_body(
            "statistic_id",
            f"statistic {statistic['id']!r} is a figure of claim {statistic['claim_id']!r}, "
            f"not of {write.body['claim_id']!r}",
        )


def _linked(linked: LinkedData, review: Document) -> Document:
    """ClaimReview: the Claim reviewed (its text as `claimReviewed`) and the Rating."""
    claim = review["claim"]
    rating = Rating(review["rating"])
    value = RATING_VALUES[rating]
    reviewed: Document = {
        "@id": linked.url(resource_named("claim"), review["claim_id"]),
        "@type": "Claim",
    }
    if claim is not None:
        reviewed["text"] = claim["text"]
    numbers = {} if value is None else {
        "ratingValue": value, "bestRating": BEST_RATING, "worstRating": WORST_RATING
    }  # fmt: skip
    extra: Document = {
        "itemReviewed": reviewed,
        "claimReviewed": None if claim is None else claim["text"],
        "reviewRating": {"@type": "Rating", "alternateName": rating.value, **numbers},
    }
    if review["statistic_id"] is not None:
        extra["about"] = {"@id": linked.url(resource_named("statistic"), review["statistic_id"])}
    return extra


REVIEW = Resource(
    name="review",
    plural="reviews",
    summary=__doc__ or "",
    fields=(
        Field("id", str, examples=["nqpf-21-capacity-check"], write=ID),
        Field(
            "claim_id",
            str,
            description="The claim reviewed.",
            examples=["nqpf-21"],
            filters=(AnyOf("claim", "Claim id.", "nqpf-21"),),
            write=(Text, Constraints(max_length=128)),
            reference="claim",
        ),
        Field(
            "statistic_id",
            str | None,
            description="The figure of that claim reviewed, if the review is about one.",
            examples=["chn-monthly-wafer-capacity"],
            filters=(AnyOf("statistic", "Statistic id.", "chn-monthly-wafer-capacity"),),
            write=(Annotated[Text, Constraints(max_length=128)] | None, Constraints(None)),
            reference="statistic",
        ),
        Field(
            "rating",
            Rating,
            description="The verdict, best first: " + ", ".join(enum_values(Rating)) + " "
            "(docs/reference.md#rating-scale).",
            examples=["accurate"],
            filters=(AnyOf("rating", "Rating.", "misleading,inaccurate", enum_values(Rating)),),
            sort=Sort("rating", ("rating",)),
            facet=Facet("rating"),
            write=(Rating, Constraints()),
        ),
        Field(
            "reviewer",
            str,
            description="Who reviewed it (a person or an organisation).",
            examples=["Example Fact Check Desk"],
            filters=(AnyOf("reviewer", "Reviewer.", "Example Fact Check Desk", values="text"),),
            write=(Text, Constraints(min_length=1, max_length=200)),
            term=Term("author", node="Organization"),
        ),
        Field(
            "reviewed_on",
            date,
            examples=["2024-06-01"],
            sort=Sort("reviewed_on", ("reviewed_on",)),
            write=(date, Constraints()),
            term=Term("datePublished"),
        ),
        Field(
            "url",
            str | None,
            description="Where the review is published.",
            examples=["https://factcheck.example/reviews/wafer-capacity"],
            write=(Url | None, Constraints(None)),
            term=Term("url"),
        ),
        Field(
            "explanation",
            str,
            description="Why the rating: what was checked, against what.",
            write=(Text, Constraints(min_length=1, max_length=10_000)),
            term=Term("reviewBody"),
        ),
        Field(
            "reference_value",
            float | None,
            description="For a figure: the value the reviewer found, in the statistic's unit.",
            examples=[7600000.0],
            write=(FiniteFloat | None, Constraints(None)),
        ),
        Field(
            "reference_source",
            str | None,
            description="Where `reference_value` comes from (a citation or a URL).",
            write=(Optional, Constraints(None)),
        ),
    ),
    relations=(
        Relation("claim", "claim", key="claim_id"),
        Relation("statistic", "statistic", key="statistic_id"),
    ),
    linked_type="ClaimReview",
    linked_extra=_linked,
    linked_includes=frozenset({"claim"}),
    body_checks={"reference_needs_figure": model_validator(mode="after")(_reference_needs_figure)},
    prepare=_prepare,
)
