"""The reference extension in real Chromium against the real service (tiny model).

Chromium loads ``extension/`` unpacked; its id is read from the background service worker's
URL, and the service is then started with CORS allowing exactly ``chrome-extension://<id>``
(no ``key`` is pinned in the manifest, so the id differs per checkout path and the test finds it).
A local page on 127.0.0.1 holds a sensational lead, wire headlines, a loaded headline,
navigation links, and headlines its own script adds later; the test adds one more, like an
infinite scroll would. A screenshot is saved under ``test-output/``.
"""

from __future__ import annotations

import json
import re

import pytest
from browser_support import EXTENSION_DIR, extension_args, require_chromium, screenshot, serve_directory
from service_server import running_service

BADGE = ".headline-lens-badge"
WAIT_MS = 30_000

#: Element selector -> the head the tiny model flags there, or None for a plain (wire) headline.
EXPECTED = {
    "#lead": "clickbait",  # the sensational lead
    "h2:has(> #wire-1)": None,
    "h2:has(> #wire-2)": None,
    "h2:has(> #wire-3)": None,
    "#article-title": None,  # an article's title that is no heading
    "#loaded": "bias",  # loaded framing
    "#link-headline": None,  # a plain link that reads like a headline
    "h2:has(> #late-1)": "clickbait",  # added by the page's script after 1.5 s
    "h2:has(> #late-2)": None,
}
#: The extension's default thresholds and badge colours.
AMBER_AT, RED_AT = 0.5, 0.8
COLOURS = {"low": "rgb(46, 125, 50)", "mid": "rgb(239, 143, 0)", "high": "rgb(198, 40, 40)"}
#: Links that are not headlines: navigation, "Read more", the footer.
NOT_HEADLINES = ["nav a", "#short-link", "footer a"]

BADGE_INFO_JS = """(selector) => {
  const host = document.querySelector(selector);
  const badge = host && host.querySelector(':scope > .headline-lens-badge');
  if (!badge) return null;
  const colour = (head) => getComputedStyle(badge.querySelector(`[data-head="${head}"]`)).backgroundColor;
  return {level: badge.dataset.level, clickbait: Number(badge.dataset.clickbait), bias: Number(badge.dataset.bias),
          title: badge.title, colours: {clickbait: colour('clickbait'), bias: colour('bias')},
          headline: host.textContent.slice(0, host.textContent.length - badge.textContent.length).trim()};
}"""


