"""``GET /feed?url=...``: the source feed again, as RSS or Atom, with every item's scores.

A feed reader subscribes to ``/feed?url=<feed URL>`` instead of the feed itself. Each poll
fetches the source through the service's feed path (private-address guard, size and time
limits, conditional GET with the ETag/Last-Modified stored from the last poll), stores
new items and their scores in the feed database, and answers with the items the source
lists now. The answer has its own ``ETag`` (a hash of the document) and ``Last-Modified``
(when the listing or a score last changed), so an unchanged feed costs the reader a 304.

``headline-lens feeds export`` writes the same document from the database
(:func:`stored_document`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, Response

from model.result import Score
from service.feeds.api import FETCH_ERROR_STATUS, MAX_FEED_ITEMS, FeedRequestError, ScoreTexts
from service.feeds.fetch import Fetcher, FetchLimits, is_web_url
from service.feeds.parse import ParsedFeed, parse_feed
from service.feeds.render import FORMATS, MEDIA_TYPES, FeedHeader, parse_time, render_feed
from service.feeds.run import NOT_MODIFIED, OK, RECOVERED, new_items
from service.feeds.scorers import prepare
from service.feeds.ssrf import AddressGuard
from service.feeds.store import FeedStore, Snapshot, dedup_key
from service.settings import ServiceConfig

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class FeedOptions:
    """How the rescored feed is written: format, score thresholds and title badges."""

    #: "rss" or "atom"; ``None`` = the source's own format (RSS 0.9x/1.0 become RSS 2.0).
    format: str | None = None
    min_clickbait: float | None = None
    max_clickbait: float | None = None
    max_bias: float | None = None
    badge: bool = False

    def keeps(self, item: Mapping[str, Any]) -> bool:
        """False for a scored item past a threshold; items without a score are always kept."""
        score = item.get("score")
        if not score:
            return True
        return not (
            (self.min_clickbait is not None and score["clickbait"] < self.min_clickbait)
            or (self.max_clickbait is not None and score["clickbait"] > self.max_clickbait)
            or (self.max_bias is not None and score["bias"] > self.max_bias)
        )


#: Query parameters of ``GET /feed`` besides ``url``.
OPTION_NAMES = ("format", "min_clickbait", "max_clickbait", "max_bias", "badge")


def _parameter(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


_SCORE = {"type": "number", "minimum": 0, "maximum": 1}
#: ``GET /feed``'s query parameters for the OpenAPI document (the endpoint reads the query itself,
#: to answer every problem with a 400 that names it).
OPENAPI_PARAMETERS = [
    _parameter("url", {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "example": "https://news.example/rss.xml"},
               "the feed's http(s) URL, percent-encoded; private and loopback addresses are refused", required=True),
    _parameter("format", {"type": "string", "enum": list(FORMATS)}, "output format; default: the source's own"),
    _parameter("min_clickbait", _SCORE, "drop scored items whose clickbait score is below this"),
    _parameter("max_clickbait", _SCORE, "drop scored items whose clickbait score is above this"),
    _parameter("max_bias", _SCORE, "drop scored items whose bias score is above this"),
    _parameter("badge", {"type": "boolean"}, "prefix flagged titles with a marker such as [clickbait 0.91]"),
]


def parse_query(params: Mapping[str, str]) -> tuple[str, FeedOptions]:
    """``(url, options)`` from the query; raise ``FeedRequestError(400)`` saying what is wrong."""
    unknown = sorted(set(params) - {"url", *OPTION_NAMES})
    if unknown:
        raise FeedRequestError(
            400,
            f"unknown query parameter(s) {', '.join(unknown)}; known: url, {', '.join(OPTION_NAMES)} "
            "(percent-encode a feed URL that has its own query string)",
        )
    url = params.get("url", "").strip()
    if not url:
        raise FeedRequestError(400, "the url parameter is required: /feed?url=<percent-encoded feed URL>")
    if not is_web_url(url) or not _host(url):
        raise FeedRequestError(400, "url must be an http(s) URL with a host and a valid port, if any: e.g. https://news.example/rss.xml")
    return url, parse_options(params)


def _host(url: str) -> str | None:
    """The URL's host name, or ``None`` when it has none or its port is not a number."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        return parts.hostname
    except ValueError:
        return None


