"""Headless Debian Chromium driven by Playwright (never `playwright install`: no browser is
downloaded), with every request a page makes recorded, and any that would leave 127.0.0.1
refused, so a test can assert the pages need nothing from outside."""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Route,
    sync_playwright,
)

from tests.support.helpers import skip_outside_ci

CHROMIUM = Path(os.environ.get("CLAIMBASE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
LOCAL_HOSTS = {"127.0.0.1"}
# Schemes that never reach the network.
LOCAL_SCHEMES = {"data", "blob", "about"}


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        skip_outside_ci(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    home = tmp_path_factory.mktemp("chromium-home")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            env={**os.environ, "HOME": str(home)},
            timeout=60_000,
        )
        yield browser
        browser.close()


@dataclass
class Visit:
    """A fresh page, and what it did: every URL it requested, the outside ones that the page's
    Content-Security-Policy stopped before they reached the network, every error it reported."""

    page: Page
    requests: list[str] = field(default_factory=list)
    refused_by_policy: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def left_loopback(self) -> list[str]:
        return [
            url for url in self.requests if not _is_local(url) and url not in self.refused_by_policy
        ]

    def assert_stayed_local(self, refused: tuple[str, ...] = ()) -> None:
        """Nothing left 127.0.0.1, the policy refused exactly `refused`, and no error occurred
        other than the policy's report of what it refused."""
        assert self.requests, "no request was recorded"
        assert self.left_loopback() == [], "requests left 127.0.0.1"
        assert sorted(set(self.refused_by_policy)) == sorted(refused)
        errors = [text for text in self.errors if not any(url in text for url in refused)]
        assert errors == [], "the page reported errors (CSP violations included)"


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


def _refuse_outside(route: Route) -> None:
    if _is_local(route.request.url):
        route.continue_()
    else:
        route.abort("blockedbyclient")


def _console_error(visit: Visit, message: ConsoleMessage) -> None:
    if message.type == "error":
        visit.errors.append(message.text)


def _failed(visit: Visit, request: Request) -> None:
    # Chromium reports "csp" for a load its Content-Security-Policy refused before sending it.
    if request.failure == "csp" and not _is_local(request.url):
        visit.refused_by_policy.append(request.url)


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    recorded = Visit(page)
    # On the context, so requests of workers and frames are seen too.
    context.on("request", lambda request: recorded.requests.append(request.url))
    context.on("requestfailed", lambda request: _failed(recorded, request))
    context.route("**/*", _refuse_outside)
    page.on("console", lambda message: _console_error(recorded, message))
    page.on("pageerror", lambda error: recorded.errors.append(f"{error.name}: {error.message}"))
    page.set_default_timeout(15_000)
    yield recorded
    context.close()
