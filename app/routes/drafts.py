"""Drafts: an article's text in, a draft of its claims, statistics and speakers out, for an
editor to review before anything is written (nothing is stored). The drafter is rule-based,
deterministic and offline (`app/draft/`); docs/drafting.md is the workflow."""

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, ValidationError

from app.resources import CLAIM, SCHEMAS, SOURCE, SPEAKER, STATISTIC
from app.resources.schemas import draft_model
from app.web.guards import read_json_body
from app.web.problems import invalid_body
from app.web.responses import ANY_REQUEST, json_response, problems
from app.write.auth import Writer
from app.write.bodies import invalid
from app.write.validation import LANGUAGE, SLUG, Name, Strict, Text

if TYPE_CHECKING:  # the drafter is imported by the endpoint that drafts (create_draft)
    from app.draft import Draft

# The longest article drafted in one request, in characters (code points): about 30,000
# words, far more than an article; drafting it takes at most a few seconds.
MAX_DRAFT_TEXT = 200_000
MEDIA_TYPES = ("application/json",)

router = APIRouter(tags=["drafts"])


class DraftRequest(Strict):
    """An article's text and what is known about it (each given field wins over what the
    drafter reads in the text's header)."""

    text: Text = Field(
        min_length=1,
        max_length=MAX_DRAFT_TEXT,
        description="The article as plain text, headline and byline first (the shape of the "
        "seed's text files). At most 200,000 characters.",
        examples=["Rice prices hit 15-year high\n\nBy Laura Mendes | 06-12-2025\nClaimwire\n\n..."],
    )
    source_id: Annotated[Text, Field(pattern=SLUG, max_length=128)] | None = Field(
        None, description="The source's id (default: made from publisher, date and title)."
    )
    title: Annotated[Text, Field(min_length=1, max_length=1000)] | None = None
    publisher: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    authors: list[Name] | None = Field(None, max_length=100)
    published_on: date | None = None
    language: Annotated[Text, Field(pattern=LANGUAGE, max_length=35)] | None = None
    url: Annotated[Text, Field(max_length=2000)] | None = None
    author_statements: bool = Field(
        True, description="Draft the publication's own statements too (`author_statement`)."
    )


DraftSource = draft_model(
    SOURCE,
    SCHEMAS["source"].read,
    leave_out=frozenset({"text"}),
    unknown=frozenset({"title", "publisher", "published_on"}),
)
DraftClaim = draft_model(
    CLAIM,
    SCHEMAS["claim"].read,
    extra={
        "occurrence": (
            int | None,
            Field(
                description="Which occurrence of `text` in the article, when it repeats "
                "(send it with create_claim)."
            ),
        )
    },
)
DraftStatistic = draft_model(STATISTIC, SCHEMAS["statistic"].read, unknown=frozenset({"period"}))
DraftSpeaker = draft_model(SPEAKER, SCHEMAS["speaker"].read)


class DraftDocument(BaseModel):
    """A draft of one article's seed: every text verbatim with its span in the text sent."""

    source: DraftSource  # type: ignore[valid-type]
    claims: list[DraftClaim]  # type: ignore[valid-type]
    statistics: list[DraftStatistic]  # type: ignore[valid-type]
    speakers: list[DraftSpeaker]  # type: ignore[valid-type]


async def draft_request(request: Request, _caller: Writer) -> DraftRequest:
    """The request's JSON (the article's text and what is known about it), read after the key
    is checked: not UTF-8 or not JSON is a 400, a text empty, blank or too long a 422."""
    document = await read_json_body(request, MEDIA_TYPES)
    try:
        body = DraftRequest.model_validate(document)
    except ValidationError as error:
        raise invalid(error) from None
    if not body.text.strip():
        raise invalid_body("text", "is blank: there is no article to draft")
    return body


def draft_document(draft: "Draft", text: str) -> dict[str, Any]:
    """The draft in the API's shapes: what the read endpoints serve, less what a stored
    record has, plus notes."""
    source = draft.source
    documents: dict[str, Any] = {
        "source": {
            "id": source.id,
            "title": source.title,
            "standfirst": source.standfirst,
            "publisher": source.publisher,
            "authors": source.authors,
            "editors": source.editors,
            "published_on": source.published_on,
            "language": source.language,
            "url": source.url,
            "sha256": _sha256(text),
            "notes": [f"{name}: {note}" for name, note in source.notes.items()],
        },
        "claims": [
            {
                "id": c.id,
                "kind": c.kind.value,
                "text": c.text,
                "span": {"start": c.start, "end": c.end},
                "speaker_id": c.speaker_id,
                "source_id": source.id,
                "topics": [],
                "occurrence": c.occurrence,
                "notes": c.notes,
            }
            for c in draft.claims
        ],
        "statistics": [],
        "speakers": [
            {
                "id": s.id,
                "name": s.name,
                "title": s.title,
                "affiliation": s.affiliation,
                "country": s.country,
                "notes": s.notes,
            }
            for s in draft.speakers
        ],
    }
    speakers = {c.id: c.speaker_id for c in draft.claims}
    for s in draft.statistics:
        period = s.period
        documents["statistics"].append(
            {
                "id": s.id,
                "indicator": s.indicator,
                "entity": s.entity,
                "value": s.value,
                "unit": s.unit,
                "display": s.display,
                "modality": s.modality.value,
                "period": None
                if period is None
                else {"label": period.label, "start": period.start, "end": period.end},
                "span": {"start": s.start, "end": s.end},
                "claim_id": s.claim_id,
                "speaker_id": speakers[s.claim_id],
                "source_id": source.id,
                "notes": s.notes,
            }
        )
    return DraftDocument.model_validate(documents).model_dump(mode="json")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@router.post(
    "/drafts",
    name="create_draft",
    summary="Draft an article's claims, statistics and speakers (nothing is stored)",
    response_model=DraftDocument,
    # Described from the table of problem types, like every operation's errors.
    responses=problems(
        *ANY_REQUEST,
        "invalid-body",  # 422, and 400 for a body that cannot be read as JSON
        "unauthorized",
        "forbidden",
        "payload-too-large",
        "unsupported-media-type",
        "too-many-requests",
        "service-unavailable",
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                # Inline: the body is read by `draft_request`, which FastAPI does not see.
                "application/json": {"schema": DraftRequest.model_json_schema()},
            },
        }
    },
)
def create_draft(body: Annotated[DraftRequest, Depends(draft_request)]) -> Response:
    """The draft of a seed source for the article sent: claims (direct quotes, paraphrases,
    author statements), statistics (figures read by the same reader as the write API) and
    speakers, each verbatim with its span in the text and notes where the drafter is unsure.
    The same text gives the same draft."""
    # Imported here, not at the top: a worker that never drafts does not load the drafter
    # (about 2.6 MB of its rules and tables; docs/performance.md, memory per worker).
    from app.draft import Metadata, draft_article

    metadata = Metadata(
        title=body.title,
        publisher=body.publisher,
        authors=body.authors,
        published_on=body.published_on,
        language=body.language,
        url=body.url,
    )
    draft = draft_article(
        body.text,
        source_id=body.source_id,
        metadata=metadata,
        author_statements=body.author_statements,
    )
    return json_response(draft_document(draft, body.text))
