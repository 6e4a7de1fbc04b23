"""The demo page at ``GET /``: served with a strict CSP, local assets only, and working in Chromium."""

from __future__ import annotations

import re

import httpx
import pytest
from browser_support import OFFLINE_ARGS, require_chromium, screenshot

HEADLINES = [
    "You Won't Believe What This Senator Said Next",
    "Parliament passes budget after overnight session",
    "Radical mayor slams disastrous housing scheme",
]


@pytest.fixture(scope="module")
def server(tiny_server):
    return tiny_server


def test_page_is_served_with_a_strict_content_security_policy(server):
    response = httpx.get(f"{server.url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<textarea" in response.text


def test_page_loads_only_its_own_assets(server):
    page = httpx.get(f"{server.url}/", timeout=10).text
    assets = re.findall(r"""(?:src|href)="([^"]+)\"""", page)
    assert assets, "the page references its script and stylesheet"
    for asset in assets:
        assert not re.match(r"([a-z]+:)?//", asset), f"remote asset {asset}"
        response = httpx.get(f"{server.url}/{asset}", timeout=10)
        assert response.status_code == 200, asset


@pytest.mark.browser
def test_demo_scores_and_highlights_in_chromium(server):
    executable = require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expected = httpx.post(f"{server.url}/score", json={"headlines": HEADLINES, "explain": True}, timeout=30).json()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=OFFLINE_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.goto(f"{server.url}/")
            # Locator waits, not wait_for_function: the page's CSP (rightly) forbids evaluating strings.
            expect(page.locator("#model-version")).to_have_text(expected["results"][0]["model_version"])

            page.fill("#headlines", "\n".join(HEADLINES))
            page.click("#score-button")
            page.wait_for_selector("#results .result:nth-child(3)", timeout=30_000)
            cards = page.query_selector_all("#results .result")
            assert len(cards) == len(HEADLINES)
            for card, result in zip(cards, expected["results"]):
                # The page shows the API's text and numbers.
                assert card.query_selector(".text").text_content() == result["text"]
                for head in ("clickbait", "bias"):
                    shown = card.query_selector(f".value[data-head='{head}']").text_content()
                    assert shown == f"{result[head]:.2f}"
                # Highlights are exactly the positive spans of the flagged heads, at their offsets.
                marks = [(m.get_attribute("data-head"), m.text_content()) for m in card.query_selector_all("mark")]
                flagged = [
                    s for s in result["spans"] if s["weight"] > 0 and result["labels"][s["head"]]
                ]
                assert {text for _, text in marks} <= {s["text"] for s in flagged}
                assert bool(marks) == bool(flagged)
                assert {head for head, _ in marks} <= {s["head"] for s in flagged}
            sensational, wire, loaded = cards
            assert sensational.query_selector("mark.clickbait") is not None
            assert wire.query_selector("mark") is None
            assert loaded.query_selector("mark.bias") is not None
            assert errors == []
            screenshot(page, "demo-page")
        finally:
            browser.close()


@pytest.mark.browser
def test_demo_shows_the_servers_error_message(server):
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=OFFLINE_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/")
            page.fill("#headlines", "x" * 2_500)
            page.click("#score-button")
            page.wait_for_selector("#error:not([hidden])")
            assert "2000 characters" in page.text_content("#error")
        finally:
            browser.close()
