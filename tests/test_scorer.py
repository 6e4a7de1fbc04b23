import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from tiny_model import HEADLINES

from model import Scorer
from model.text import normalize
from training.export import torch_logits


def test_scores_are_probabilities_in_input_order(tiny_scorer):
    scores = tiny_scorer.score(HEADLINES)
    assert [s.text for s in scores] == [normalize(h) for h in HEADLINES]
    for score in scores:
        assert 0.0 <= score.clickbait <= 1.0 and 0.0 <= score.bias <= 1.0
        assert score.labels == {"clickbait": score.clickbait >= 0.5, "bias": score.bias >= 0.5}
        assert score.model_version == tiny_scorer.version
    # A random model still separates headlines: scores must not all be equal.
    assert len({s.clickbait for s in scores}) > 10


def test_deterministic_and_independent_of_order_and_threads(tiny_artifact):
    reference = {s.text: (s.clickbait, s.bias) for s in Scorer(tiny_artifact).score(HEADLINES)}
    shuffled = HEADLINES[:]
    random.Random(3).shuffle(shuffled)
    for threads in (1, 2, 3):
        for score in Scorer(tiny_artifact, threads=threads).score(shuffled):
            assert (score.clickbait, score.bias) == pytest.approx(reference[score.text], abs=1e-5)


@pytest.fixture(scope="module")
def tiny_int8(tmp_path_factory):
    from tiny_model import build_tiny_artifact

    return build_tiny_artifact(tmp_path_factory.mktemp("tiny-int8") / "artifact", quantize=True)[0]


def test_int8_score_does_not_depend_on_the_other_headlines(tiny_int8):
    # Dynamic int8 quantisation scales activations over the whole input tensor: scored in
    # one padded batch, a headline's score would shift with its batchmates. Exact equality.
    scorer = Scorer(tiny_int8)
    assert scorer.manifest.quantized
    together = scorer.predict(HEADLINES)
    for index in (0, 5, len(HEADLINES) - 1):
        alone = scorer.predict([HEADLINES[index]])
        assert (alone["clickbait"][0], alone["bias"][0]) == (together["clickbait"][index], together["bias"][index])


def test_single_headline_matches_its_batched_score(tiny_scorer):
    batched = tiny_scorer.score(HEADLINES)
    alone = [tiny_scorer.score([h])[0] for h in HEADLINES[:5]]
    for a, b in zip(alone, batched):
        assert a.clickbait == pytest.approx(b.clickbait, abs=1e-5)


def test_torch_and_onnx_agree_within_1e4(tiny_built):
    directory, model, tokenizer = tiny_built
    scorer = Scorer(directory)
    texts = [normalize(h) for h in HEADLINES]
    reference = torch_logits(model, tokenizer, texts, scorer.manifest.max_length)
    served = scorer._logits(texts)
    assert np.abs(reference - served).max() < 1e-4


def test_predict_returns_the_scores_of_score_by_head_in_input_order(tiny_scorer):
    texts = ["Oil prices fall", "You Won't Believe This"]
    out = tiny_scorer.predict(texts)
    scores = tiny_scorer.score(texts)
    assert set(out) == {"clickbait", "bias"}
    assert out["clickbait"] == [s.clickbait for s in scores] and out["bias"] == [s.bias for s in scores]


def test_empty_headline_is_named(tiny_scorer):
    with pytest.raises(ValueError, match="headline 1 is empty"):
        tiny_scorer.score(["ok", "  <b></b> "])


def test_thread_safe(tiny_scorer):
    expected = [s.clickbait for s in tiny_scorer.score(HEADLINES)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: [s.clickbait for s in tiny_scorer.score(HEADLINES)], range(8)))
    assert all(r == pytest.approx(expected, abs=1e-6) for r in results)


def test_empty_input_gives_empty_output(tiny_scorer):
    assert tiny_scorer.score([]) == []


def test_a_single_string_is_one_headline(tiny_scorer):
    (one,) = tiny_scorer.score("What Happens Next Will Shock You!")
    assert one.text == "What Happens Next Will Shock You!"
    assert tiny_scorer.predict("Parliament passes budget")["clickbait"] == [
        tiny_scorer.score(["Parliament passes budget"])[0].clickbait]
