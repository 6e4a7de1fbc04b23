"""Word-occlusion explanations on the tiny model: offsets, one batched call, weights."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from model.explain import (
    MAX_UNITS,
    MIN_WEIGHT,
    PHRASE_HEADS,
    TOP_K,
    explain,
    explain_batch,
    name_units,
    occlude,
    occlusion_units,
)
from model.labels import HEAD_NAMES
from model.text import normalize

HEADLINES = [
    "You Won't Believe What This Dog Did At The Beach!",
    "Parliament passes budget after overnight session",
    "مرحبا بالعالم 🎉 — naïve “quotes” &amp; more",
]


class CountingProbabilities:
    """The real scorer's probabilities, counting calls and texts."""

    def __init__(self, scorer):
        self.scorer = scorer
        self.calls: list[int] = []

    def __call__(self, texts):
        self.calls.append(len(texts))
        return self.scorer.probabilities(texts)


def _results(scorer, texts):
    return scorer.score_normalized(texts)


def test_spans_index_the_normalised_text(tiny_scorer):
    texts = [normalize(h) for h in HEADLINES]
    results = [s.to_dict() for s in explain(_results(tiny_scorer, texts), tiny_scorer.probabilities)]
    assert any(result["spans"] for result in results)
    for result in results:
        for span in result["spans"]:
            assert result["text"][span["start"] : span["end"]] == span["text"]
            assert span["head"] in HEAD_NAMES
            assert span["weight"] >= MIN_WEIGHT
            assert set(span) == {"start", "end", "text", "head", "weight", "cue"}
        for head in HEAD_NAMES:
            weights = [s["weight"] for s in result["spans"] if s["head"] == head]
            assert len(weights) <= TOP_K[head]


def test_all_variants_of_all_headlines_go_in_one_model_call(tiny_scorer):
    texts = [normalize(h) for h in HEADLINES]
    counting = CountingProbabilities(tiny_scorer)
    explain(_results(tiny_scorer, texts), counting)
    assert counting.calls == [sum(len(occlusion_units(t)) for t in texts)]


def test_weight_is_the_log_odds_drop_when_the_word_is_removed(tiny_scorer):
    text = normalize(HEADLINES[0])
    base = tiny_scorer.probabilities([text])
    [spans] = explain_batch([text], base, tiny_scorer.probabilities)
    # Phrase spans weigh their strongest word; a single-word head's span is exactly one occlusion.
    span = max((s for s in spans if s.head not in PHRASE_HEADS), key=lambda s: s.weight)
    without = tiny_scorer.probabilities([occlude(text, span.start, span.end)])[0]
    j = HEAD_NAMES.index(span.head)

    def logit(p):
        return np.log(p) - np.log1p(-p)

    assert abs(span.weight - (logit(base[0, j]) - logit(without[j]))) < 1e-3


def test_scorer_explains_each_distinct_text_once(tiny_scorer, monkeypatch):
    text = HEADLINES[0]
    original, calls = tiny_scorer.probabilities, []

    def counting(texts):
        calls.append(len(texts))
        return original(texts)

    monkeypatch.setattr(tiny_scorer, "probabilities", counting)
    first, second = tiny_scorer.score([text, text], explain=True)
    assert calls == [1, len(occlusion_units(normalize(text)))]  # scored once, explained once
    assert first == second and first.spans is not None


def test_long_texts_occlude_groups_of_words():
    text = " ".join(f"word{i}" for i in range(5 * MAX_UNITS))
    units = occlusion_units(text)
    assert len(units) <= MAX_UNITS
    assert units[0][0] == 0 and units[-1][1] == len(text)
    assert all(a[1] < b[0] for a, b in zip(units, units[1:]))


def test_units_are_words_and_punctuation_runs_but_not_separators():
    text = "Don't miss: so-called experts!!! \u2013 a | b. c, d \U0001f631"
    units = [text[a:b] for a, b in occlusion_units(text)]
    assert units == ["Don't", "miss", "so-called", "experts", "!!!", "a", "b", "c", "d", "\U0001f631"]
    assert occlude(text, 0, 5) == "miss: so-called experts!!! \u2013 a | b. c, d \U0001f631"


def test_spans_only_for_flagged_heads(tiny_scorer):
    texts = [normalize(h) for h in HEADLINES]
    only_clickbait = [dataclasses.replace(s, labels={h: h == "clickbait" for h in HEAD_NAMES})
                      for s in _results(tiny_scorer, texts)]
    results = explain(only_clickbait, tiny_scorer.probabilities)
    assert any(result.spans for result in results)
    assert all(span.head == "clickbait" for result in results for span in result.spans)
    nothing = [dataclasses.replace(s, labels=dict.fromkeys(HEAD_NAMES, False)) for s in results]
    assert all(not r.spans for r in explain(nothing, tiny_scorer.probabilities))


