"""The versioned API: every resource router, mounted once under /v1."""

from fastapi import APIRouter

from app.routes import claims, search, sources, speakers, statistics, topics

API_PREFIX = "/v1"

api_router = APIRouter(prefix=API_PREFIX)
for module in (claims, statistics, speakers, sources, topics, search):
    api_router.include_router(module.router)
