"""Hypothesis strategies and profiles shared by the reliability fuzz tests.

Profiles: ``ci`` (default, a few seconds per property, for ``make test``) and
``reliability`` (more examples, used by ``make reliability``); choose one with
``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Long inputs are part of the point, so no per-example deadline and no "too slow" health check;
# the example count bounds the run instead.
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile(
    "reliability",
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: Every code point, lone surrogates and unassigned ones included.
ANY_CHAR = st.characters(exclude_categories=())
#: Control, format, separator and surrogate characters: what normalisation has to clean.
INVISIBLE_CHAR = st.characters(categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Zs"))
#: Right-to-left scripts plus the bidi controls that reorder them.
RTL_CHAR = st.one_of(
    st.characters(min_codepoint=0x0590, max_codepoint=0x06FF),  # Hebrew, Arabic
    st.characters(min_codepoint=0xFB1D, max_codepoint=0xFDFF),  # presentation forms
    st.sampled_from(["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"]),
)
#: Markup fragments that exercise the HTML unescaping and tag stripping.
MARKUP = st.sampled_from(
    ["<b>", "</b>", "<", ">", "&amp;", "&amp;amp;", "&lt;i&gt;", "&#8220;", "&#x0;", "&#55296;", "<!--", "-->", "&"]
)

#: Any Unicode text, with markup and invisible characters mixed in.
ANY_TEXT = st.lists(st.one_of(ANY_CHAR, INVISIBLE_CHAR, RTL_CHAR, MARKUP), max_size=60).map("".join)


@st.composite
def long_text(draw, target: int = 100_000) -> str:
    """A string of at least ``target`` characters built by repeating a drawn fragment."""
    fragment = draw(st.text(ANY_CHAR, min_size=1, max_size=40))
    return (fragment * (target // len(fragment) + 1))[: target + draw(st.integers(0, 50))]


#: Printable headline-like text: letters and punctuation, never empty after normalisation.
HEADLINE = st.text(
    st.characters(categories=("L", "N", "P", "Zs", "S")), min_size=1, max_size=200
).filter(lambda t: any(c.isalnum() for c in t))
