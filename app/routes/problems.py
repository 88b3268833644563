"""Human-readable documentation for each problem `type` the API returns, from its table."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from app.query.grammar import NoParams
from app.web.conditional import conditional
from app.web.problems import PROBLEM_TYPES, not_found

router = APIRouter(tags=["meta"], include_in_schema=False)


@router.get("/problems/{slug}", response_class=PlainTextResponse)
async def describe_problem(
    request: Request, slug: str, _params: Annotated[NoParams, Query()]
) -> Response:
    if slug not in PROBLEM_TYPES:
        raise not_found("problem type", slug)
    problem = PROBLEM_TYPES[slug]
    statuses = " or ".join(str(status) for status in problem.statuses)
    text = f"{slug}\n\n{problem.title} (status {statuses})\n\n{problem.description}\n"
    # Fixed by the deployment: an ETag from the text, revalidated with a 304.
    return conditional(request, PlainTextResponse(text))