def parse_options(params: Mapping[str, str | None]) -> FeedOptions:
    """:class:`FeedOptions` from text values (query or command line); ``FeedRequestError(400)`` if invalid."""
    kind = params.get("format") or None
    if kind is not None and kind not in FORMATS:
        raise FeedRequestError(400, f"format must be one of {', '.join(FORMATS)}")
    thresholds = {name: _probability(params, name) for name in ("min_clickbait", "max_clickbait", "max_bias")}
    low, high = thresholds["min_clickbait"], thresholds["max_clickbait"]
    if low is not None and high is not None and low > high:
        raise FeedRequestError(400, f"min_clickbait ({low}) is above max_clickbait ({high}): no item could pass")
    flag = (params.get("badge") or "").strip().lower()
    if flag not in _TRUE + _FALSE:
        raise FeedRequestError(400, "badge must be true or false")
    return FeedOptions(format=kind, badge=flag in _TRUE, **thresholds)


def _probability(params: Mapping[str, str | None], name: str) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise FeedRequestError(400, f"{name} must be a number from 0 to 1, got {raw!r}")
    return value


@dataclass(frozen=True)
class RenderedFeed:
    """A rescored feed document and its HTTP validators."""

    body: bytes
    media_type: str
    etag: str
    last_modified: datetime

    def headers(self) -> dict[str, str]:
        """``ETag``, ``Last-Modified`` and a ``Cache-Control`` that makes readers revalidate."""
        return {
            "ETag": self.etag,
            "Last-Modified": format_datetime(self.last_modified, usegmt=True),
            "Cache-Control": "no-cache",
        }

    def unchanged_for(self, request_headers: Mapping[str, str]) -> bool:
        """True when the reader's ``If-None-Match`` (or, without one, ``If-Modified-Since``) matches."""
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or self.etag in tags
        since = request_headers.get("if-modified-since")
        if since:
            try:
                return self.last_modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):  # an unreadable date is ignored, as RFC 9110 says
                return False
        return False


def _kind_of(parsed: ParsedFeed) -> str:
    """The output format matching the source: Atom for Atom, RSS 2.0 for every RSS/RDF flavour."""
    return "atom" if (parsed.version or "").startswith("atom") else "rss"


def _latest(*times: datetime | None) -> datetime:
    known = [time for time in times if time is not None]
    # HTTP dates have whole seconds: a finer Last-Modified would never equal the If-Modified-Since sent back.
    return max(known).replace(microsecond=0) if known else datetime(1970, 1, 1, tzinfo=timezone.utc)


def stored_document(
    store: FeedStore, urls: Sequence[str], options: FeedOptions, model_version: str | None = None
) -> RenderedFeed | None:
    """The rescored feed of ``urls`` from the database alone; ``None`` when none of them is stored.

    One URL with a listing saved by ``GET /feed`` gives exactly the document ``GET /feed``
    serves; otherwise every stored item of the feeds is written, oldest first per feed.
    Scores are ``model_version``'s (default: each item's newest).
    """
    feeds = {feed["url"]: feed for feed in store.feeds(urls or None)}
    if not feeds:
        return None
    items: list[dict[str, Any]] = []
    changed: list[datetime | None] = []
    kinds = set()
    snapshot = None
    for url in feeds:
        snapshot = store.snapshot(url)
        items.extend(store.feed_items(url, snapshot.keys if snapshot else None, model_version))
        changed.append(parse_time(snapshot.changed_at) if snapshot else None)
        kinds.add(snapshot.kind if snapshot else "rss")
    updated = _latest(
        *changed, *(parse_time(item["first_seen"]) for item in items), *(parse_time(item["scored_at"]) for item in items)
    )
    if len(feeds) == 1:
        (url, feed), = feeds.items()
        header = FeedHeader(
            title=feed["title"] or url, source_url=url, link=snapshot.link if snapshot else None,
            subtitle=snapshot.subtitle if snapshot else None, updated=updated,
        )
    else:
        header = FeedHeader(title=f"headline-lens: {len(feeds)} scored feeds", source_url="urn:headline-lens:feeds",
                            link=None, subtitle=None, updated=updated)
    kind = options.format or (kinds.pop() if len(kinds) == 1 else "rss")
    body = render_feed(kind, header, [item for item in items if options.keeps(item)], with_badges=options.badge)
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    return RenderedFeed(body=body, media_type=MEDIA_TYPES[kind], etag=etag, last_modified=updated)


def _validators(db: Path, url: str) -> tuple[str | None, str | None]:
    """The stored ETag/Last-Modified of the source, only when its listing is stored too.

    A feed scored by ``headline-lens feeds`` but never served here has validators but no
    listing: a 304 would leave nothing to answer with, so it is downloaded in full.
    """
    with FeedStore(db) as store:
        stored = store.feed(url)
        if stored is None or store.snapshot(url) is None:
            return None, None
        return stored.etag, stored.last_modified


