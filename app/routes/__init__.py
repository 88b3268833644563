"""The routes: one router per resource from the factory, and the modules of their own
(summary, search, changes, drafts, health, problems); `api_router` gathers them under /v1."""

from typing import Any

from fastapi import APIRouter, Depends

from app.resources import RESOURCES
from app.routes import changes, drafts, health, search, summary
from app.routes.flat import add_routes
from app.routes.resources import resource_router
from app.web.responses import API_ERRORS
from app.write.auth import require_reader

API_PREFIX = "/v1"

api_router = APIRouter(prefix=API_PREFIX, responses=API_ERRORS)
# Reads check READS_REQUIRE_KEY on their read connection; writes check their own key.
READER = [Depends(require_reader)]
COLLECTION_ROUTES = {"statistic": summary.router}
for resource in RESOURCES.values():
    routes = resource_router(resource, COLLECTION_ROUTES.get(resource.name))
    add_routes(api_router, routes, read_dependencies=READER)
for module in (search, changes, drafts):
    add_routes(api_router, module.router, read_dependencies=READER)

# One OpenAPI tag per resource (described by its module's docstring) and per routes module.
OPENAPI_TAGS: list[dict[str, Any]] = [
    *({"name": r.plural, "description": r.summary.strip()} for r in RESOURCES.values()),
    *(
        {"name": str(module.router.tags[0]), "description": (module.__doc__ or "").strip()}
        for module in (search, changes, drafts, health)
    ),
]
