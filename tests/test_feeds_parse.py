"""Feed parsing: formats, encodings, malformed XML, entity payloads, and feedparser's own corpus."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from service.feeds.parse import UnsafeXMLError, check_entities, parse_feed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def parse_fixture(name: str, **kwargs):
    return parse_feed((FEEDS / name).read_bytes(), **kwargs)


def test_rss2_items_carry_every_field():
    feed = parse_fixture("rss2.xml")
    assert feed.error is None and feed.warning is None
    assert feed.title == "Harbour Town Courier" and feed.version == "rss20"
    first = feed.items[0]
    assert first.title == "You Won't Believe What Happened At The Harbour Festival"
    assert first.link == "https://courier.example/2026/11/festival"
    assert first.guid == "courier-1001"
    assert first.published == "2026-11-21T09:30:00+00:00"
    assert "runaway" in first.summary
    assert feed.items[2].guid is None  # no guid in the feed: none invented
    assert len(feed.items) == 5  # parsing keeps duplicates and blank titles; storage decides


def test_atom_dates_are_converted_to_utc():
    feed = parse_fixture("atom.xml")
    assert feed.version == "atom10" and feed.title == "Valley Science Notes"
    assert [item.guid for item in feed.items] == ["urn:uuid:valley-entry-1", "urn:uuid:valley-entry-2"]
    assert feed.items[0].published == "2026-11-21T06:15:00+00:00"


def test_rdf_feed():
    feed = parse_fixture("rdf.xml")
    assert feed.version == "rss10"
    assert [item.link for item in feed.items] == ["https://wire.example/rail", "https://wire.example/storm"]


def test_declared_latin1_is_decoded():
    feed = parse_fixture("latin1.xml")
    assert feed.error is None
    assert feed.title == "Le Réveil du Port"
    assert feed.items[0].title == "Café réouvre après les travaux d'été"


def test_http_charset_beats_the_declaration():
    raw = (FEEDS / "latin1.xml").read_bytes().decode("latin-1").encode("utf-8")
    feed = parse_feed(raw, headers={"content-type": "application/rss+xml; charset=utf-8"})
    assert feed.items[0].title == "Café réouvre après les travaux d'été"


def test_malformed_feed_keeps_recovered_items_with_a_warning():
    feed = parse_fixture("malformed.xml")
    assert feed.error is None
    assert feed.warning.startswith("malformed feed, items recovered")
    assert feed.items


def test_unusable_feed_is_an_error_record():
    feed = parse_fixture("not_a_feed.xml")
    assert feed.error.startswith("malformed feed") and not feed.items


@pytest.mark.parametrize("raw", [b"<html><body>hello</body></html>", b"<?xml version='1.0'?><note>hi</note>"])
def test_xml_that_is_not_a_feed_is_an_error(raw):
    assert parse_feed(raw).error


@pytest.mark.parametrize("name", ["entity_bomb.xml", "xxe.xml"])
def test_entity_payloads_are_refused_before_parsing(name):
    feed = parse_fixture(name)
    assert "refused" in feed.error and not feed.items


def test_bomb_in_utf16_is_refused_too():
    raw = (FEEDS / "entity_bomb.xml").read_text().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(UnsafeXMLError):
        check_entities(raw)


def test_quadratic_blowup_is_refused():
    big = "x" * 50_000
    raw = f'<!DOCTYPE rss [<!ENTITY a "{big}">]><rss><channel><title>{"&a;" * 2_000}</title></channel></rss>'
    with pytest.raises(UnsafeXMLError, match="expand"):
        check_entities(raw.encode())


def test_literal_entities_are_allowed_and_expanded():
    feed = parse_fixture("literal_entity.xml")
    assert feed.error is None
    assert feed.items[0].title == "Harbour Town opens its new library"


def test_entity_text_after_the_root_is_content_not_a_declaration():
    raw = b"<rss version='2.0'><channel><title>XML tips</title><item><title>Why &lt;!ENTITY x SYSTEM&gt; is risky" \
          b"</title><description><![CDATA[<!ENTITY x SYSTEM 'file:///etc/passwd'>]]></description></item></channel></rss>"
    feed = parse_feed(raw)
    assert feed.error is None and len(feed.items) == 1


def test_a_body_that_looks_like_a_path_is_never_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes((FEEDS / "rss2.xml").read_bytes())
    feed = parse_feed(str(secret).encode())
    assert not feed.items and feed.error


def corpus_dir() -> Path:
    from model.paths import data_dir

    if not os.environ.get("HEADLINE_LENS_DATA"):
        pytest.skip("HEADLINE_LENS_DATA is unset: the feedparser test corpus lives in the public data directory")
    corpus = data_dir() / "feedparser_tests"
    if not corpus.is_dir():
        pytest.skip(f"{corpus} is missing: the data directory has no feedparser_tests corpus")
    return corpus


def test_every_corpus_feed_parses_to_items_or_an_error_record():
    """feedparser's own 2,106 test feeds: items, an empty feed or an error record, never an exception.

    Nothing feedparser reads cleanly is lost: a document it parses without ``bozo`` and with
    entries keeps all of them, unless it was refused for an entity declaration.
    """
    import io

    import feedparser

    files = sorted(corpus_dir().rglob("*.xml"))
    assert len(files) > 2_000
    outcomes: Counter = Counter()
    for path in files:
        raw = path.read_bytes()
        feed = parse_feed(raw)
        assert feed.error is None or not feed.items, path
        assert all(isinstance(item.title, str) for item in feed.items), path
        outcomes["error" if feed.error else "items" if feed.items else "empty"] += 1
        reference = feedparser.parse(io.BytesIO(raw))
        if not reference.bozo and reference.entries and "refused" not in (feed.error or ""):
            assert len(feed.items) == len(reference.entries) and feed.warning is None, path
    assert outcomes["items"] > 1_000
    print(f"corpus: {len(files)} feeds -> {dict(outcomes)}")