def _manifest() -> dict:
    return json.loads((EXTENSION_DIR / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_asks_for_the_smallest_permissions():
    manifest = _manifest()
    assert manifest["manifest_version"] == 3
    assert manifest["permissions"] == ["storage"]
    # Only the default local backend is granted up front; other backends are asked for at runtime.
    assert manifest["host_permissions"] == ["http://127.0.0.1/*", "http://localhost/*"]
    assert set(manifest["optional_host_permissions"]) == {"https://*/*", "http://*/*"}
    assert manifest["content_security_policy"]["extension_pages"].startswith("script-src 'self'")
    # Chromium runs the service worker; Firefox the background scripts.
    assert manifest["background"]["service_worker"] == "background.js"
    assert manifest["background"]["scripts"][-1] == "background.js"
    assert manifest["browser_specific_settings"]["gecko"]["id"]


def test_extension_has_no_remote_code():
    manifest = _manifest()
    files = [*manifest["background"]["scripts"], manifest["options_ui"]["page"]]
    for script in manifest["content_scripts"]:
        files += script["js"] + script["css"]
    for name in files:
        assert (EXTENSION_DIR / name).is_file(), name
    for path in EXTENSION_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), f"{path.name} loads remote code"
        assert "eval(" not in text and "new Function" not in text, path.name
        assert not re.search(r"import\s*\(|importScripts\(\s*['\"]https?:", text), path.name


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """``(context, service_worker, extension_id)``: Chromium with the extension loaded."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(executable),
            headless=True,
            args=extension_args(),
            viewport={"width": 1000, "height": 760},
        )
        try:
            worker = context.service_workers[0] if context.service_workers else context.wait_for_event(
                "serviceworker", timeout=WAIT_MS
            )
            extension_id = worker.url.split("/")[2]
            yield context, worker, extension_id
        finally:
            context.close()


@pytest.fixture(scope="module")
def backend(browser, tiny_artifact, tmp_path_factory):
    """The service, allowing exactly this extension's origin, set as the extension's backend."""
    _, worker, extension_id = browser
    env = {"HEADLINE_LENS_CORS_ORIGINS": f"chrome-extension://{extension_id}"}
    with running_service(tiny_artifact, tmp_path_factory.mktemp("e2e-service"), env) as server:
        worker.evaluate("(url) => chrome.storage.local.set({backendUrl: url, disabledSites: []})", server.url)
        yield server


@pytest.fixture(scope="module")
def site():
    with serve_directory() as url:
        yield url


def _open(browser, url: str):
    page = browser[0].new_page()
    page.goto(url)
    return page


def _level(score: float) -> str:
    return "high" if score >= RED_AT else "mid" if score >= AMBER_AT else "low"


def _wait_for_badge(page, selector: str) -> dict:
    page.wait_for_function(
        "(selector) => document.querySelector(selector)?.querySelector(':scope > .headline-lens-badge')",
        arg=selector,
        timeout=WAIT_MS,
    )
    return page.evaluate(BADGE_INFO_JS, selector)


@pytest.mark.browser
def test_badges_mark_headlines_including_late_ones(browser, backend, site):
    page = _open(browser, f"{site}/news.html")

    badges = {selector: _wait_for_badge(page, selector) for selector in EXPECTED}
    for selector, head in EXPECTED.items():
        badge = badges[selector]
        for name in ("clickbait", "bias"):
            assert (badge[name] >= AMBER_AT) == (name == head), (selector, badge)
        # Each head's part is coloured by its score; the badge takes the strongest level.
        levels = {name: _level(badge[name]) for name in ("clickbait", "bias")}
        assert badge["colours"] == {name: COLOURS[level] for name, level in levels.items()}, (selector, badge)
        assert badge["level"] == _level(max(badge["clickbait"], badge["bias"])), (selector, badge)

    # The tooltip gives both scores and, for a flagged headline, the words behind it.
    lead = badges["#lead"]
    assert re.search(r"clickbait \d\.\d\d \(flagged\)", lead["title"]) and re.search(r"bias \d\.\d\d", lead["title"])
    words = re.findall(r"“(.+?)”", lead["title"])
    assert words and all(word in lead["headline"] for word in words), lead
    assert "Why:" not in badges["h2:has(> #wire-1)"]["title"]

    # A headline appended later (infinite scroll) is found by the MutationObserver.
    page.evaluate(
        """() => { const a = document.createElement('article');
                   a.innerHTML = '<h3 id="late-3">Doctors Hate Him: The Secret To Sleeping Better</h3>';
                   document.getElementById('feed').append(a); }"""
    )
    assert _wait_for_badge(page, "#late-3")["level"] in ("mid", "high")

    # Exactly the headlines carry badges: no navigation, "Read more" or footer link.
    badged = page.evaluate(f"() => document.querySelectorAll('{BADGE}').length")
    assert badged == len(EXPECTED) + 1
    for selector in NOT_HEADLINES:
        assert page.evaluate(f"() => [...document.querySelectorAll('{selector}')].every(e => !e.querySelector('{BADGE}'))")
    screenshot(page, "extension-news-page")
    page.close()


@pytest.mark.browser
def test_disabling_a_site_removes_its_badges(browser, backend, site):
    worker = browser[1]
    page = _open(browser, f"{site}/news.html")
    _wait_for_badge(page, "#lead")
    try:
        worker.evaluate("() => chrome.storage.local.set({disabledSites: ['127.0.0.1']})")
        page.wait_for_function(f"() => document.querySelectorAll('{BADGE}').length === 0", timeout=WAIT_MS)
    finally:
        worker.evaluate("() => chrome.storage.local.set({disabledSites: []})")
    # Enabled again, the page is scanned again.
    _wait_for_badge(page, "#lead")
    page.close()


@pytest.mark.browser
def test_a_long_feed_is_scored_in_batches(browser, backend, site):
    page = _open(browser, f"{site}/many.html")
    page.wait_for_function(
        f"() => document.querySelectorAll('h3.wire > {BADGE}').length === 150", timeout=WAIT_MS
    )
    lead = _wait_for_badge(page, "#lead")
    assert lead["level"] in ("mid", "high") and "Why:" in lead["title"]
    assert page.evaluate(f"() => document.querySelectorAll('{BADGE}').length") == 151
    page.close()


@pytest.mark.browser
def test_options_page_saves_the_settings(browser, backend):
    from playwright.sync_api import expect

    _, worker, extension_id = browser
    page = _open(browser, f"chrome-extension://{extension_id}/options.html")
    expect(page.locator("#backendUrl")).to_have_value(backend.url)
    # It tells the user exactly which origin to allow on the server.
    expect(page.locator("#own-origin")).to_have_text(f"chrome-extension://{extension_id}")
    page.fill("#flagAt", "0.4")
    page.fill("#strongAt", "0.9")
    page.fill("#disabledSites", "Example.org\n\n news.example \n")
    try:
        page.click("button[type=submit]")
        expect(page.locator("#status")).to_have_text("Saved.")
        stored = worker.evaluate("() => chrome.storage.local.get(['flagAt', 'strongAt', 'disabledSites', 'backendUrl'])")
        assert stored == {"flagAt": 0.4, "strongAt": 0.9, "disabledSites": ["example.org", "news.example"], "backendUrl": backend.url}
        page.fill("#strongAt", "0.3")  # below amber: refused with a message, nothing saved
        page.click("button[type=submit]")
        expect(page.locator("#status")).to_contain_text("thresholds")
        assert worker.evaluate("() => chrome.storage.local.get('strongAt')") == {"strongAt": 0.9}
        page.click("#test")
        expect(page.locator("#status")).to_contain_text("Connected: model v")
    finally:
        worker.evaluate("() => chrome.storage.local.set({flagAt: 0.5, strongAt: 0.8, disabledSites: []})")
        page.close()
