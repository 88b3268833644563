"""The HTML pages beside the API: the explorer's mount and setting, and each page's
Content-Security-Policy (the browser tests in tests/browser show the pages render under it)."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import get_settings
from app.main import app, create_app
from tests.support.helpers import assert_problem


@pytest.fixture
def app_without_explorer(monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("EXPLORER_ENABLED", "false")
    get_settings.cache_clear()
    yield create_app()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("path", "script_src"),
    [
        ("/docs", "script-src 'self' 'sha256-"),
        ("/redoc", "script-src 'self'"),
        ("/explorer/", "script-src 'self'"),
    ],
)
def test_html_pages_carry_a_content_security_policy(path: str, script_src: str) -> None:
    response = TestClient(app).get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    directives = response.headers["content-security-policy"].split("; ")
    assert "default-src 'none'" in directives
    assert "connect-src 'self'" in directives
    assert "frame-ancestors 'none'" in directives
    assert any(directive.startswith(script_src) for directive in directives), directives
    assert (
        "'unsafe-inline'" not in response.headers["content-security-policy"].split("style-src")[0]
    )


@pytest.mark.parametrize("path", ["/v1/openapi.json", "/explorer/explorer.js", "/healthz"])
def test_other_responses_carry_the_data_policy(path: str) -> None:
    response = TestClient(app).get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'")
    assert "script-src" not in policy


def test_explorer_is_served_with_its_modules() -> None:
    client = TestClient(app)
    redirect = client.get("/explorer", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/explorer/")
    page = client.get("/explorer/")
    assert '<script type="module" src="explorer.js">' in page.text
    for module in ("explorer.js", "api.js", "explorer.css"):
        assert client.get(f"/explorer/{module}").status_code == 200
    assert_problem(client.get("/explorer/missing.js"), 404, "not-found")


def test_explorer_can_be_turned_off(app_without_explorer: FastAPI) -> None:
    client = TestClient(app_without_explorer)
    assert_problem(client.get("/explorer/"), 404, "not-found")
    assert client.get("/docs").status_code == 200
