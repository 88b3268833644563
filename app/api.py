"""The versioned API: every resource router, mounted once under /v1."""

from fastapi import APIRouter, Depends

from app.auth import require_reader
from app.routes import changes, claims, sources, speakers, statistics, topics

API_PREFIX = "/v1"

api_router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_reader)])
for module in (claims, statistics, speakers, sources, topics, changes):
    api_router.include_router(module.router)