def _save(db: Path, url: str, parsed: ParsedFeed, etag: str | None, last_modified: str | None, status: int) -> None:
    """Store the new items (unscored) and the source's listing in one transaction."""
    keys = list(dict.fromkeys(dedup_key(item, prepare(item)[0]) for item in parsed.items))
    with FeedStore(db) as store:
        stored = store.feed(url)
        fresh = new_items(parsed.items, store.known_keys(stored.id) if stored else set())
        store.save_feed(
            url, title=parsed.title, status=RECOVERED if parsed.warning else OK, http_status=status,
            error=parsed.warning, etag=etag, last_modified=last_modified, items=fresh,
            snapshot=Snapshot(kind=_kind_of(parsed), link=parsed.link, subtitle=parsed.subtitle, keys=keys),
        )


def _record_not_modified(db: Path, url: str, etag: str | None, last_modified: str | None) -> None:
    with FeedStore(db) as store:
        store.record_status(url, status=NOT_MODIFIED, http_status=304, error=None, etag=etag,
                            last_modified=last_modified)


def _unscored(db: Path, url: str, model_version: str) -> list[tuple[int, str]]:
    """``(item_id, normalized_title)`` of listed items (up to the per-request limit) without a score."""
    with FeedStore(db) as store:
        snapshot = store.snapshot(url)
        listed = store.feed_items(url, snapshot.keys[:MAX_FEED_ITEMS], model_version) if snapshot else []
    return [(item["item_id"], item["normalized_title"]) for item in listed
            if item["score"] is None and item["skip_reason"] is None]


def _save_scores(db: Path, scored: list[tuple[int, Score]]) -> None:
    with FeedStore(db) as store:
        store.save_scores(scored)


def _document(db: Path, url: str, options: FeedOptions, model_version: str) -> RenderedFeed | None:
    with FeedStore(db) as store:
        return stored_document(store, [url], options, model_version)


async def rescored_feed(
    params: Mapping[str, str], score_texts: ScoreTexts, model_version: str, config: ServiceConfig
) -> RenderedFeed:
    """Fetch, store, score and render the feed named by ``params``; raise ``FeedRequestError``."""
    import anyio

    url, options = parse_query(params)
    db = config.feed_db_path
    etag, last_modified = await anyio.to_thread.run_sync(_validators, db, url)
    limits = FetchLimits(timeout_s=config.feed_timeout_s, max_bytes=config.feed_max_bytes, retries=0)
    async with Fetcher(limits, guard=AddressGuard(config.feed_allow_hosts), concurrency=1) as fetcher:
        fetched = await fetcher.fetch(url, etag, last_modified)
    if fetched.not_modified:
        await anyio.to_thread.run_sync(_record_not_modified, db, url, fetched.etag, fetched.last_modified)
    elif fetched.error:
        status = FETCH_ERROR_STATUS.get(fetched.kind or "", 502)
        raise FeedRequestError(status, f"fetching the feed failed: {fetched.error}")
    else:
        parsed = await anyio.to_thread.run_sync(parse_feed, fetched.body or b"", fetched.headers, fetched.final_url)
        if parsed.error:
            raise FeedRequestError(422, f"not a usable feed: {parsed.error}")
        await anyio.to_thread.run_sync(_save, db, url, parsed, fetched.etag, fetched.last_modified, fetched.status)
    pending = await anyio.to_thread.run_sync(_unscored, db, url, model_version)
    if pending:
        results = await score_texts([text for _, text in pending])
        await anyio.to_thread.run_sync(_save_scores, db, [(item_id, result) for (item_id, _), result in
                                                          zip(pending, results)])
    rendered = await anyio.to_thread.run_sync(_document, db, url, options, model_version)
    if rendered is None:  # only if the database was emptied between two steps
        raise FeedRequestError(503, "the feed database changed during the request; try again")
    return rendered


async def rescored_feed_response(
    params: Mapping[str, str], request_headers: Mapping[str, str], score_texts: ScoreTexts, model_version: str,
    config: ServiceConfig,
) -> Response:
    """:func:`rescored_feed` as an HTTP answer: the feed, a 304 for a matching validator, or the error."""
    try:
        rendered = await rescored_feed(params, score_texts, model_version, config)
    except FeedRequestError as exc:
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
    if rendered.unchanged_for(request_headers):
        return Response(status_code=304, headers=rendered.headers())
    return Response(rendered.body, media_type=rendered.media_type, headers=rendered.headers())
