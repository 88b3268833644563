"""Speakers: People who make or are reported to make claims."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.db import SessionDep
from app.filters import SPEAKER_SORT_FIELDS, speaker_filters
from app.params import NoParams, RecordId, SpeakerListParams
from app.records import get_record, list_records
from app.representations import speaker_documents, speakers_query
from app.responses import GET_ERRORS, LIST_RESPONSES
from app.schemas import SpeakerPage, SpeakerRead

router = APIRouter(tags=["speakers"])


@router.get("/speakers", response_model=SpeakerPage, responses=LIST_RESPONSES)
def list_speakers(
    request: Request, session: SessionDep, params: Annotated[SpeakerListParams, Query()]
) -> Response:
    """List speakers, filtered, sorted and paginated by cursor."""
    return list_records(
        request,
        session,
        params,
        resource="speakers",
        query=speakers_query(),
        filters=speaker_filters(params),
        sort_fields=SPEAKER_SORT_FIELDS,
        documents=speaker_documents,
    )


@router.get("/speakers/{speaker_id}", response_model=SpeakerRead, responses=GET_ERRORS)
def get_speaker(
    speaker_id: RecordId, session: SessionDep, _params: Annotated[NoParams, Query()]
) -> Response:
    """One speaker by id."""
    return get_record(
        session,
        resource="speaker",
        record_id=speaker_id,
        query=speakers_query(),
        documents=speaker_documents,
    )
