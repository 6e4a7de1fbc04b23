"""Security checks over HTTP: SSRF through ``/score_feed``, XML entity bombs, API keys, CORS, rate limits.

No request leaves loopback. The SSRF targets outside it (10.x, 169.254.169.254, ...) are
only sent after every loopback target was refused by the guard with its own message, so a
missing guard is caught on loopback first; the guard refuses before it connects.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from fixtures.feeds.feed_server import FEEDS, FeedServer

from benchmarks.reliability_checks.processes import mib, tree_rss
from benchmarks.reliability_checks.result import CheckResult

#: The feed server's own loopback address: the only one the SSRF server's allowlist names.
ALLOWED_FEED_HOST = "127.0.0.2"
REFUSAL_WORDS = ("refused",)


def loopback_targets(port: int, service_port: int) -> dict[str, str]:
    """Loopback addresses in their many spellings, and names that resolve to them."""
    return {
        "127.0.0.1": f"http://127.0.0.1:{service_port}/livez",
        "127.0.0.3 (other loopback)": f"http://127.0.0.3:{port}/feed.xml",
        "localhost (DNS name)": f"http://localhost:{service_port}/livez",
        "LocalHost (DNS name, mixed case)": f"http://LocalHost:{service_port}/livez",
        "[::1]": f"http://[::1]:{service_port}/livez",
        "[::ffff:127.0.0.1] (IPv4-mapped)": f"http://[::ffff:127.0.0.1]:{service_port}/livez",
        "0.0.0.0": f"http://0.0.0.0:{service_port}/livez",
        "2130706433 (decimal 127.0.0.1)": f"http://2130706433:{service_port}/livez",
        "127.1 (short form)": f"http://127.1:{service_port}/livez",
    }


#: Non-loopback targets; the guard refuses them before connecting.
PRIVATE_TARGETS: dict[str, str] = {
    "10.0.0.1": "http://10.0.0.1/feed.xml",
    "10.255.255.254:8080": "http://10.255.255.254:8080/feed.xml",
    "172.16.0.1": "http://172.16.0.1/feed.xml",
    "192.168.1.1": "http://192.168.1.1/feed.xml",
    "169.254.169.254 (cloud metadata)": "http://169.254.169.254/latest/meta-data/",
    "100.64.0.1 (shared address space)": "http://100.64.0.1/feed.xml",
    "[fd00::1] (IPv6 unique local)": "http://[fd00::1]/feed.xml",
    "[fe80::1] (IPv6 link-local)": "http://[fe80::1]/feed.xml",
}


def _refused(client: httpx.Client, url: str) -> tuple[bool, str]:
    """Whether ``/score_feed`` refuses ``url`` with the guard's 403 and message; and what it said."""
    try:
        response = client.post("/score_feed", json={"url": url})
    except httpx.HTTPError as exc:
        return False, f"no answer: {type(exc).__name__}"
    text = response.text[:240]
    return response.status_code == 403 and any(word in text.lower() for word in REFUSAL_WORDS), f"{response.status_code} {text}"


def ssrf_check(base_url: str, service_port: int) -> CheckResult:
    """Direct and redirected SSRF attempts; a control feed on the allowlisted host must still work."""
    problems: list[str] = []
    sent = refused = 0
    with FeedServer(host=ALLOWED_FEED_HOST) as feeds, httpx.Client(base_url=base_url, timeout=60) as client:
        control_url = feeds.add_file("/feed.xml", "rss2.xml")
        control = client.post("/score_feed", json={"url": control_url})
        if control.status_code != 200 or not control.json().get("items"):
            problems.append(f"the allowlisted control feed failed: {control.status_code} {control.text[:200]}")
        loopback = loopback_targets(urlsplit(feeds.base).port, service_port)
        for targets in (loopback, PRIVATE_TARGETS):
            if targets is PRIVATE_TARGETS and problems:
                problems.append("private (non-loopback) targets not tried after the problems above")
                break
            for name, target in targets.items():
                redirect = feeds.add(f"/redirect/{len(feeds.routes)}", location=target, status=302)
                for how, url in (("direct", target), ("redirect to", redirect)):
                    ok, said = _refused(client, url)
                    sent += 1
                    refused += ok
                    if not ok:
                        problems.append(f"{how} {name}: {said}")
    figures = {"attempts": sent, "refused": refused, "control_feed": control.status_code}
    return CheckResult("security-ssrf", not problems and refused == sent, figures, "; ".join(problems))


def _quadratic_blowup(references: int = 20_000) -> str:
    """One big literal entity referenced many times: no nesting, but a huge expansion."""
    refs = "&big;" * references
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{"x" * 5_000}">]>'
        f"<rss version=\"2.0\"><channel><title>Q</title><item><title>{refs}</title></item></channel></rss>"
    )