def test_explaining_imports_no_torch():
    code = "import sys, model.explain, model.cues; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def _spans_with_drops(text: str, drop_by_unit: dict[str, float]):
    """Spans of ``text`` when removing a unit lowers every head's log-odds by ``drop_by_unit[unit]``."""
    units = occlusion_units(text)
    unit_texts = [text[s:e] for s, e in units]

    def probabilities(variants):
        out = []
        for variant in variants:
            removed = next(u for u, (s, e) in zip(unit_texts, units) if occlude(text, s, e) == variant)
            logit = 2.0 - drop_by_unit.get(removed, 0.0)
            out.append([1 / (1 + np.exp(-logit))] * len(HEAD_NAMES))
        return np.array(out)

    base = [[1 / (1 + np.exp(-2.0))] * len(HEAD_NAMES)]
    return explain_batch([text], base, probabilities)[0]


def test_bias_spans_skip_function_words_and_punctuation_but_clickbait_spans_keep_them():
    text = 'Senator "slams" the rigged vote?!'
    # Removing "the" or a punctuation run lowers both heads most; "slams" and "rigged" a little less.
    spans = _spans_with_drops(text, {"the": 3.0, '"': 2.5, "?!": 2.8, "slams": 1.0, "rigged": 0.9})
    bias = [s.text for s in sorted(spans, key=lambda s: -s.weight) if s.head == "bias"]
    clickbait = [s.text for s in sorted(spans, key=lambda s: -s.weight) if s.head == "clickbait"]
    assert bias == ["slams", "rigged"]
    assert clickbait[:2] == ["the", "?!"]


def _bias_spans(spans):
    return [s.text for s in sorted(spans, key=lambda s: -s.weight) if s.head == "bias"]


def test_the_strongest_bias_word_grows_into_a_phrase_of_the_adjacent_words_that_carry_weight():
    text = "Senator drew fierce criticism for a war of choosing"
    # "criticism" carries half of "fierce": it joins; "drew" (a tenth) does not.
    spans = _spans_with_drops(text, {"fierce": 2.0, "criticism": 1.0, "drew": 0.2, "war": 0.1})
    [phrase] = [s for s in spans if s.head == "bias"]
    assert (phrase.text, phrase.weight) == ("fierce criticism", pytest.approx(2.0, abs=1e-3))
    assert text[phrase.start : phrase.end] == phrase.text
    # Clickbait spans stay single words.
    assert [s.text for s in spans if s.head == "clickbait"] == ["fierce", "criticism"]


def test_a_phrase_bridges_one_function_word_but_never_punctuation():
    assert _bias_spans(_spans_with_drops("a war of choosing", {"war": 2.0, "choosing": 1.0})) == ["war of choosing"]
    # A comma ends the clause: two spans, not one phrase.
    assert _bias_spans(_spans_with_drops("fierce, reckless plan", {"fierce": 2.0, "reckless": 1.5})) == [
        "fierce", "reckless"]
    # Two function words in a row are not bridged.
    assert _bias_spans(_spans_with_drops("war of the choosing", {"war": 2.0, "choosing": 1.8})) == [
        "war", "choosing"]


def _names(text):
    units = occlusion_units(text)
    return [text[units[k][0] : units[k][1]] for k in sorted(name_units(text, units))]


def test_capitals_inside_sentence_case_text_are_names_but_not_at_openings_or_in_title_case():
    assert _names("Critics say Biden caved to the junta in Niger") == ["Biden", "Niger"]
    # A capital opening the text, a sentence, a quotation or a headline part is no sign of a name.
    assert _names('Troops leave. Critics said: "Never again" – Pentagon shrugs off the loss') == []
    # Title case capitalises every lexical word: nothing can be told apart.
    assert _names("Biden Caves to Junta as Russia Humiliates America in Africa") == []
    assert _names("Biden caves to junta as Russia humiliates America in Africa") == ["Russia", "America", "Africa"]


def test_bias_spans_skip_names_but_clickbait_spans_keep_them():
    text = "Senator says Biden caved to the junta"
    spans = _spans_with_drops(text, {"Biden": 3.0, "caved": 1.0, "junta": 0.2})
    assert _bias_spans(spans) == ["caved"]
    assert [s.text for s in sorted(spans, key=lambda s: -s.weight) if s.head == "clickbait"][0] == "Biden"
    # In title case "Biden" cannot be told from a capitalised word and stays a bias span.
    title_case = _spans_with_drops("Senator Says Biden Caved To The Junta", {"Biden": 3.0, "Caved": 0.5})
    assert _bias_spans(title_case) == ["Biden"]


def test_a_phrase_never_bridges_a_name():
    spans = _spans_with_drops("critics slammed Obama plan", {"slammed": 2.0, "plan": 1.5, "Obama": 0.1})
    assert _bias_spans(spans) == ["slammed", "plan"]
