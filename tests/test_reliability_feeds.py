"""Property tests for the feed parser: malformed XML yields an error record, never an exception."""

from xml.parsers import expat

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reliability_strategies import ANY_TEXT

from service.feeds.parse import ParsedFeed, parse_feed

RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
    b"<item><title>Parliament passes the budget</title><link>https://example.org/1</link></item>"
    b"<item><title>You Won&apos;t Believe This</title><guid>g2</guid></item></channel></rss>"
)
ATOM = (
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>'
    b"<entry><title>Rates fall</title><id>urn:1</id></entry></feed>"
)
ENCODINGS = ("utf-8", "utf-16", "latin-1", "utf-7", "cp037")


def well_formed(raw: bytes) -> bool:
    """Whether a strict XML parser accepts the document."""
    parser = expat.ParserCreate()
    try:
        parser.Parse(raw, True)
    except (expat.ExpatError, ValueError, LookupError):  # LookupError: an unknown declared encoding
        return False
    return True


def assert_record(result: ParsedFeed, raw: bytes) -> None:
    """A parse result is items or an error record; a malformed document never passes as an empty feed.

    ``raw`` is the document as a strict parser can read it (UTF-8/16 or declared). Items that
    feedparser recovers from a malformed document are kept (with or without a warning).
    """
    assert isinstance(result, ParsedFeed)
    assert all(isinstance(item.title, str) for item in result.items)
    if result.error is not None:
        assert result.error and not result.items
    if not result.items and not well_formed(raw):
        assert result.error, f"malformed document {raw[:80]!r} gave neither items nor an error"


@st.composite
def damaged_feed(draw) -> bytes:
    """A real feed cut short, spliced with junk, or with bytes flipped."""
    raw = bytearray(draw(st.sampled_from([RSS, ATOM])))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["cut", "splice", "flip"]))
        if action == "cut":
            del raw[position:]
        elif action == "splice":
            raw[position:position] = draw(
                st.one_of(
                    st.binary(max_size=20),
                    st.sampled_from([b"<", b"&", b"]]>", b"<!ENTITY a 'b'>", b"<![CDATA[", b"\x00", b"&#0;", b"</rss>"]),
                )
            )
        elif raw and position < len(raw):
            raw[position] ^= draw(st.integers(1, 255))
    return bytes(raw)


def has_content(raw: bytes) -> bool:
    # Empty and blank documents have their own test below, so each defect shows up once.
    return bool(raw.strip(b" \t\r\n\x00"))


@given(st.binary(max_size=2_000).filter(has_content))
def test_arbitrary_bytes_never_raise(raw):
    assert_record(parse_feed(raw), raw)


@given(damaged_feed().filter(has_content))
def test_damaged_feeds_are_flagged_never_raise(raw):
    assert_record(parse_feed(raw), raw)


@given(ANY_TEXT, st.sampled_from(ENCODINGS))
def test_any_text_in_any_encoding(text, encoding):
    raw = f"<rss><channel><item><title>{text}</title></item></channel></rss>".encode(encoding, errors="replace")
    result = parse_feed(raw, headers={"content-type": f"application/rss+xml; charset={encoding}"})
    # The strict parser reads only UTF-8/16 and Latin-1 by itself: give it the document as declared.
    assert_record(result, raw.decode(encoding, errors="replace").encode("utf-8", errors="surrogatepass"))


@pytest.mark.parametrize("raw", [b"", b"   \n", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom-only"])
def test_empty_document_is_an_error(raw):
    result = parse_feed(raw)
    assert result.error, "an empty body is not a feed; it must not pass as a feed with no items"
