"""Write scored feed items as an RSS 2.0 or Atom feed, with ElementTree (no XML by string).

Each item keeps its title, link, guid, date and summary, and carries its scores twice:
as categories (``clickbait:0.91``), which every feed reader shows or filters on, and as
elements of the ``hl:`` namespace (``<hl:clickbait label="true">0.9100</hl:clickbait>``)
for programs. Items without a score (an empty title) say why in ``<hl:skipped>``.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

from model.labels import HEAD_NAMES

#: The ``hl:`` namespace of the score elements.
HL_NS = "urn:headline-lens:feed-scores:1"
ATOM_NS = "http://www.w3.org/2005/Atom"
FORMATS = ("rss", "atom")
MEDIA_TYPES = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8"}
GENERATOR = "headline-lens"

ET.register_namespace("hl", HL_NS)


@dataclass(frozen=True)
class FeedHeader:
    """The channel/feed element: where the scored items come from."""

    title: str
    source_url: str
    link: str | None
    subtitle: str | None
    updated: datetime


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as stored for items and fetches (UTC when no zone is given), or ``None``."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:  # a date feedparser did not understand is stored as the feed's own text
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def badge(title: str, score: Mapping[str, Any] | None) -> str:
    """``title`` prefixed with a marker per head whose label is on, e.g. ``[clickbait 0.91] ...``."""
    if not score:
        return title
    markers = [f"[{head} {score[head]:.2f}]" for head in HEAD_NAMES if score["labels"].get(head)]
    return " ".join([*markers, title]) if markers else title


def _text(parent: ET.Element, tag: str, text: str | None, **attrib: str) -> ET.Element | None:
    if text is None:
        return None
    element = ET.SubElement(parent, tag, attrib)
    element.text = text
    return element


def _score_elements(parent: ET.Element, item: Mapping[str, Any]) -> None:
    score = item.get("score")
    if not score:
        _text(parent, f"{{{HL_NS}}}skipped", item.get("skip_reason") or "not scored")
        return
    for head in HEAD_NAMES:
        _text(parent, f"{{{HL_NS}}}{head}", f"{score[head]:.4f}", label=str(bool(score["labels"][head])).lower())
    _text(parent, f"{{{HL_NS}}}model", score.get("model_version"))


def _categories(item: Mapping[str, Any]) -> list[str]:
    score = item.get("score")
    return [f"{head}:{score[head]:.2f}" for head in HEAD_NAMES] if score else []


def _atom_id(item: Mapping[str, Any], source_url: str) -> str:
    """A stable entry id: the guid, else the link, else a URN from the source URL and the item's key."""
    if item.get("guid") or item.get("link"):
        return item.get("guid") or item["link"]
    digest = hashlib.sha256(f"{source_url}\x00{item.get('key', '')}".encode()).hexdigest()[:32]
    return f"urn:headline-lens:item:{digest}"


def render_feed(kind: str, header: FeedHeader, items: Sequence[Mapping[str, Any]], with_badges: bool = False) -> bytes:
    """The items as an RSS 2.0 (``kind="rss"``) or Atom (``"atom"``) document, UTF-8 bytes."""
    if kind not in FORMATS:
        raise ValueError(f"unknown feed format {kind!r}; use one of {', '.join(FORMATS)}")
    root = _rss(header, items, with_badges) if kind == "rss" else _atom(header, items, with_badges)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _rss(header: FeedHeader, items: Sequence[Mapping[str, Any]], with_badges: bool) -> ET.Element:
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", header.title)
    _text(channel, "link", header.link or header.source_url)
    _text(channel, "description", header.subtitle or f"{header.title}, scored for clickbait and bias")
    _text(channel, "lastBuildDate", format_datetime(header.updated, usegmt=True))
    _text(channel, "generator", GENERATOR)
    for item in items:
        element = ET.SubElement(channel, "item")
        title = item.get("title") or ""
        _text(element, "title", badge(title, item.get("score")) if with_badges else title)
        _text(element, "link", item.get("link"))
        _text(element, "description", item.get("summary"))
        if item.get("guid"):
            _text(element, "guid", item["guid"], isPermaLink="false")
        published = parse_time(item.get("published"))
        if published:
            _text(element, "pubDate", format_datetime(published.astimezone(timezone.utc), usegmt=True))
        for category in _categories(item):
            _text(element, "category", category, domain=HL_NS)
        _score_elements(element, item)
    return root


def _atom(header: FeedHeader, items: Sequence[Mapping[str, Any]], with_badges: bool) -> ET.Element:
    # Atom's elements go in the default namespace, declared on the root. (ElementTree's
    # default_namespace option cannot write the unqualified attributes Atom uses.)
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(root, "id", header.source_url)
    _text(root, "title", header.title)
    _text(root, "subtitle", header.subtitle)
    _text(root, "updated", header.updated.isoformat())
    if header.link:
        ET.SubElement(root, "link", {"rel": "alternate", "href": header.link})
    ET.SubElement(root, "link", {"rel": "via", "href": header.source_url})
    _text(root, "generator", GENERATOR)
    for item in items:
        entry = ET.SubElement(root, "entry")
        _text(entry, "id", _atom_id(item, header.source_url))
        title = item.get("title") or ""
        _text(entry, "title", badge(title, item.get("score")) if with_badges else title)
        if item.get("link"):
            ET.SubElement(entry, "link", {"rel": "alternate", "href": item["link"]})
        published = parse_time(item.get("published"))
        # Atom requires <updated>: the item's own date, else when it was first seen.
        updated = published or parse_time(item.get("first_seen")) or header.updated
        _text(entry, "updated", updated.isoformat())
        if published:
            _text(entry, "published", published.isoformat())
        _text(entry, "summary", item.get("summary"))
        for category in _categories(item):
            ET.SubElement(entry, "category", {"term": category, "scheme": HL_NS})
        _score_elements(entry, item)
    return root
