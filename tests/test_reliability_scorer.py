"""Property tests for ``Scorer``: bounded scores, and results independent of order and batching."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from reliability_strategies import ANY_TEXT, HEADLINE, long_text

from model import Scorer
from model.text import normalize

HEADLINES = st.lists(HEADLINE, min_size=1, max_size=24)


@pytest.fixture(scope="module")
def scorers_by_threads(tiny_artifact):
    """The same artifact with thread counts that share the texts out in different ways."""
    return {threads: Scorer(tiny_artifact, threads=threads) for threads in (1, 2, 3)}


def score_pairs(scorer, texts) -> np.ndarray:
    """Scores as an ``(n, 2)`` array of (clickbait, bias)."""
    return np.array([(s.clickbait, s.bias) for s in scorer.score(texts)])


@given(st.lists(st.one_of(ANY_TEXT, long_text(20_000)), min_size=1, max_size=6))
# A lone surrogate becomes U+FFFD, which a tokenizer without special tokens turns into no token.
@example(["\ud800", "ok"])
def test_any_unicode_scores_in_unit_interval_or_names_the_empty_headline(tiny_scorer, texts):
    empty = [i for i, t in enumerate(texts) if not normalize(t)]
    if empty:
        with pytest.raises(ValueError, match=f"headline {empty[0]} is empty"):
            tiny_scorer.score(texts)
        return
    for score in tiny_scorer.score(texts):
        assert 0.0 <= score.clickbait <= 1.0 and 0.0 <= score.bias <= 1.0
        assert score.labels == {
            "clickbait": score.clickbait >= tiny_scorer.manifest.thresholds["clickbait"],
            "bias": score.bias >= tiny_scorer.manifest.thresholds["bias"],
        }


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
