"""Schemathesis hooks for the contract run (loaded through ``SCHEMATHESIS_HOOKS``).

Generated ``/score_feed`` bodies and ``/feed`` queries may name any host (the schema's example is a public
address). The contract run sends no traffic off loopback, so every URL with a host is
pointed at the local feed server named by ``RELIABILITY_FEED_URL`` before the call.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import schemathesis

FEED_URL_ENV = "RELIABILITY_FEED_URL"


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).netloc)
    except ValueError:
        return True  # unparseable: rewrite it rather than let the service guess a host


@schemathesis.hook
def before_call(context, case, kwargs):
    """Point a generated feed URL at the local feed server."""
    body = case.body
    url = body.get("url") if case.path == "/score_feed" and isinstance(body, dict) else None
    if isinstance(url, str) and _has_host(url):
        case.body = {**body, "url": os.environ[FEED_URL_ENV]}
    query = case.query if case.path == "/feed" and isinstance(case.query, dict) else {}
    if isinstance(query.get("url"), str) and _has_host(query["url"]):
        case.query = {**query, "url": os.environ[FEED_URL_ENV]}
