"""Property tests for ``Scorer``: bounded scores, and results independent of order and batching."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from reliability_strategies import ANY_TEXT, HEADLINE, long_text

from model import Scorer
from model.text import TextError, clean, normalize

HEADLINES = st.lists(HEADLINE, min_size=1, max_size=24)


@pytest.fixture(scope="module")
def scorers_by_threads(tiny_artifact):
    """The same artifact with thread counts that share the texts out in different ways."""
    return {threads: Scorer(tiny_artifact, threads=threads) for threads in (1, 2, 3)}


def score_pairs(scorer, texts) -> np.ndarray:
    """Scores as an ``(n, 2)`` array of (clickbait, bias)."""
    return np.array([(s.clickbait, s.bias) for s in scorer.score(texts)])


def _first_refused(texts: list[str]) -> int | None:
    for index, text in enumerate(texts):
        try:
            clean(text, index)
        except TextError:
            return index
    return None


@given(st.lists(st.one_of(ANY_TEXT, long_text(1_900), long_text(20_000)), min_size=1, max_size=6))
# A lone surrogate becomes U+FFFD, which a tokenizer without special tokens turns into no token.
@example(["\ud800", "ok"])
def test_any_unicode_scores_in_unit_interval_or_names_the_refused_headline(any_scorer, texts):
    # Runs on the tiny model, and on the real (int8 or fp32) model whenever HEADLINE_LENS_MODEL names one.
    refused = _first_refused(texts)
    if refused is not None:
        with pytest.raises(TextError, match=f"headline {refused} "):
            any_scorer.score(texts)
        return
    thresholds = any_scorer.manifest.thresholds
    for score in any_scorer.score(texts):
        assert 0.0 <= score.clickbait <= 1.0 and 0.0 <= score.bias <= 1.0
        assert score.labels == {head: score.scores[head] >= thresholds[head] for head in thresholds}


@given(HEADLINES, st.randoms(use_true_random=False))
def test_order_invariance(tiny_scorer, texts, rng):
    order = list(range(len(texts)))
    rng.shuffle(order)
    straight = score_pairs(tiny_scorer, texts)
    shuffled = score_pairs(tiny_scorer, [texts[i] for i in order])
    np.testing.assert_allclose(shuffled, straight[order], atol=1e-5)


@given(HEADLINES)
def test_batch_invariance(scorers_by_threads, texts):
    # Each text is its own row: the same score, bit for bit, whatever else is scored with it.
    reference = score_pairs(scorers_by_threads[1], texts)
    for threads in (2, 3):
        np.testing.assert_array_equal(score_pairs(scorers_by_threads[threads], texts), reference)
    alone = np.concatenate([score_pairs(scorers_by_threads[2], [t]) for t in texts])
    np.testing.assert_array_equal(alone, reference)


@given(HEADLINES)
def test_scoring_is_deterministic_and_reports_normalised_text(tiny_scorer, texts):
    first = tiny_scorer.score(texts)
    second = tiny_scorer.score(texts)
    assert [s.to_dict() for s in first] == [s.to_dict() for s in second]
    assert [s.text for s in first] == [normalize(t) for t in texts]
