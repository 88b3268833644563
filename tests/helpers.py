"""Assertions shared by the API tests."""

from collections.abc import Sequence
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.models import Claim

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
