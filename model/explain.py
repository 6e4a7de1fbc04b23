"""Word-occlusion explanations: which words drive each head's score.

For every word (or punctuation run) of a normalised headline the headline is scored
again without it; the drop in a head's log-odds, ``logit(p) - logit(p_without_word)``
of the calibrated probability, is that word's weight for the head. Log-odds keep
weights informative when a score is close to 0 or 1, where probabilities barely move.

All variants of all headlines go to the model in ONE call, so explaining a page of
headlines costs one batched inference. Spans name a cue from
``model.cues`` where one overlaps the word.

The strongest span of a head in ``PHRASE_HEADS`` grows into a phrase over the neighbouring
words that carry weight too. Spans are ``model.result.Span`` objects; offsets index the normalised text
(``text[start:end] == span.text``), e.g. ``Span(0, 4, "What", "clickbait", 0.21, "curiosity_gap")``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from model.cues import cue_at, find_cues
from model.labels import HEAD_NAMES
from model.result import Score, Span

#: Most occlusion variants per headline; longer texts occlude runs of adjacent words.
MAX_UNITS = 48
#: Spans whose removal lowers the head's log-odds by less than this are left out.
MIN_WEIGHT = 0.05
# Probabilities are clipped before taking log-odds: results are rounded to 6 decimals.
_EPS = 1e-6
#: Most spans per head and headline, strongest first.
#: Spans weaker than ``RELATIVE_WEIGHT`` of the head's strongest span are left out: a reader should
#: see the words that carry the score, not every word that nudges it. Bias spans are measured
#: against BASIL's human-marked loaded phrases (50 events, 2010-2014; ``training.bias_checks``):
#: top-3 within 30 % raised word-level F1 from 0.32 (top-5, no cut) to 0.39 at the same top-span
#: hit rate; top-2 within 50 % then raised it from 0.400 to 0.424 on the events of 2010-2012 and,
#: confirmed on the held-out 2013-2014 events, from 0.398 to 0.438: the third word was mostly not
#: a loaded one.
#: Clickbait spans have no human annotation to tune against and keep the earlier rule.
TOP_K = {"clickbait": 3, "bias": 2}
RELATIVE_WEIGHT = {"clickbait": 0.3, "bias": 0.5}
#: Heads whose strongest span grows into a phrase. Loaded wording is often several words ("drew
#: fierce criticism", "a war of Obama's choosing"), so the strongest word takes in the adjacent
#: words (same clause: no punctuation between) that carry at least ``PHRASE_WEIGHT`` of its
#: weight, and one function word between two such words. Chosen on BASIL's 2010-2012 events
#: (strongest span hits an annotated word 0.642 -> 0.664, word F1 0.424 -> 0.433 against top-2
#: alone); on the held-out 2013-2014 events the hit rate rose too (0.523 -> 0.581), word F1 fell
#: (0.438 -> 0.421). A longer span hits more easily by chance as well: ``training.bias_checks``
#: reports that chance next to the hit rate.
PHRASE_HEADS = frozenset({"bias"})
PHRASE_WEIGHT = 0.3

# A word with inner apostrophes/hyphens ("won't", "so-called"), or a run of punctuation/symbols ("!!!", emoji).
_WORD_PATTERN = r"\w+(?:['\-]\w+)*"
_UNIT = re.compile(_WORD_PATTERN + r"|[^\w\s]+")
#: Runs made only of these join or end phrases; they are never occluded. Composite training rows
#: ("plain headline – tease") taught the model to read a joining dash as a clickbait signal, which
#: is an artefact of the augmentation, not something a reader would call a cue. "!" and "?" stay.
SEPARATORS = frozenset("-\u2013\u2014:|.,;/\u2022\u00b7")

#: Closed-class words: articles, determiners, pronouns, prepositions, particles, conjunctions,
#: auxiliaries and modals, negation, wh-words. Loaded wording is lexical (nouns, verbs, adjectives,
#: adverbs: "caves", "slams", "so-called", "finally"), so these never name the loaded word and are
#: not offered as ``bias`` spans; nor are punctuation runs (a quotation's closing quote mark was the
#: strongest bias span of several BASIL sentences). Clickbait keeps both: "You", "This", "Why" and
#: "!" are its cues. On BASIL's human-marked loaded phrases (dev years 2010-2014, 223 sentences)
#: this moved the strongest span's hit rate from 57.4 % to 59.6 % on the default model.
_FUNCTION_WORDS_TEXT = """
a an the this that these those some any each every either neither no
i me my mine myself you your yours yourself he him his himself she her hers herself it its itself
we us our ours ourselves they them their theirs themselves who whom whose which what when where why how
there here of to in on at for from by with about into onto over under after before between through during
without within against among upon across along around behind beyond near toward towards via per than as
up down out off and or but nor so yet if because while although though whether
is are was were be been being am has have had having do does did doing
will would shall should can could may might must not
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
#: Heads whose spans skip function words and punctuation (see ``FUNCTION_WORDS``), and names.
LEXICAL_HEADS = frozenset({"bias"})

