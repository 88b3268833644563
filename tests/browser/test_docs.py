"""Swagger UI (/docs) and ReDoc (/redoc) render every operation from local assets only."""

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Visit

REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation for path_item in document["paths"].values() for operation in path_item.values()
    ]


def test_swagger_ui_renders_every_operation(
    visit: Visit, live_url: str, live_openapi: dict[str, Any]
) -> None:
    page = visit.page
    page.goto(f"{live_url}/docs")
    list_claims = page.locator("#operations-claims-list_claims")
    expect(list_claims).to_contain_text("/v1/claims")
    for operation in operations(live_openapi):
        block = page.locator(f"#operations-{operation['tags'][0]}-{operation['operationId']}")
        expect(block).to_have_count(1)
    # Opening an operation shows its parameters, read from the served document.
    list_claims.locator(".opblock-summary").click()
    expect(list_claims.locator("tr[data-param-name='topic']")).to_have_count(1)
    visit.assert_stayed_local()


def test_redoc_renders_every_operation_title(
    visit: Visit, live_url: str, live_openapi: dict[str, Any]
) -> None:
    page = visit.page
    page.goto(f"{live_url}/redoc")
    for operation in operations(live_openapi):
        heading = page.locator("h2", has_text=operation["summary"])
        expect(heading.first).to_be_attached()
    expect(page.locator("h1").first).to_contain_text("claimbase")
    # ReDoc's bundle always shows Redocly's logo from its CDN; the page's policy (img-src
    # 'self') refuses it, so the browser never sends that request.
    visit.assert_stayed_local(refused=(REDOCLY_LOGO,))
