"""Headline normalisation shared by training and serving.

Case and punctuation are kept on purpose: "What Happens Next Will Shock You!" and
"what happens next will shock you" carry different amounts of signal.
"""

from __future__ import annotations

import html
import re
import unicodedata

#: Bump whenever ``normalize`` changes its output for any input.
PREPROCESSING_VERSION = 1

# Only things that look like real markup: a letter or "/" right after "<".
# "a < b and c > d" is text, not a tag.
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]{0,500}>", re.DOTALL)
_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
    }
)
# Text is stable once a pass changes nothing; nested entities ("&amp;amp;") need
# one pass per level, and each changing pass shortens the string.
_MAX_PASSES = 8


def _drop_invisible(text: str) -> str:
    """Replace control and format characters by spaces, lone surrogates by U+FFFD."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            out.append("\ufffd")
        elif category in ("Cc", "Cf", "Zl", "Zp"):
            # Zero-width joiners and friends are invisible noise in headlines.
            out.append(" " if category != "Cf" else "")
        else:
            out.append(char)
    return "".join(out)


def _one_pass(text: str) -> str:
    text = html.unescape(text)
    text = _TAG.sub(" ", text)
    text = _drop_invisible(text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES)
    return " ".join(text.split())


def normalize(text: str) -> str:
    """Normalise one headline: unescape HTML, strip tags, NFKC, straighten quotes, fold spaces.

    The result is idempotent: ``normalize(normalize(x)) == normalize(x)``.
    """
    if not isinstance(text, str):
        raise TypeError(f"headline must be a str, not {type(text).__name__}")
    for _ in range(_MAX_PASSES):
        cleaned = _one_pass(text)
        if cleaned == text:
            break
        text = cleaned
    return text