#: Names are not loaded wording either: an outlet that writes "Biden" or "Niger" has chosen no
#: loaded word, yet removing a name moves the bias score, so names took the strongest bias span of
#: sentences whose loaded word was elsewhere ("Biden" over "blowhard", "Brat" over "shied"). In
#: sentence-case text a capital inside a sentence marks a name ("Biden", "GOP"); BASIL's annotators
#: marked 10 such words among 458 loaded ones. Skipping them raised the shipped model's strongest-span
#: hit rate from 0.591 to 0.606 and word F1 from 0.409 to 0.436 on BASIL's 2010-2012 events, and from
#: 0.581 to 0.605 and 0.411 to 0.416 on the 2013-2014 events (``training.bias_checks``; README).
#: Title case capitalises every word, so names are told apart only where at least this share of
#: the lexical words after the first start in lower case (AP-style titles lower only function words).
SENTENCE_CASE_SHARE = 1 / 3
#: A capital right after these opens a sentence, a quotation or a headline part: no sign of a name.
_OPENERS = frozenset(".!?:\"\u201c\u2018([\u2013\u2014|")
_WORD = re.compile(_WORD_PATTERN)

Probabilities = Callable[[Sequence[str]], np.ndarray]


def occlusion_units(text: str, max_units: int = MAX_UNITS) -> list[tuple[int, int]]:
    """``(start, end)`` of the units to occlude: words, grouped when there are more than ``max_units``."""
    tokens = [(m.start(), m.end()) for m in _UNIT.finditer(text) if not set(m.group()) <= SEPARATORS]
    if len(tokens) <= max_units:
        return tokens
    size = math.ceil(len(tokens) / max_units)
    return [(tokens[i][0], tokens[min(i + size, len(tokens)) - 1][1]) for i in range(0, len(tokens), size)]


def occlude(text: str, start: int, end: int) -> str:
    """``text`` without ``text[start:end]``, spaces folded as ``normalize`` would."""
    return " ".join((text[:start] + " " + text[end:]).split())


def explain_batch(
    texts: Sequence[str], base: np.ndarray | Sequence[Sequence[float]], probabilities: Probabilities
) -> list[list[Span]]:
    """Spans for each normalised text, given its base probabilities ``(n, heads)``.

    ``probabilities`` is called once, on every occlusion variant of every text.
    """
    units = [occlusion_units(text) for text in texts]
    variants = [occlude(text, start, end) for text, spans in zip(texts, units) for start, end in spans]
    variant_probs = np.asarray(probabilities(variants)) if variants else np.zeros((0, len(HEAD_NAMES)))
    base = np.asarray(base, dtype=np.float64).reshape(len(texts), len(HEAD_NAMES))
    out: list[list[Span]] = []
    row = 0
    for i, text in enumerate(texts):
        n = len(units[i])
        drops = _logit(base[i][None, :]) - _logit(variant_probs[row : row + n])
        row += n
        out.append(_spans(text, units[i], drops))
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def can_carry(head: str, unit: str) -> bool:
    """Whether a unit of text may be a span of ``head``: lexical heads skip function words and punctuation."""
    if head not in LEXICAL_HEADS:
        return True
    return unit.lower() not in FUNCTION_WORDS and any(ch.isalnum() for ch in unit)


