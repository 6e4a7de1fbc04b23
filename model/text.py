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
    # Python's "printable" excludes every category handled below (and Zs, which the slow
    # path keeps), so most headlines skip the per-character pass below.
    if text.isprintable():
        return text
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


#: Longest text scored, in characters, as sent and after normalisation (NFKC can lengthen a
#: text): longer "headlines" are paragraphs. The service may lower it (``max_chars``).
MAX_CHARS = 2_000


class TextError(ValueError):
    """A text that cannot be scored: empty or too long after normalisation.

    ``index`` is its position in the input, ``reason`` says what is wrong without the text.
    """

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"headline {index} {reason}")
        self.index = index
        self.reason = reason


def clean(text: str, index: int = 0, max_chars: int = MAX_CHARS) -> str:
    """``normalize(text)``, or ``TextError`` when it is empty, or longer than ``max_chars`` as sent
    or after normalisation.

    The one validation rule of every way in (HTTP schemas, ``Scorer``, feeds, archive).
    """
    # Checked first so that an oversized text is refused before any work is spent on it.
    if len(text) > max_chars:
        raise TextError(index, f"has {len(text)} characters; the limit is {max_chars} characters")
    normalized = normalize(text)
    if not normalized:
        raise TextError(index, "is empty or whitespace-only (after normalisation)")
    if len(normalized) > max_chars:
        raise TextError(
            index, f"has {len(normalized)} characters (after normalisation); the limit is {max_chars} characters"
        )
    return normalized
