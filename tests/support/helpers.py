"""Assertions shared by the API tests."""

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any, NoReturn

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Match

from app.main import app
from app.resources.citations import outline
from app.store.models import Claim, Source, Speaker

SOURCE_ID = "csst-2024-05-20-new-quality-productive-forces"
DUNFORD = "michael-dunford"
KeyOf = Callable[[dict[str, Any], str], Any]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def skip_outside_ci(reason: str) -> NoReturn:
    """Skip on a developer's machine that lacks something; fail in CI, which must run it all."""
    if in_ci():
        pytest.fail(f"CI must run this test, but {reason}")
    pytest.skip(reason)


def assert_problem(
    response: httpx.Response, status: int, slug: str, parameter: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem with this status and type, naming `parameter` when given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["instance"].startswith("/")
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    if parameter is not None:
        assert parameter in [error["name"] for error in body["errors"]], body
    return body


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["id"] for record in response.json()["data"]]


def walk(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every record of a list, following `next_cursor` (and checking `Link`) to the end."""
    records: list[dict[str, Any]] = []
    response = client.get(url)
    for _ in range(1000):
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        if body["next_cursor"] is None:
            assert "link" not in response.headers
            return records
        assert body["data"], "a page before the last must not be empty"
        link = response.headers["link"]
        assert link.startswith("<http")
        assert link.endswith('>; rel="next"')
        response = client.get(link[1 : link.index(">")])
    raise AssertionError("pagination did not end")


WAFERS = "chn-monthly-wafer-capacity"


def etag_of(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text
    etag: str = response.headers["etag"]
    return etag


def retract(client: TestClient, url: str, headers: dict[str, str]) -> httpx.Response:
    """DELETE with a reason and the current ETag."""
    etag = {"If-Match": etag_of(client, url)}
    response: httpx.Response = client.delete(
        url, params={"reason": "r"}, headers={**headers, **etag}
    )
    return response


def change_count(client: TestClient) -> int:
    """How many versions exist in all: any write, even a failed one, would show here."""
    return len(walk_changes(client))


def walk_changes(client: TestClient, since: str | None = None) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500}
    if since is not None:
        params["cursor"] = since
    while True:
        body = client.get("/v1/changes", params=params).json()
        changes.extend(body["data"])
        if len(body["data"]) < params["limit"]:
            return changes
        params["cursor"] = body["next_cursor"]


def add_records(session: Session) -> None:
    """Speakers and sources beside the seed's one of each, with ties, so filters and sorts
    over those resources have something to tell apart (rolled back with the test)."""
    session.execute(
        insert(Speaker),
        [
            {"id": "ada-lovelace", "name": "Ada Lovelace", "title": None,
             "affiliation": None, "country": "GBR"},
            {"id": "ada-lovelace-2", "name": "Ada Lovelace", "title": "Countess",
             "affiliation": None, "country": "GBR"},
            {"id": "zhang-wei", "name": "Zhang Wei", "title": "Professor",
             "affiliation": "Peking University", "country": "CHN"},
        ],
    )  # fmt: skip
    session.execute(
        insert(Source),
        [
            {**EXTRA_SOURCE, "id": "a-2023-report", "title": "Annual report",
             "publisher": "Example Press", "published_on": date(2023, 1, 2), "language": "zh"},
            {**EXTRA_SOURCE, "id": "z-2024-note", "title": "A note on trade",
             "publisher": "Chinese Social Sciences Today", "published_on": date(2024, 5, 20)},
        ],
    )  # fmt: skip
    session.flush()


EXTRA_SOURCE: dict[str, Any] = {
    "standfirst": None,
    "authors": ["Someone"],
    "editors": [],
    "language": "en",
    "url": "https://example.org/",
    "text": "Some text.",
    "sha256": hashlib.sha256(b"Some text.").hexdigest(),
    "outline": outline("Some text."),
}


def expected_order(records: list[dict[str, Any]], sort: str, key_of: KeyOf) -> list[str]:
    """The ids of `records` in the order `sort` asks for, ties broken by id in the direction
    of the last sort field (`-kind` is `-kind,-id`)."""
    items = sort.split(",")
    if not any(item.removeprefix("-") == "id" for item in items):
        items.append("-id" if items[-1].startswith("-") else "id")
    ordered = list(records)
    # Stable sorts applied from the last field to the first; reverse=True stays stable.
    for item in reversed(items):
        name = item.removeprefix("-")
        ordered = sorted(
            ordered,
            key=lambda record: record["id"] if name == "id" else key_of(record, name),
            reverse=item.startswith("-"),
        )
    return [record["id"] for record in ordered]


def field(record: dict[str, Any], name: str) -> Any:
    return record[name]


SAMPLE_PATH_PARAMETERS = {
    "claim_id": "nqpf-21",
    "statistic_id": "chn-gdp-growth-2023",
    "speaker_id": DUNFORD,
    "source_id": SOURCE_ID,
    "topic_id": "trade",
    "review_id": "example-chn-gdp-growth-2023",
    "entity_id": "CHN",
    "indicator_id": "gdp_growth_rate",
    "unit_id": "percent",
    "slug": "not-found",
    "number": 1,
}
# Operations that cannot answer without a parameter get one that selects something.
SAMPLE_QUERIES = {"summarize_statistics": "group_by=indicator", "search": "q=china"}


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, looking inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


def served_methods(url: str) -> set[str]:
    """Every method some route serves at `url` (reads and writes share paths, and
    /v1/statistics/summary is also the path of the statistic `summary`'s writes)."""
    path = url.split("?")[0]
    served: set[str] = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        if any(route.matches(scope)[0] == Match.FULL for route in app.routes):
            served.add(method)
    return served


def get_operations() -> list[tuple[str, str]]:
    """(operation name, a URL that serves it) for every GET operation of the app, docs
    pages aside; path parameters get a record that exists."""
    operations = []
    for route in api_routes(app.routes):
        if (
            "GET" not in (route.methods or set())
            or route.path.startswith("/docs")
            or route.path == "/redoc"
        ):
            continue
        names = re.findall(r"{(\w+)}", route.path)
        path = app.url_path_for(route.name, **{n: SAMPLE_PATH_PARAMETERS[n] for n in names})
        query = SAMPLE_QUERIES.get(route.name)
        operations.append((route.name, f"{path}?{query}" if query else str(path)))
    return operations


def add_claims(session: Session, texts: Sequence[str], prefix: str = "test") -> list[str]:
    """Claims written with plain SQL (no API), as a bulk load or another tool would."""
    claim_ids = [f"{prefix}-{index:06d}" for index in range(len(texts))]
    rows: list[dict[str, Any]] = [
        {
            "id": claim_id,
            "source_id": SOURCE_ID,
            "speaker_id": None,
            "kind": "author_statement",
            "text": text,
            "span_start": 0,
            "span_end": max(1, len(text)),
        }
        for claim_id, text in zip(claim_ids, texts, strict=True)
    ]
    session.execute(insert(Claim), rows)
    session.flush()
    return claim_ids
