"""Topics: the subjects claims are tagged with."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.query.grammar import GetParams, RecordId, TopicListParams
from app.query.listing import list_records
from app.query.records import get_record
from app.resources.kernel import TOPIC
from app.resources.schemas import TopicPage, TopicRead
from app.routes.versioned import add_versioned_routes
from app.store.engine import SessionDep
from app.web.responses import GET_ERRORS, LIST_RESPONSES
from app.write.bodies import TopicCreate, TopicPatch

router = APIRouter(tags=["topics"])


@router.get("/topics", response_model=TopicPage, responses=LIST_RESPONSES)
async def list_topics(
    request: Request, session: SessionDep, params: Annotated[TopicListParams, Query()]
) -> Response:
    """List topics, filtered, sorted and paginated by cursor."""
    return list_records(request, session, params, TOPIC)


@router.get("/topics/{topic_id}", response_model=TopicRead, responses=GET_ERRORS)
async def get_topic(
    request: Request,
    topic_id: RecordId,
    session: SessionDep,
    params: Annotated[GetParams, Query()],
) -> Response:
    """One topic by id."""
    return get_record(
        request,
        session,
        TOPIC,
        topic_id,
        as_of=params.as_of,
    )


add_versioned_routes(router, TOPIC, TopicRead, TopicCreate, TopicPatch)
