"""Human-readable documentation for each problem `type` the API returns, from its table."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from app.query.grammar import NoParams
from app.web.problems import PROBLEM_TYPES, not_found

router = APIRouter(tags=["meta"], include_in_schema=False)


@router.get("/problems/{slug}", response_class=PlainTextResponse)
async def describe_problem(slug: str, _params: Annotated[NoParams, Query()]) -> str:
    if slug not in PROBLEM_TYPES:
        raise not_found("problem type", slug)
    problem = PROBLEM_TYPES[slug]
    statuses = " or ".join(str(status) for status in problem.statuses)
    return f"{slug}\n\n{problem.title} (status {statuses})\n\n{problem.description}\n"
