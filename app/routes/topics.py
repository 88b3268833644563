"""Topics: the subjects claims are filed under."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.db import SessionDep
from app.filters import TOPIC_SORT_FIELDS
from app.params import NoParams, RecordId, TopicListParams
from app.records import get_record, list_records
from app.representations import topic_documents, topics_query
from app.responses import GET_ERRORS, LIST_RESPONSES
from app.schemas import TopicPage, TopicRead

router = APIRouter(tags=["topics"])


@router.get("/topics", response_model=TopicPage, responses=LIST_RESPONSES)
def list_topics(
    request: Request, session: SessionDep, params: Annotated[TopicListParams, Query()]
) -> Response:
    """List topics, sorted and paginated by cursor."""
    return list_records(
        request,
        session,
        params,
        resource="topics",
        query=topics_query(),
        filters=[],
        sort_fields=TOPIC_SORT_FIELDS,
        documents=topic_documents,
    )


@router.get("/topics/{topic_id}", response_model=TopicRead, responses=GET_ERRORS)
def get_topic(
    topic_id: RecordId, session: SessionDep, _params: Annotated[NoParams, Query()]
) -> Response:
    """One topic by id."""
    return get_record(
        session,
        resource="topic",
        record_id=topic_id,
        query=topics_query(),
        documents=topic_documents,
    )
