"""Assertions shared by the API tests."""

import os
from typing import Any, NoReturn

import httpx
import pytest
from fastapi.testclient import TestClient

SOURCE_ID = "csst-2024-05-20-new-quality-productive-forces"
DUNFORD = "michael-dunford"


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
