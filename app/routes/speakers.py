"""Speakers: the people claims are attributed to."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.query.grammar import GetParams, RecordId, SpeakerListParams
from app.query.listing import list_records
from app.query.records import get_record
from app.resources.kernel import SPEAKER
from app.resources.schemas import SpeakerPage, SpeakerRead
from app.routes.versioned import add_versioned_routes
from app.store.engine import SessionDep
from app.web.responses import GET_ERRORS, LIST_RESPONSES
from app.write.bodies import SpeakerCreate, SpeakerPatch

router = APIRouter(tags=["speakers"])


@router.get("/speakers", response_model=SpeakerPage, responses=LIST_RESPONSES)
async def list_speakers(
    request: Request, session: SessionDep, params: Annotated[SpeakerListParams, Query()]
) -> Response:
    """List speakers, filtered, sorted and paginated by cursor."""
    return list_records(request, session, params, SPEAKER)


@router.get("/speakers/{speaker_id}", response_model=SpeakerRead, responses=GET_ERRORS)
async def get_speaker(
    request: Request,
    speaker_id: RecordId,
    session: SessionDep,
    params: Annotated[GetParams, Query()],
) -> Response:
    """One speaker by id."""
    return get_record(
        request,
        session,
        SPEAKER,
        speaker_id,
        as_of=params.as_of,
    )


add_versioned_routes(router, SPEAKER, SpeakerRead, SpeakerCreate, SpeakerPatch)
