"""The routes, by resource and concern; `api_router` mounts them once under /v1."""

from typing import Any

from fastapi import APIRouter, Depends

from app.routes import changes, claims, health, search, sources, speakers, statistics, topics
from app.write.auth import require_reader

API_PREFIX = "/v1"

api_router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_reader)])
for module in (claims, statistics, speakers, sources, topics, search, changes):
    api_router.include_router(module.router)

# One OpenAPI tag per routes module, described by the module's own docstring.
OPENAPI_TAGS: list[dict[str, Any]] = [
    {"name": str(module.router.tags[0]), "description": (module.__doc__ or "").strip()}
    for module in (claims, statistics, speakers, sources, topics, search, changes, health)
]