def entity_bomb_check(base_url: str, server_pid: int) -> CheckResult:
    """Billion laughs, external entities and quadratic blowup, as ``xml`` and by URL: never expanded."""
    documents = {
        "billion laughs": (FEEDS / "entity_bomb.xml").read_text(encoding="utf-8"),
        "external entity (XXE)": (FEEDS / "xxe.xml").read_text(encoding="utf-8"),
        "quadratic blowup": _quadratic_blowup(),
    }
    problems = []
    answers: dict[str, Any] = {}
    rss_before = tree_rss(server_pid)
    slowest = 0.0
    with FeedServer(host=ALLOWED_FEED_HOST) as feeds, httpx.Client(base_url=base_url, timeout=60) as client:
        for name, document in documents.items():
            url = feeds.add(f"/{len(feeds.routes)}.xml", body=document.encode("utf-8"))
            for how, body in (("xml", {"xml": document}), ("url", {"url": url})):
                began = time.monotonic()
                response = client.post("/score_feed", json=body)
                slowest = max(slowest, time.monotonic() - began)
                answers[f"{name} by {how}"] = response.status_code
                text = response.text
                expanded = "lollollol" in text or "x" * 10_000 in text or "root:" in text
                if response.status_code >= 500 or expanded or len(text) > 200_000:
                    problems.append(f"{name} by {how}: status {response.status_code}, {len(text)} bytes answered")
    growth = tree_rss(server_pid) - rss_before
    if growth > 200 * 2**20:
        problems.append(f"server memory grew {mib(growth)} MiB while handling entity bombs")
    figures = {"answers": answers, "slowest_s": round(slowest, 2), "rss_growth_mib": mib(growth)}
    return CheckResult("security-entity-bombs", not problems, figures, "; ".join(problems))


def access_check(base_url: str, api_key: str, allowed_origin: str, rate_limit: int) -> CheckResult:
    """A missing or wrong key, a foreign origin and a flood are refused; the right ones pass."""
    score = {"headlines": ["Parliament passes the budget"]}
    key = {"X-API-Key": api_key}
    evil = "https://evil.example"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key,content-type"}
    expectations: list[tuple[str, str, dict[str, Any], Any]] = [
        ("no key", "POST", {"json": score}, 401),
        ("wrong key", "POST", {"json": score, "headers": {"X-API-Key": "not-the-key"}}, 401),
        ("wrong bearer", "POST", {"json": score, "headers": {"Authorization": "Bearer nope"}}, 401),
        ("right key", "POST", {"json": score, "headers": key}, 200),
        ("right bearer", "POST", {"json": score, "headers": {"Authorization": f"Bearer {api_key}"}}, 200),
        ("GET /model without key", "GET", {}, 401),
        ("foreign origin with key", "POST", {"json": score, "headers": {**key, "Origin": evil}}, 403),
        ("foreign origin preflight", "OPTIONS", {"headers": {"Origin": evil, **preflight}}, "no-cors"),
        ("allowed origin preflight", "OPTIONS", {"headers": {"Origin": allowed_origin, **preflight}}, "cors"),
        ("allowed origin with key", "POST", {"json": score, "headers": {**key, "Origin": allowed_origin}}, "cors"),
    ]
    problems = []
    outcomes = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for name, method, kwargs, expected in expectations:
            path = "/model" if method == "GET" else "/score"
            response = client.request(method, path, **kwargs)
            allowed = response.headers.get("access-control-allow-origin")
            outcomes[name] = response.status_code
            if expected == "cors":
                good = response.status_code == 200 and allowed == kwargs["headers"]["Origin"]
            elif expected == "no-cors":
                good = allowed is None and response.status_code >= 400
            else:
                good = response.status_code == expected and (expected == 200 or allowed is None)
            if not good:
                problems.append(f"{name}: {response.status_code}, allow-origin={allowed!r}, {response.text[:120]!r}")
        limited = None
        for attempt in range(rate_limit * 3):
            response = client.post("/score", json=score, headers=key)
            if response.status_code == 429:
                limited = attempt
                outcomes["rate limit"] = f"429 after {attempt} more requests, Retry-After={response.headers.get('retry-after')}"
                if not response.headers.get("retry-after"):
                    problems.append("429 without Retry-After")
                break
        if limited is None:
            problems.append(f"no 429 after {rate_limit * 3} requests with a limit of {rate_limit} per minute")
    figures = {"cases": len(expectations) + 1, "refused_as_expected": len(expectations) + 1 - len(problems), "outcomes": outcomes}
    return CheckResult("security-api-key-cors", not problems, figures, "; ".join(problems))