def name_units(text: str, units: list[tuple[int, int]]) -> set[int]:
    """Indices of the ``units`` of ``text`` that are names: see ``SENTENCE_CASE_SHARE``.

    A name is a one-word unit that starts with a capital and does not open the text, a sentence, a
    quotation or a headline part; in title-case text nothing is a name.
    """
    words = [k for k, (start, end) in enumerate(units) if _WORD.fullmatch(text[start:end]) and text[start].isalpha()]
    lexical = [k for k in words[1:] if text[units[k][0] : units[k][1]].lower() not in FUNCTION_WORDS]
    lower = sum(text[units[k][0]].islower() for k in lexical)
    if not lexical or lower < SENTENCE_CASE_SHARE * len(lexical):
        return set()
    names = set()
    for k in words:
        before = text[: units[k][0]].rstrip()
        if text[units[k][0]].isupper() and before and before[-1] not in _OPENERS:
            names.add(k)
    return names


def _spans(text: str, units: list[tuple[int, int]], drops: np.ndarray) -> list[Span]:
    matches = find_cues(text)
    names = name_units(text, units)
    spans = []
    for j, head in enumerate(HEAD_NAMES):
        carries = [
            can_carry(head, text[start:end]) and not (head in LEXICAL_HEADS and k in names)
            for k, (start, end) in enumerate(units)
        ]
        candidates = [k for k in range(len(units)) if carries[k]]
        strongest = sorted(candidates, key=lambda k: -drops[k, j])[: TOP_K[head]]
        if not strongest:
            continue
        cut = max(MIN_WEIGHT, RELATIVE_WEIGHT[head] * float(drops[strongest[0], j]))
        covered: set[int] = set()
        for rank, k in enumerate(strongest):
            weight = float(drops[k, j])
            if weight < cut:
                break
            if k in covered:  # already inside the phrase the strongest word grew into
                continue
            first = last = k
            if rank == 0 and head in PHRASE_HEADS:
                first, last = _phrase(text, units, carries, drops[:, j], k)
            covered.update(range(first, last + 1))
            start, end = units[first][0], units[last][1]
            spans.append(Span(start, end, text[start:end], head, round(weight, 4), cue_at(matches, start, end)))
    return sorted(spans, key=lambda s: (s.start, HEAD_NAMES.index(s.head)))


def _phrase(text: str, units: list[tuple[int, int]], carries: list[bool], drops: np.ndarray, k: int) -> tuple[int, int]:
    """First and last unit of the phrase around unit ``k``: see ``PHRASE_WEIGHT``."""
    floor = max(MIN_WEIGHT, PHRASE_WEIGHT * float(drops[k]))

    def joined(a: int, b: int) -> bool:  # neighbouring units with only spaces between them
        a, b = min(a, b), max(a, b)
        return a >= 0 and b < len(units) and not text[units[a][1] : units[b][0]].strip()

    def strong(i: int) -> bool:
        return carries[i] and drops[i] >= floor

    def function_word(i: int) -> bool:  # a bridge between two strong words; names and punctuation are not
        return text[units[i][0] : units[i][1]].lower() in FUNCTION_WORDS

    def grow(step: int) -> int:
        edge = k
        while True:
            near, far = edge + step, edge + 2 * step
            if joined(edge, near) and strong(near):
                edge = near
            elif joined(edge, near) and joined(near, far) and function_word(near) and strong(far):
                edge = far
            else:
                return edge

    return grow(-1), grow(1)


def explain(scores: Sequence[Score], probabilities: Probabilities) -> list[Score]:
    """``scores`` with their spans, in order; give each text once (callers deduplicate).

    A score gets spans only for the heads its ``labels`` flag: the words that make a headline
    "not biased" are not a reason a reader needs, and would read as if they were.
    """
    base = [[score.scores[head] for head in HEAD_NAMES] for score in scores]
    spans_per_text = explain_batch([score.text for score in scores], base, probabilities)
    return [
        score.with_spans([span for span in spans if score.labels[span.head]])
        for score, spans in zip(scores, spans_per_text)
    ]
