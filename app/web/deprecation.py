"""The /v1 stability promise, enforced: operations are only added to /v1; one that is to go
is first marked here, which flags it `deprecated` in the OpenAPI and sends `Deprecation`
(RFC 9745) and `Sunset` (RFC 8594) headers on every response, and it may disappear only in
/v2 or after its sunset. tests/web/test_api_stability.py fails on any other removal."""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.middleware.base import RequestResponseEndpoint

from app.web.conditional import http_date


@dataclass(frozen=True)
class Deprecation:
    deprecated_on: date
    sunset_on: date
    link: str | None = None  # where the replacement is documented


# operation id -> its deprecation. Empty today: no /v1 operation is deprecated.
DEPRECATED: dict[str, Deprecation] = {}
# (operation id, query parameter) -> its deprecation: a renamed parameter keeps working under
# its old name until its sunset, and a request that uses it gets the headers. The OpenAPI
# marks the parameter `deprecated` (its field says `deprecated=True`).
DEPRECATED_PARAMETERS: dict[tuple[str, str], Deprecation] = {
    # The change feed took its cursor as `since`; every list takes `cursor`. `since` itself
    # lives on as a time, so only a cursor sent as `since` is deprecated (not flagged in the
    # OpenAPI: the parameter stays).
    ("list_changes", "since"): Deprecation(date(2026, 12, 7), date(2027, 6, 30)),
}
# A list's format was `format=`; each format is now an operation of its own (`/claims.csv`).
# The router factory registers it for each list (app/routes/resources.py).
FORMAT_PARAMETER = Deprecation(date(2026, 12, 7), date(2027, 6, 30))


def _midnight_utc(day: date) -> int:
    return calendar.timegm(day.timetuple())


def deprecation_headers(deprecation: Deprecation) -> dict[str, str]:
    sunset = datetime.fromtimestamp(_midnight_utc(deprecation.sunset_on), UTC)
    headers = {
        # RFC 9745: a Structured Field Date, `@` and seconds since the epoch.
        "Deprecation": f"@{_midnight_utc(deprecation.deprecated_on)}",
        "Sunset": http_date(sunset),
    }
    if deprecation.link is not None:
        headers["Link"] = f'<{deprecation.link}>; rel="deprecation"'
    return headers


def announce_parameter(response: Response, operation: str, parameter: str) -> None:
    """The deprecation headers of a deprecated parameter the request used."""
    for name, value in deprecation_headers(DEPRECATED_PARAMETERS[(operation, parameter)]).items():
        existing = response.headers.get(name)
        response.headers[name] = f"{existing}, {value}" if name == "Link" and existing else value


def install_deprecations(app: FastAPI, registry: dict[str, Deprecation] = DEPRECATED) -> None:
    for route in app.routes:
        if isinstance(route, APIRoute) and route.name in registry:
            route.deprecated = True
    if not registry:
        return  # no middleware, and so no cost per request, while nothing is deprecated

    @app.middleware("http")
    async def announce(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "name", None)
        if name in registry:
            response.headers.update(deprecation_headers(registry[name]))
        return response
