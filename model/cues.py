"""A small, documented taxonomy of headline cues, matched with regular expressions.

Explanations name the pattern behind an influential word when one of these matches.
The taxonomy is deliberately small and English-only; a word can drive a score without
matching any cue (``cue`` is then ``None``).

================== ==============================================================
cue                what it matches (examples)
================== ==============================================================
curiosity_gap      withholding the point: "what happens next", "you won't believe",
                   "this is why", "the reason", "here's how", "the truth about"
second_person      addressing the reader: "you", "your", "you'll", "yourself"
hyperbole          exaggeration: "shocking", "incredible", "insane", "best ever",
                   "mind-blowing", "epic", "jaw-dropping", "unbelievable"
listicle_number    a counted list: "17 things", "10 reasons", "7 surprising ways"
urgency            time pressure: "now", "right now", "before it's too late",
                   "breaking", "urgent", "don't miss", "last chance"
emotional_appeal   feelings: "heartbreaking", "terrifying", "outrage", "tears",
                   "furious", "adorable", "devastating"
loaded_term        one-sided or pejorative framing: "radical", "regime", "thugs",
                   "slams", "destroys", "scheme", "so-called", "elites"
================== ==============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """One named pattern; ``pattern`` is matched case-insensitively on normalised text."""

    name: str
    description: str
    pattern: re.Pattern[str]


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


CUES: tuple[Cue, ...] = (
    Cue(
        "curiosity_gap",
        "withholds the point to make the reader click",
        _words(
            r"what happen(?:s|ed) next",
            r"you won'?t believe",
            r"you'?ll never guess",
            r"(?:this|that) is why",
            r"here'?s (?:why|how|what)",
            r"the reason (?:why )?",
            r"the truth about",
            r"what (?:they|nobody|no one) (?:tells?|told) you",
            r"(?:this|these) (?:one )?(?:simple )?(?:trick|secret)s?",
            r"find out",
            r"will (?:shock|surprise|amaze) you",
        ),
    ),
    Cue("second_person", "addresses the reader directly", _words(r"you(?:'ll|'re|'ve|'d|r|rs|rself)?")),
    Cue(
        "hyperbole",
        "exaggerates",
        _words(
            r"shock(?:ing|ed|s)?", r"incredibl[ey]", r"insane(?:ly)?", r"unbelievabl[ey]", r"amazing",
            r"mind[- ]?blowing", r"jaw[- ]?dropping", r"epic", r"best ever", r"worst ever", r"of all time",
            r"ever", r"literally", r"totally", r"absolutely", r"stunning", r"unreal", r"massive", r"huge",
        ),
    ),
    Cue(
        "listicle_number",
        "promises a counted list",
        re.compile(
            # A number counting list items; a bare leading number ("5 dead in crash") is news, not a list.
            r"\b\d{1,3}\s+(?:\w+\s+)?(?:things|reasons|ways|signs|tips|tricks|facts|times|photos|pictures|people|"
            r"foods|places|moments|secrets|questions|celebrities|mistakes)\b",
            re.IGNORECASE,
        ),
    ),
    Cue(
        "urgency",
        "creates time pressure",
        _words(
            r"right now", r"now", r"before it'?s too late", r"breaking", r"urgent(?:ly)?", r"don'?t miss",
            r"last chance", r"immediately", r"hurry", r"today only", r"act fast",
        ),
    ),
    Cue(
        "emotional_appeal",
        "appeals to feelings",
        _words(
            r"heartbreaking", r"heartwarming", r"terrifying", r"horrifying", r"outrag(?:e|ed|eous)", r"tears?",
            r"furious", r"adorable", r"devastat(?:ing|ed)", r"disgusting", r"sickening", r"tragic", r"fear",
            r"panic", r"cry(?:ing)?", r"cute", r"scary",
        ),
    ),
    Cue(
        "loaded_term",
        "frames one side with pejorative or partisan wording",
        _words(
            r"radical(?:s)?", r"regime", r"thugs?", r"slams?", r"slammed", r"destroy(?:s|ed)?", r"blasts?",
            r"scheme", r"so-called", r"elites?", r"extremists?", r"propaganda", r"disastrous", r"failed",
            r"crooked", r"corrupt", r"woke", r"libtards?", r"snowflakes?", r"mob", r"illegals?", r"puppet",
            r"rams? through", r"caves?", r"meltdown", r"hoax", r"witch hunt",
        ),
    ),
)

#: Cue names in taxonomy order.
CUE_NAMES: tuple[str, ...] = tuple(cue.name for cue in CUES)


def find_cues(text: str) -> list[tuple[int, int, str]]:
    """All cue matches in ``text`` as ``(start, end, cue_name)``, sorted by position."""
    found = []
    for cue in CUES:
        for match in cue.pattern.finditer(text):
            if match.end() > match.start():
                found.append((match.start(), match.end(), cue.name))
    return sorted(found)


def cue_at(matches: list[tuple[int, int, str]], start: int, end: int) -> str | None:
    """The first cue (taxonomy order) whose match overlaps ``text[start:end]``, or ``None``."""
    overlapping = {name for m_start, m_end, name in matches if m_start < end and start < m_end}
    for name in CUE_NAMES:
        if name in overlapping:
            return name
    return None
