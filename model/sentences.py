"""Split an article body into normalised sentences, for sentence-level scoring and matching.

A rule-based splitter: a sentence ends at ``.``, ``!`` or ``?`` (closing quotes and brackets
included) followed by space and an upper-case letter, digit or opening quote, unless the full
stop ends a common abbreviation ("Mr.", "U.S.", "Jan.") or an initial. Paragraph breaks always
end a sentence. Every sentence leaves through ``model.text.normalize``, as headlines do.
"""

from __future__ import annotations

import re

from model.text import normalize

# Titles, months, and dotted initialisms ("U.S.", "a.m.") that end in a full stop mid-sentence.
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Adm|St|Jr|Sr|Inc|Corp|Co|Ltd|No|vs|etc|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mt|Ft)\.|\b(?:[A-Za-z]\.){2,}|\b[A-Z]\.)$"
)
_BOUNDARY = re.compile(r"""(?<=[.!?])["')\]]*\s+(?=["'(\[]?[A-Z0-9])""")
_PARAGRAPH = re.compile(r"\n\s*\n|\r\n\s*\r\n")


def split_sentences(body: str) -> list[str]:
    """Sentences of ``body`` in order, each normalised and non-empty."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(body):
        text = normalize(paragraph)
        start = 0
        for boundary in _BOUNDARY.finditer(text):
            if _ABBREVIATIONS.search(text[start : boundary.start()]):
                continue
            sentences.append(text[start : boundary.start()].strip())
            start = boundary.end()
        sentences.append(text[start:].strip())
    return [s for s in sentences if s]
