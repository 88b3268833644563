"""The explorer (/explorer, examples/explorer) in headless Chromium: search, facet filter,
cursor paging, claim detail with its span highlighted, CSV export; nothing loaded from outside.

What the page shows is compared with what the API answers for the same query: the facet
sidebar's buckets and counts, the snippets' highlights, and the rows of the CSV it exports.
"""

import csv
import html
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Visit

QUERY = "semiconductor"
TOPIC = "semiconductors"
FACETS = "topic,kind,speaker"
MARKED = re.compile(r"<mark>(.*?)</mark>")


@pytest.fixture
def api(live_url: str) -> httpx.Client:
    return httpx.Client(base_url=live_url, timeout=10)


def api_pages(api: httpx.Client, **params: Any) -> list[list[str]]:
    """The claim ids of every page of a query, following cursors."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = api.get("/v1/claims", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([claim["id"] for claim in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def expect_claims(page: Page, ids: list[str]) -> None:
    """The list shows exactly these claims, in this order (waiting for it to settle)."""
    buttons = page.locator("#claims button.claim")
    expect(buttons).to_have_count(len(ids))
    for index, claim_id in enumerate(ids):
        expect(buttons.nth(index)).to_have_attribute("data-claim-id", claim_id)


def expect_facets(page: Page, facets: dict[str, list[dict[str, Any]]]) -> None:
    """The sidebar shows every bucket of every facet, in the API's order, with its count."""
    for name, buckets in facets.items():
        shown = page.locator(f"#facets [data-facet='{name}']")
        expect(shown).to_have_count(len(buckets))
        for index, bucket in enumerate(buckets):
            expect(shown.nth(index)).to_have_attribute("data-value", bucket["value"])
            expect(shown.nth(index).locator(".label")).to_have_text(bucket["label"])
            expect(shown.nth(index).locator(".count")).to_have_text(str(bucket["count"]))


def expect_snippets(page: Page, claims: list[dict[str, Any]]) -> None:
    """Each listed claim shows its snippet, with the server's <mark>s as highlights."""
    texts = page.locator("#claims .claim-text")
    for index, claim in enumerate(claims):
        marked = [html.unescape(match) for match in MARKED.findall(claim["snippet"])]
        assert marked, f"the snippet of {claim['id']} highlights the query"
        expect(texts.nth(index).locator("mark")).to_have_text(marked)
        expect(texts.nth(index)).to_have_text(html.unescape(MARKED.sub(r"\1", claim["snippet"])))


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_search_filter_page_open_and_export(
    visit: Visit, live_url: str, api: httpx.Client, tmp_path: Path
) -> None:
    page = visit.page
    page.goto(f"{live_url}/explorer/?limit=1")
    expect_claims(page, api_pages(api, limit=1)[0])

    # Search: the page lists the matches with their highlighted snippets, and the facets.
    page.fill("#q", QUERY)
    page.press("#q", "Enter")
    searched = api.get(
        "/v1/claims", params={"q": QUERY, "limit": 1, "count": "true", "facets": FACETS}
    ).json()
    expect(page.locator("#summary")).to_have_text(f"{searched['total']} claims")
    expect_claims(page, [claim["id"] for claim in searched["data"]])
    expect_snippets(page, searched["data"])
    expect_facets(page, searched["facets"])

    # Filter by topic: the sidebar recounts under the new filter.
    bucket = page.locator(f"[data-facet='topic'][data-value='{TOPIC}']")
    bucket.click()
    expect(bucket).to_have_attribute("aria-pressed", "true")
    filtered = api.get(
        "/v1/claims", params={"q": QUERY, "topic": TOPIC, "limit": 1, "facets": FACETS}
    ).json()
    expect_facets(page, filtered["facets"])
    pages = api_pages(api, q=QUERY, topic=TOPIC, limit=1)
    assert len(pages) >= 2, "the tour needs a second page"
    expect_claims(page, pages[0])
    assert "topic=semiconductors" in page.url

    # Page forward and back through the cursor stack.
    page.click("#next")
    expect_claims(page, pages[1])
    expect(page.locator("#page-number")).to_have_text("Page 2")
    page.click("#previous")
    expect_claims(page, pages[0])
    expect(page.locator("#page-number")).to_have_text("Page 1")
    expect(page.locator("#previous")).to_be_disabled()

    # Export: the downloaded CSV holds the whole filtered list (not the page), row for row.
    with page.expect_download() as download:
        page.click("#export-csv")
    exported = csv_rows(Path(download.value.path()).read_text(encoding="utf-8"))
    listed = api.get("/v1/claims", params={"q": QUERY, "topic": TOPIC, "limit": 500}).json()
    assert [row["id"] for row in exported] == [claim_id for ids in pages for claim_id in ids]
    assert [(row["id"], row["kind"], row["text"], row["topics"]) for row in exported] == [
        (claim["id"], claim["kind"], claim["text"], ";".join(claim["topics"]))
        for claim in listed["data"]
    ]

    # Open the claim: its text is the highlighted span of the source text.
    page.locator("#claims button.claim").first.click()
    claim = api.get(f"/v1/claims/{pages[0][0]}", params={"include": "statistics"}).json()
    expect(page.locator("#detail h2")).to_have_text(f"Claim {claim['id']}")
    expect(page.locator("#claims [aria-current='true']")).to_have_attribute(
        "data-claim-id", claim["id"]
    )
    assert page.locator("#claim-span").text_content() == claim["text"]
    expect(page.locator("#figures tbody tr")).to_have_count(len(claim["statistics"]))
    page.screenshot(path=tmp_path / "explorer.png", full_page=True)
    visit.assert_stayed_local()


