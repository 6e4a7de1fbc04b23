"""The bad-input matrix: request bodies the service must answer with a 4xx and a message.

Shared by ``tests/test_reliability_http.py`` and the ``make reliability`` runner, which
send each case over real HTTP and then check that the server still answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class BadInput:
    """One malformed request: where it goes, its raw body and content type."""

    name: str
    path: str
    body: bytes
    content_type: str = "application/json"


def _json(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")


#: Deep enough to exhaust a recursive JSON parser, small enough to send in a blink.
NESTING_DEPTH = 100_000

SCORE_CASES: tuple[BadInput, ...] = (
    BadInput("empty body", "/score", b""),
    BadInput("invalid JSON", "/score", b'{"headlines": ["a",'),
    BadInput("invalid UTF-8", "/score", b'{"headlines": ["caf\xe9 \xff\xfe news"]}'),
    BadInput("JSON null", "/score", b"null"),
    BadInput("top-level list", "/score", _json(["Parliament passes the budget"])),
    BadInput("headlines is a string", "/score", _json({"headlines": "Parliament passes the budget"})),
    BadInput("headline is a number", "/score", _json({"headlines": [1, 2.5]})),
    BadInput("headline is null", "/score", _json({"headlines": [None]})),
    BadInput("explain is a string", "/score", _json({"headlines": ["Rates fall"], "explain": "yes"})),
    BadInput("unknown field", "/score", _json({"headlines": ["Rates fall"], "debug": True})),
    BadInput("no headlines", "/score", _json({"headlines": []})),
    BadInput("blank headline", "/score", _json({"headlines": ["  <b></b> \u200b "]})),
    BadInput("10,000 headlines", "/score", _json({"headlines": [f"Headline number {i}" for i in range(10_000)]})),
    BadInput("1 MB headline", "/score", _json({"headlines": ["x" * 1_000_000]})),
    BadInput("nested junk", "/score", _json({"headlines": [[[{"a": [1, {"b": None}]}]]]})),
    BadInput("deeply nested arrays", "/score", b'{"headlines": ' + b"[" * NESTING_DEPTH + b"]" * NESTING_DEPTH + b"}"),
    BadInput("form-encoded body", "/score", b"headlines=Rates+fall", "application/x-www-form-urlencoded"),
)

FEEDBACK_CASES: tuple[BadInput, ...] = (
    BadInput("feedback empty body", "/feedback", b""),
    BadInput("feedback score out of range", "/feedback", _json({"text": "Rates fall", "head": "bias", "score": 7})),
    BadInput("feedback unknown head", "/feedback", _json({"text": "Rates fall", "head": "sarcasm", "score": 0.5})),
    BadInput("feedback score is a string", "/feedback", _json({"text": "Rates fall", "head": "bias", "score": "0.5"})),
    BadInput("feedback 1 MB comment", "/feedback", _json({"text": "Rates fall", "head": "bias", "score": 0.1, "comment": "c" * 1_000_000})),
)

FEED_CASES: tuple[BadInput, ...] = (
    BadInput("score_feed neither url nor xml", "/score_feed", _json({})),
    BadInput("score_feed both url and xml", "/score_feed", _json({"url": "http://127.0.0.1/", "xml": "<rss/>"})),
    BadInput("score_feed url is a number", "/score_feed", _json({"url": 5})),
    BadInput("score_feed file URL", "/score_feed", _json({"url": "file:///etc/passwd"})),
    BadInput("score_feed invalid JSON", "/score_feed", b'{"url": '),
)

_ARTICLE = {"id": "a", "headline": "Parliament passes the budget", "body": "The vote was close. It passed."}

STORY_CASES: tuple[BadInput, ...] = (
    BadInput("score_article empty body", "/score_article", b""),
    BadInput("score_article blank headline", "/score_article", _json({"headline": " \u200b "})),
    BadInput("score_article body is a list", "/score_article", _json({"headline": "Rates fall", "body": ["a"]})),
    BadInput("score_article 1 MB body", "/score_article", _json({"headline": "Rates fall", "body": "Word. " * 170_000})),
    BadInput("score_article unknown field", "/score_article", _json({"headline": "Rates fall", "url": "x"})),
    BadInput("compare one article", "/compare", _json({"articles": [_ARTICLE]})),
    BadInput("compare 1,000 articles", "/compare", _json({"articles": [{**_ARTICLE, "id": str(i)} for i in range(1000)]})),
    BadInput("compare repeated ids", "/compare", _json({"articles": [_ARTICLE, _ARTICLE]})),
    BadInput("compare bad date", "/compare", _json({"articles": [{**_ARTICLE, "published": "yesterday"},
                                                                  {**_ARTICLE, "id": "b"}]})),
    BadInput("compare article is a string", "/compare", _json({"articles": ["a", "b"]})),
    BadInput("compare nested junk", "/compare", _json({"articles": [[[{"a": [1, {"b": None}]}]]]})),
)

ALL_CASES: tuple[BadInput, ...] = SCORE_CASES + FEEDBACK_CASES + FEED_CASES + STORY_CASES

#: A request that must succeed between bad ones: the server is still answering.
GOOD_SCORE = _json({"headlines": ["Parliament passes the budget"]})


def error_message(body: bytes) -> str:
    """The human-readable message of an error answer (JSON ``error``/``detail``/``message`` or text)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, dict):
        for key in ("error", "detail", "message", "errors"):
            if parsed.get(key):
                value = parsed[key]
                return value if isinstance(value, str) else json.dumps(value)
    return text
