"""Golden test: the full trained model (``HEADLINE_LENS_MODEL``) on the seeds and the model check.

Runs whenever ``HEADLINE_LENS_MODEL`` names a model (an artifact directory or a store tag):
the test session's BentoML store is private and empty (see conftest.py), so without it these
tests skip and say why. The small model trained on real rows in ``test_real_model.py`` checks
the same rankings on every ``make test`` where the data is present.
"""

from __future__ import annotations

import pytest

from model import Scorer
from training.golden import model_check, seed_headlines

pytestmark = pytest.mark.slow

SHOCK_HEADLINE = "Breaking: US Troops Withdraw from Niger \u2013 What Happens Next Will Shock You!"
#: The product's goals for the shipped model (issue: scores mean what they say).
SENSATIONAL_MIN, WIRE_MAX = 0.9, 0.2


@pytest.fixture(scope="module")
def scorer(named_scorer) -> Scorer:
    return named_scorer


def test_the_model_passes_its_own_check_again(scorer):
    from training.evaluate import scorer_raw

    pair_floor = scorer.manifest.training.get("config", {}).get("pair_floor", 0.75)
    check = model_check(scorer_raw(scorer), pair_floor=pair_floor)
    assert check["passed"], check
    assert scorer.manifest.check.get("passed"), scorer.manifest.check_report()


def test_sensational_seed_headline_reaches_the_top_of_the_scale(scorer):
    (score,) = scorer.score(SHOCK_HEADLINE)
    assert score.clickbait >= SENSATIONAL_MIN


def test_wire_style_seed_headlines_score_low(scorer):
    _, wire = seed_headlines()
    assert len(wire) >= 5
    too_high = {s.text: round(s.clickbait, 3) for s in scorer.score(wire) if s.clickbait > WIRE_MAX}
    assert not too_high, f"wire-style headlines scored as clickbait: {too_high}"


def test_seed_story_facts_hold(scorer):
    from model.embedder import Embedder, EmbedderMissing
    from model.stories import StoryLens
    from training.golden import seed_story_facts

    try:
        embedder = Embedder(scorer.directory, manifest=scorer.manifest)
    except EmbedderMissing as exc:
        pytest.skip(str(exc))
    facts = seed_story_facts(StoryLens(scorer, embedder))
    assert all(facts[k] for k in ("niger_pages_form_one_story", "appended_story_stays_apart",
                                  "004_ranks_most_sensational", "004_most_incongruent")), facts
