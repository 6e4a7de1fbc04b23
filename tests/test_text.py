from model.text import PREPROCESSING_VERSION, normalize


def test_keeps_case_and_punctuation():
    assert normalize("What Happens Next Will Shock You!") == "What Happens Next Will Shock You!"


def test_unescapes_html_and_strips_tags():
    assert normalize("Tom &amp; Jerry <b>return</b>&nbsp;today") == "Tom & Jerry return today"


def test_nested_entities_resolve_fully():
    assert normalize("&amp;lt;i&amp;gt;Hi&amp;lt;/i&amp;gt;") == "Hi"


def test_comparison_signs_are_text_not_tags():
    assert normalize("Rates < 5% and > 2% says bank") == "Rates < 5% and > 2% says bank"


def test_straightens_quotes_and_nfkc():
    assert normalize("\u201cFake\u201d news\u2019s ＦＵＬＬ width") == "\"Fake\" news's FULL width"


def test_folds_whitespace_and_drops_invisible_characters():
    assert normalize("  Breaking:\n\tnews\u200b here\x00 ") == "Breaking: news here"
    # One invisible character in otherwise printable text still takes the slow path.
    assert normalize("soft\u00adhyphen, line\u2028break, lone \ud800") == "softhyphen, line break, lone \ufffd"


def test_lone_surrogate_becomes_replacement_character():
    assert normalize("bad \ud800 text") == "bad \ufffd text"


def test_idempotent_on_tricky_inputs():
    for text in ["&amp;amp;amp;x", "<<b>>a", "ﬁ &#8220;x&#8221;", "a\u2028b", "<!-- c -->d"]:
        once = normalize(text)
        assert normalize(once) == once


def test_rejects_non_strings():
    import pytest

    with pytest.raises(TypeError):
        normalize(None)  # type: ignore[arg-type]


def test_version_is_an_int():
    assert isinstance(PREPROCESSING_VERSION, int)
