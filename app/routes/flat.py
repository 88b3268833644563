"""Routers put together as one flat list of routes. Not `include_router`: FastAPI 0.165 keeps
an included router as a branch that each request is matched through again at every level it
is nested in (issue #11); with the routes themselves on the app's router, routing is one pass
over one list."""

from collections.abc import Sequence

from fastapi import APIRouter, params
from fastapi.routing import APIRoute

from app.store.engine import READ_METHODS


def add_routes(
    target: APIRouter, source: APIRouter, read_dependencies: Sequence[params.Depends] = ()
) -> None:
    """Each of `source`'s routes made again on `target`, which adds its prefix, tags,
    dependencies and responses before the route's own, as `include_router` would; a route
    that reads (its methods among READ_METHODS) also gets `read_dependencies`, after
    `target`'s and before its own."""
    for route in source.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"only API routes are copied, not {route!r}")
        methods = route.methods or set()
        reads = methods <= set(READ_METHODS)
        if read_dependencies and not reads and methods & set(READ_METHODS):
            raise TypeError(f"a route both reads and writes: {route!r}")
        target.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=[*(read_dependencies if reads else ()), *route.dependencies],
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
        )
