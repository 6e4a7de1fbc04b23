"""Parse feed bytes with feedparser into items, or into a clear per-feed error.

Before feedparser sees a byte, the document's prolog is checked for dangerous XML
entity declarations ("billion laughs" expansion, external entities): such a feed is
refused with an error, never expanded. feedparser itself then strips the DOCTYPE and
keeps only literal entities, a second line of defence.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

#: An entity is accepted only as ``<!ENTITY name "literal">``: no references to other
#: entities (expansion), no SYSTEM/PUBLIC identifiers (external), no parameter entities.
_SAFE_ENTITY = re.compile(rb"""<!ENTITY\s+([\w.:-]+)\s+("(?:[^"&%<]|&\#\w+;)*"|'(?:[^'&%<]|&\#\w+;)*')\s*>""")
_ENTITY = re.compile(rb"<!ENTITY")
_FIRST_ELEMENT = re.compile(rb"<\w")
_DECLARED_ENCODING = re.compile(rb"""\A[^>]{0,200}?encoding\s*=\s*["']([A-Za-z][\w.:-]{0,40})["']""")
#: Most entity declarations a feed may make; real feeds declare a handful at most.
MAX_ENTITIES = 64


class UnsafeXMLError(ValueError):
    """The document declares entities that could expand without bound or reach outside."""


@dataclass
class FeedItem:
    """One entry of a feed, as the feed states it."""

    title: str
    link: str | None = None
    guid: str | None = None
    published: str | None = None
    summary: str | None = None


@dataclass
class ParsedFeed:
    """A parsed feed: its items, or ``error`` when nothing usable came out of it.

    ``warning`` is set when feedparser flagged the document as malformed (``bozo``) but
    still recovered items: they are kept, and the warning is recorded with the feed.
    """

    title: str | None = None
    items: list[FeedItem] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None
    version: str | None = None
    #: The feed's own site link and subtitle (description), when it states them.
    link: str | None = None
    subtitle: str | None = None


def _text_forms(raw: bytes) -> list[bytes]:
    """The document as ASCII-compatible bytes, for every encoding it might be in."""
    forms = [raw]
    if b"\x00" in raw[:4096]:
        # UTF-16/32: without the NULs, ASCII markup such as "<!ENTITY" becomes visible.
        forms.append(raw.replace(b"\x00", b""))
    declared = _DECLARED_ENCODING.match(forms[-1])
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")).name
            if "<!ENTITY".encode(codec, errors="ignore") != b"<!ENTITY":  # e.g. UTF-7, EBCDIC
                forms.append(raw.decode(codec, errors="replace").encode("utf-8"))
        except (LookupError, UnicodeError, ValueError):
            pass  # an encoding Python lacks: feedparser falls back to others, covered above
    return forms


def check_entities(raw: bytes) -> None:
    """Raise ``UnsafeXMLError`` when the prolog declares external, nested or too many entities.

    Only literal entities with a bounded total expansion pass. Entity declarations can
    only appear before the root element, so only that part of the document is searched.
    """
    for form in _text_forms(raw):
        if not _ENTITY.search(form):
            continue
        first = _FIRST_ELEMENT.search(form)
        prolog = form[: first.start()] if first else form
        declarations = [match.start() for match in _ENTITY.finditer(prolog)]
        if len(declarations) > MAX_ENTITIES:
            raise UnsafeXMLError(f"the feed declares {len(declarations)} XML entities (the limit is {MAX_ENTITIES})")
        expansion = 0
        for start in declarations:
            safe = _SAFE_ENTITY.match(prolog, start)
            if not safe:
                snippet = prolog[start : start + 60].decode("utf-8", "replace")
                raise UnsafeXMLError(
                    f"the feed declares an external or nested XML entity ({snippet!r}...); refused, never expanded"
                )
            name, value = safe.group(1), safe.group(2)
            expansion += (len(value) - 2) * form.count(b"&" + name + b";")
        if expansion > 10 * len(raw) + 65_536:
            raise UnsafeXMLError(f"the feed's XML entities would expand to {expansion} bytes; refused")


def _published(entry: Any) -> str | None:
    """ISO 8601 UTC time when feedparser understood the date, else the feed's own text."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        try:
            return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()
        except (TypeError, ValueError):
            pass
    return entry.get("published") or entry.get("updated") or None


def _item(entry: Any) -> FeedItem:
    return FeedItem(
        title=entry.get("title") or "",
        link=entry.get("link") or None,
        guid=entry.get("id") or None,
        published=_published(entry),
        summary=entry.get("summary") or None,
    )


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "malformed feed"
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def parse_feed(raw: bytes, headers: dict[str, str] | None = None, location: str | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0, Atom or RDF bytes; never raises for bad input.

    ``headers`` are the HTTP response headers (their charset counts, as feedparser
    defines); ``location`` is the document's URL, used with ``headers`` to resolve
    relative links. Local files are parsed without headers, as feedparser does for files.
    """
    import feedparser

    if not raw.replace(b"\x00", b"").strip(b" \t\r\n\xef\xbb\xbf\xfe\xff"):
        return ParsedFeed(error="the document is empty")
    try:
        check_entities(raw)
    except UnsafeXMLError as exc:
        return ParsedFeed(error=str(exc))
    response_headers = dict(headers or {})
    if response_headers and location:
        # Only with HTTP headers: feedparser flags a header set without Content-Type as bozo.
        response_headers.setdefault("content-location", location)
    try:
        # A BytesIO, never bare bytes or str: feedparser would open a str or bytes that
        # looks like a path or URL itself, letting a feed body read local files.
        parsed = feedparser.parse(io.BytesIO(raw), response_headers=response_headers)
    except Exception as exc:  # feedparser is meant not to raise; a bug in it must not end the run
        return ParsedFeed(error=f"feed parser failed: {_describe(exc)}")
    feed = parsed.get("feed", {})
    result = ParsedFeed(
        title=feed.get("title") or None,
        items=[_item(entry) for entry in parsed.get("entries", [])],
        version=parsed.get("version") or None,
        link=feed.get("link") or None,
        subtitle=feed.get("subtitle") or None,
    )
    if not result.items and not result.version and not result.title and not parsed.get("bozo"):
        return ParsedFeed(error="not an RSS, Atom or RDF feed (no feed element found)")
    if parsed.get("bozo"):
        problem = _describe(parsed.get("bozo_exception"))
        if result.items:
            result.warning = f"malformed feed, items recovered: {problem}"
        else:
            result.error = f"malformed feed: {problem}"
    return result
