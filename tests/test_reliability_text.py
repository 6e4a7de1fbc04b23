"""Property tests for ``model.text.normalize``: any Unicode in, clean idempotent text out."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from reliability_strategies import ANY_TEXT, RTL_CHAR, long_text

from model.text import normalize


def assert_clean(text: str) -> None:
    """What every normalised headline looks like: encodable, no invisibles, folded spaces."""
    text.encode("utf-8")  # raises on a lone surrogate
    assert text == text.strip()
    assert "  " not in text
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text)


@given(ANY_TEXT)
def test_any_unicode_normalises_to_clean_text(text):
    cleaned = normalize(text)
    assert_clean(cleaned)


@given(ANY_TEXT)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(long_text())
def test_100kb_strings(text):
    cleaned = normalize(text)
    assert_clean(cleaned)
    assert normalize(cleaned) == cleaned


@given(st.text(RTL_CHAR, min_size=1, max_size=80))
def test_rtl_text_keeps_its_letters(text):
    cleaned = normalize(text)
    assert_clean(cleaned)
    letters = [c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c).startswith("L")]
    # Bidi controls are dropped; the letters themselves, in order, are not.
    assert [c for c in cleaned if unicodedata.category(c).startswith("L")] == letters


@given(st.text(st.characters(categories=("Cc", "Cs")), max_size=50))
def test_only_control_characters_and_surrogates(text):
    assert_clean(normalize(text))
