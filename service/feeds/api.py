"""``POST /score_feed``: score one feed given as ``{"url": ...}`` or ``{"xml": "..."}``.

The service always applies the private-address guard to ``url`` (every DNS answer and
redirect hop); ``feed_allow_hosts`` lists hosts or networks it may reach anyway. The
download obeys ``feed_timeout_s`` and ``feed_max_bytes``, an ``xml`` body the same size
limit, and entity declarations are refused before parsing (see ``parse.check_entities``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.responses import JSONResponse

from model.result import Score
from service.feeds.fetch import Fetcher, FetchLimits, is_web_url
from service.feeds.output import item_record
from service.feeds.parse import parse_feed
from service.feeds.scorers import prepare
from service.feeds.ssrf import AddressGuard
from service.schemas import ScoreResult
from service.settings import ServiceConfig

#: Items scored per request; later items come back with a ``skip_reason`` saying so.
MAX_FEED_ITEMS = 1_000
#: Fetch failure kind -> HTTP status of the answer (also used by ``GET /feed``).
FETCH_ERROR_STATUS = {"blocked": 403, "too_large": 413, "timeout": 504, "http": 502, "network": 502}

ScoreTexts = Callable[[list[str]], Awaitable[list[Score]]]


class ScoreFeedRequest(BaseModel):
    """``POST /score_feed`` body: exactly one of ``url`` and ``xml``."""

    model_config = ConfigDict(
        extra="forbid",
        # BentoML's OpenAPI 3.0 schema takes one "example"; "examples" breaks /docs.json.
        # "oneOf" states "exactly one of url and xml" in the spec; the endpoint enforces it with a clear 400.
        json_schema_extra={
            "example": {"url": "https://news.example/rss.xml"},
            "oneOf": [
                {"required": ["url"], "properties": {"url": {"type": "string"}, "xml": {"enum": [None]}}},
                {"required": ["xml"], "properties": {"xml": {"type": "string"}, "url": {"enum": [None]}}},
            ],
        },
    )

    url: StrictStr | None = Field(
        default=None,
        description="http(s) URL of an RSS/Atom feed; private and loopback addresses are refused",
        # BentoML's OpenAPI 3.0 spec drops the null of `str | None`: say it is allowed.
        json_schema_extra={"nullable": True, "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
    )
    xml: StrictStr | None = Field(
        default=None, description="the feed document itself", json_schema_extra={"nullable": True, "minLength": 1}
    )


class FeedItemResult(BaseModel):
    """One item of the feed: its fields, and its ``score`` or the ``skip_reason`` it has none."""

    feed_url: str | None = Field(description="the requested URL (null for an `xml` request)")
    feed_title: str | None
    title: str = Field(description="the title as the feed states it (may be empty)")
    link: str | None
    guid: str | None
    published: str | None = Field(description="ISO 8601 UTC when the feed's date was understood, else its text")
    summary: str | None
    score: ScoreResult | None = Field(description="the same result shape as `POST /score`")
    skip_reason: str | None = Field(description="why the item has no score, e.g. an empty title")


class FeedInfo(BaseModel):
    """The scored feed."""

    url: str | None
    title: str | None
    warning: str | None = Field(description="set when the feed was malformed but items were recovered")


class ScoreFeedResponse(BaseModel):
    """``POST /score_feed`` answer: the feed and every item, in feed order."""

    feed: FeedInfo
    items: list[FeedItemResult]


class FeedRequestError(Exception):
    """A request the endpoint answers with a 4xx/5xx status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _document(url: str | None, xml: str | None, config: ServiceConfig) -> tuple[bytes, dict[str, str], str | None]:
    """The feed's bytes, HTTP headers and location, downloaded under the guard or taken from ``xml``."""
    if (url is None) == (xml is None):
        raise FeedRequestError(400, "send exactly one of 'url' (a feed address) or 'xml' (the feed document)")
    if xml is not None:
        raw = xml.encode("utf-8")
        if len(raw) > config.feed_max_bytes:
            raise FeedRequestError(413, f"xml is {len(raw)} bytes; the limit is {config.feed_max_bytes} bytes")
        # The text arrived as JSON (Unicode): its UTF-8 bytes win over any declared encoding.
        return raw, {"content-type": "application/xml; charset=utf-8"}, None
    if not is_web_url(url):
        raise FeedRequestError(400, "url must be an http(s) URL")
    limits = FetchLimits(timeout_s=config.feed_timeout_s, max_bytes=config.feed_max_bytes, retries=0)
    async with Fetcher(limits, guard=AddressGuard(config.feed_allow_hosts), concurrency=1) as fetcher:
        fetched = await fetcher.fetch(url)
    if fetched.error:
        status = FETCH_ERROR_STATUS.get(fetched.kind or "", 502)
        raise FeedRequestError(status, f"fetching the feed failed: {fetched.error}")
    return fetched.body or b"", fetched.headers, fetched.final_url


async def score_feed(url: str | None, xml: str | None, score_texts: ScoreTexts, config: ServiceConfig) -> dict[str, Any]:
    """Fetch or take the feed, parse it and score its titles; raise ``FeedRequestError`` on failure.

    ``score_texts`` scores normalised titles (the service's pooled, cached scoring).
    """
    import anyio

    raw, headers, location = await _document(url, xml, config)
    parsed = await anyio.to_thread.run_sync(parse_feed, raw, headers, location)
    if parsed.error:
        raise FeedRequestError(422, f"not a usable feed: {parsed.error}")
    prepared = [prepare(item) for item in parsed.items]
    reasons = [
        reason or (f"beyond the limit of {MAX_FEED_ITEMS} items per request" if index >= MAX_FEED_ITEMS else None)
        for index, (_, reason) in enumerate(prepared)
    ]
    scorable = [text for (text, _), reason in zip(prepared, reasons) if reason is None]
    results = iter(await score_texts(scorable) if scorable else [])
    items = [
        item_record(
            item, feed_url=url, feed_title=parsed.title, score=None if reason else next(results).to_dict(),
            skip_reason=reason,
        )
        for item, reason in zip(parsed.items, reasons)
    ]
    return {"feed": {"url": url, "title": parsed.title, "warning": parsed.warning}, "items": items}


async def score_feed_response(
    url: str | None, xml: str | None, score_texts: ScoreTexts, config: ServiceConfig
) -> JSONResponse:
    """:func:`score_feed` as an HTTP answer: 200 with the items, or the error status and ``{"error": ...}``."""
    try:
        return JSONResponse(await score_feed(url, xml, score_texts, config))
    except FeedRequestError as exc:
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