def test_claim_detail_marks_its_figures(visit: Visit, live_url: str, api: httpx.Client) -> None:
    claim = api.get("/v1/claims/nqpf-21", params={"include": "statistics,speaker"}).json()
    assert claim["statistics"], "nqpf-21 carries figures"
    page = visit.page
    page.goto(f"{live_url}/explorer/?limit=50")
    page.locator("[data-claim-id='nqpf-21']").click()
    assert page.locator("#claim-span").text_content() == claim["text"]
    figures = sorted(claim["statistics"], key=lambda figure: figure["span"]["start"])
    expect(page.locator("#claim-span mark.figure")).to_have_text(
        [figure["display"] for figure in figures]
    )
    rows = page.locator("#figures tbody tr")
    expect(rows).to_have_count(len(figures))
    expect(page.locator("#detail .meta")).to_contain_text(claim["speaker"]["name"])
    expect(page.locator("#citation")).to_have_text(claim["citation"])
    visit.assert_stayed_local()


def test_a_refused_query_shows_the_problem(visit: Visit, live_url: str) -> None:
    page = visit.page
    page.goto(f"{live_url}/explorer/?q={'x' * 501}")  # q allows at most 500 characters
    expect(page.locator("#problem")).to_contain_text("Invalid parameter: q:")
    # Chromium logs the 400 answer itself; the page handled it.
    visit.errors = [text for text in visit.errors if "status of 400" not in text]
    visit.assert_stayed_local()


def test_a_count_of_one_is_singular(visit: Visit, live_url: str, api: httpx.Client) -> None:
    words = ("lithography", "Sussex", "wafers", "ASML", "trading")
    totals = {
        word: api.get("/v1/claims", params={"q": word, "count": "true"}).json()["total"]
        for word in words
    }
    single = next(word for word, total in totals.items() if total == 1)
    several = next(word for word, total in totals.items() if total > 1)
    page = visit.page
    page.goto(f"{live_url}/explorer/?q={single}")
    expect(page.locator("#summary")).to_have_text("1 claim")
    page.goto(f"{live_url}/explorer/?q={several}")
    expect(page.locator("#summary")).to_have_text(f"{totals[several]} claims")
    visit.assert_stayed_local()


def test_the_figures_table_shows_modality_and_stays_in_its_pane(
    visit: Visit, live_url: str, api: httpx.Client
) -> None:
    claim = api.get("/v1/claims/nqpf-21", params={"include": "statistics"}).json()
    page = visit.page
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{live_url}/explorer/?limit=50&claim=nqpf-21")
    expect(page.locator("#figures thead th").nth(3)).to_have_text("Modality")
    for figure in claim["statistics"]:
        row = page.locator(f"#figures tr[data-statistic-id='{figure['id']}']")
        expect(row.locator("td").nth(3)).to_have_text(figure["modality"])
    assert {figure["modality"] for figure in claim["statistics"]} >= {"asserted", "possible"}
    table, pane, body = (
        page.locator(selector).evaluate("node => node.getBoundingClientRect().right")
        for selector in ("#figures", "#detail", "body")
    )
    assert table <= pane <= body, (table, pane, body)
    visit.assert_stayed_local()


def test_the_open_claim_is_in_the_url_and_history(
    visit: Visit, live_url: str, browser: Browser
) -> None:
    page = visit.page
    page.goto(f"{live_url}/explorer/?limit=50")
    page.locator("[data-claim-id='nqpf-21']").click()
    expect(page.locator("#detail h2")).to_have_text("Claim nqpf-21")
    assert "claim=nqpf-21" in page.url
    page.locator("[data-claim-id='nqpf-11']").click()
    expect(page.locator("#detail h2")).to_have_text("Claim nqpf-11")
    assert "claim=nqpf-11" in page.url
    page.go_back()
    expect(page.locator("#detail h2")).to_have_text("Claim nqpf-21")
    expect(page.locator("#claims [aria-current='true']")).to_have_attribute(
        "data-claim-id", "nqpf-21"
    )
    page.go_back()
    expect(page.locator("#detail")).to_be_hidden()
    assert "claim=" not in page.url
    page.go_forward()
    expect(page.locator("#detail h2")).to_have_text("Claim nqpf-21")
    # The link opens the same claim in a fresh page.
    shared = browser.new_page()
    try:
        shared.goto(page.url)
        expect(shared.locator("#detail h2")).to_have_text("Claim nqpf-21")
    finally:
        shared.close()
    visit.assert_stayed_local()


def test_a_claim_shows_its_reviews(visit: Visit, live_url: str, api: httpx.Client) -> None:
    [review] = api.get("/v1/claims/nqpf-11/reviews").json()["data"]
    page = visit.page
    page.goto(f"{live_url}/explorer/?limit=50&claim=nqpf-11")
    item = page.locator(f"#reviews li[data-review-id='{review['id']}']")
    expect(item.locator(".rating")).to_have_text(review["rating"])
    expect(item).to_contain_text(review["reviewer"])
    expect(item).to_contain_text(review["explanation"])
    expect(item).to_contain_text(f"Reference value: {review['reference_value']}")
    page.goto(f"{live_url}/explorer/?limit=50&claim=nqpf-21")
    expect(page.locator("#detail")).to_contain_text("No review of this claim.")
    visit.assert_stayed_local()
