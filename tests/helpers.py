"""Assertions shared by the API tests."""

from typing import Any

import httpx
from fastapi.testclient import TestClient

SOURCE_ID = "csst-2024-05-20-new-quality-productive-forces"
DUNFORD = "michael-dunford"


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


def change_count(client: TestClient) -> int:
    """How many versions exist in all: any write, even a failed one, would show here."""
    return len(walk_changes(client))


def walk_changes(client: TestClient, since: str | None = None) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500}
    if since is not None:
        params["since"] = since
    while True:
        body = client.get("/v1/changes", params=params).json()
        changes.extend(body["data"])
        if len(body["data"]) < params["limit"]:
            return changes
        params["since"] = body["next_cursor"]
