"""Golden test: the trained default model on the hand-labelled seed headlines.

Needs a real trained model. The test session uses a private, empty BentoML store
(see conftest.py), so this skips unless HEADLINE_LENS_MODEL names an artifact directory.
"""

from __future__ import annotations

import pytest

from model import ArtifactError, Scorer
from training.sources.seeds import SEEDS_DIR, read_labels

pytestmark = pytest.mark.slow

SHOCK_HEADLINE = "Breaking: US Troops Withdraw from Niger \u2013 What Happens Next Will Shock You!"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    try:
        return Scorer.load()
    except ArtifactError as exc:
        pytest.skip(f"no trained model ({exc}); set HEADLINE_LENS_MODEL=<artifact dir> to run")


def test_sensational_seed_headline_scores_as_clickbait(scorer):
    (score,) = scorer.score([SHOCK_HEADLINE])
    assert score.clickbait >= 0.8


def test_wire_style_seed_headlines_score_low(scorer):
    wire = [row["text"] for row in read_labels(SEEDS_DIR) if row["clickbait"] == 0]
    assert len(wire) >= 5
    scores = {score.text: score.clickbait for score in scorer.score(wire)}
    too_high = {text: round(value, 3) for text, value in scores.items() if value > 0.3}
    assert not too_high, f"wire-style headlines scored as clickbait: {too_high}"
