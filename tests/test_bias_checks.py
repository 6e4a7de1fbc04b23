"""The bias-head evaluation checks on ABP titles and BASIL spans, with a keyword stand-in for the model."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from training.bias_checks import abp_centre_vs_partisan, basil_span_agreement

_WORD = re.compile(r"\w+(?:['\-]\w+)*")


def keyword_probabilities(bias_words=("slams", "radical"), clickbait_words=(), reverse=False):
    """A deterministic stand-in for ``Scorer.probabilities``: each keyword adds 4.4 to a head's log-odds.

    No keyword gives 0.1 and one gives 0.9, so occluding a keyword drops the log-odds by 4.4 and
    occluding any other word by 0: keywords are the only spans. ``reverse`` flips the bias score.
    """

    def count(text, keywords):
        return sum(word.lower() in keywords for word in _WORD.findall(text))

    def probabilities(texts):
        rows = []
        for text in texts:
            bias = 1 / (1 + math.exp(2.2 - 4.4 * count(text, set(bias_words))))
            clickbait = 1 / (1 + math.exp(2.2 - 4.4 * count(text, set(clickbait_words))))
            rows.append([clickbait, 1 - bias if reverse else bias])
        return np.array(rows, dtype=np.float64).reshape(-1, 2)

    return probabilities


def write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


# --- Article-Bias-Prediction -----------------------------------------------------------------


@pytest.fixture
def abp_dir(tmp_path):
    titles = [
        # An all-digit ID with leading zeros must survive the join as a string.
        {"ID": "0001234", "title": "Senator slams budget deal", "source": "L", "bias": 0},
        {"ID": "aaaa", "title": "Radical plan &amp; its critics", "source": "R", "bias": 2},
        {"ID": "bbbb", "title": "House passes budget deal", "source": "C", "bias": 1},
        {"ID": "cccc", "title": "Senate votes on the plan", "source": "C", "bias": 1},
        {"ID": "dddd", "title": "<b></b>", "source": "C", "bias": 1},  # normalises to empty: dropped
        {"ID": "eeee", "title": "Not in the test split", "source": "L", "bias": 0},
    ]
    write_jsonl(tmp_path / "article_bias_prediction" / "abp_titles.jsonl", titles)
    split = tmp_path / "article_bias_prediction" / "splits" / "media" / "test.tsv"
    split.parent.mkdir(parents=True)
    # "zzzz" has no title: the inner join drops it.
    split.write_text("ID\tbias\n0001234\t0\naaaa\t2\nbbbb\t1\ncccc\t1\ndddd\t1\nzzzz\t2\n", encoding="utf-8")
    return tmp_path


def test_abp_auc_is_one_when_partisan_titles_score_higher(abp_dir):
    result = abp_centre_vs_partisan(keyword_probabilities(), abp_dir)
    assert result == {"n": 4, "partisan": 2, "centre": 2, "roc_auc": 1.0}


def test_abp_auc_is_zero_when_the_ranking_is_reversed(abp_dir):
    assert abp_centre_vs_partisan(keyword_probabilities(reverse=True), abp_dir)["roc_auc"] == 0.0


def test_abp_gives_normalised_titles_to_the_model(abp_dir):
    seen = []

    def probabilities(texts):
        seen.extend(texts)
        return np.full((len(texts), 2), 0.5)

    result = abp_centre_vs_partisan(probabilities, abp_dir)
    assert "Radical plan & its critics" in seen and "" not in seen
    assert result["roc_auc"] == 0.5


def test_abp_missing_files_raise_file_not_found(tmp_path, abp_dir):
    with pytest.raises(FileNotFoundError, match="test.tsv"):
        abp_centre_vs_partisan(keyword_probabilities(), tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="random"):
        abp_centre_vs_partisan(keyword_probabilities(), abp_dir, split="random")
    (abp_dir / "article_bias_prediction" / "abp_titles.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match="abp_titles.jsonl"):
        abp_centre_vs_partisan(keyword_probabilities(), abp_dir)


# --- BASIL ------------------------------------------------------------------------------------


def phrase(sentence_text, sentence, txt, bias="lex"):
    start = sentence_text.index(txt) if sentence is not None else 0
    return {"sentence": sentence, "txt": txt, "start": start, "end": start + len(txt), "bias": bias,
            "quote": "no", "polarity": "neg"}


def article(sentences, phrases):
    return {"triplet": "t", "source": "nyt", "year": 2012, "title": "T", "sentences": sentences, "phrases": phrases}


A1 = [
    "Senator Smith slams the new budget plan.",  # 7 words, 1 annotated
    "The plan was announced on Monday.",  # informational phrase only: not evaluated
    "Critics called the radical proposal a reckless gamble.",  # 8 words, 3 annotated
]
A2 = [
    "\u201cOfficials\u201d said the measure was a costly overreach.",  # 8 words, 2 annotated
    "The vote is set for Friday.",  # its lex phrase could not be located (sentence null): not evaluated
]
#: Mean over the three evaluated sentences of annotated words / words.
CHANCE = (1 / 7 + 3 / 8 + 2 / 8) / 3
#: Annotated words over all evaluated sentences.
GOLD = 1 + 3 + 2


@pytest.fixture
def basil_dir(tmp_path):
    articles = [
        article(A1, [phrase(A1[0], 0, "slams"), phrase(A1[1], 1, "on Monday", bias="inf"),
                     phrase(A1[2], 2, "radical"), phrase(A1[2], 2, "reckless gamble")]),
        article(A2, [phrase(A2[0], 0, "costly overreach"), phrase(A2[1], None, "lost phrase"),
                     phrase(A2[1], 1, "set for Friday", bias="inf")]),
    ]
    write_jsonl(tmp_path / "basil_articles" / "articles.jsonl", articles)
    return tmp_path


def test_basil_hits_every_sentence_when_the_model_keys_on_the_annotated_words(basil_dir):
    # Clickbait keys on other words, more strongly: its spans must not count for the bias head.
    fake = keyword_probabilities(("slams", "radical", "overreach"), clickbait_words=("senator", "critics", "said"))
    result = basil_span_agreement(fake, basil_dir)
    assert result["sentences"] == 3 and result["lex_phrases"] == 4
    assert result["top_span_hit_rate"] == 1.0
    assert result["random_word_hit_rate"] == pytest.approx(CHANCE)
    # Three predicted words, all annotated, out of six annotated.
    assert result["word_precision"] == 1.0
    assert result["word_recall"] == pytest.approx(3 / GOLD)
    assert result["word_f1"] == pytest.approx(2 / 3)


def test_basil_misses_every_sentence_when_the_model_keys_on_other_words(basil_dir):
    result = basil_span_agreement(keyword_probabilities(("senator", "critics", "measure")), basil_dir)
    assert result["top_span_hit_rate"] == 0.0
    assert result["random_word_hit_rate"] == pytest.approx(CHANCE)
    assert result["word_precision"] == result["word_recall"] == result["word_f1"] == 0.0


def test_basil_word_f1_pools_words_over_sentences(basil_dir):
    # Predicted: slams | critics, reckless | overreach -> 3 of 4 predicted are annotated, of 6 annotated.
    fake = keyword_probabilities(("slams", "critics", "reckless", "overreach"))
    result = basil_span_agreement(fake, basil_dir)
    assert result["word_precision"] == pytest.approx(3 / 4)
    assert result["word_recall"] == pytest.approx(3 / 6)
    assert result["word_f1"] == pytest.approx(2 * 3 / (4 + GOLD))


def test_basil_chance_follows_the_length_of_the_strongest_span(basil_dir):
    # "reckless gamble": adjacent words of equal weight grow into one two-word span.
    result = basil_span_agreement(keyword_probabilities(("reckless", "gamble")), basil_dir)
    assert result["top_span_words"] == 2.0
    assert result["top_span_hit_rate"] == pytest.approx(1 / 3)
    # Of the 7 two-word runs of "Critics called the radical proposal a reckless gamble", 4 touch an
    # annotated word; the sentences without a span count as one word.
    assert result["random_span_hit_rate"] == pytest.approx((1 / 7 + 4 / 7 + 2 / 8) / 3)
    single_words = basil_span_agreement(keyword_probabilities(("slams", "radical", "overreach")), basil_dir)
    assert single_words["random_span_hit_rate"] == pytest.approx(CHANCE) == single_words["random_word_hit_rate"]


def test_basil_threshold_withholds_spans_from_low_scoring_sentences(basil_dir):
    fake = keyword_probabilities(("slams", "radical", "overreach"))
    assert basil_span_agreement(fake, basil_dir, threshold=0.5)["top_span_hit_rate"] == 1.0
    above_every_score = basil_span_agreement(fake, basil_dir, threshold=0.95)
    assert above_every_score["sentences"] == 3
    assert above_every_score["top_span_hit_rate"] == 0.0 and above_every_score["word_f1"] == 0.0


def test_basil_marks_the_phrase_occurrence_not_every_repeat_of_its_words(tmp_path):
    sentence = "Radical senators said the radical plan failed."
    write_jsonl(tmp_path / "basil_articles" / "articles.jsonl",
                [article([sentence], [phrase(sentence, 0, "the radical plan")])])
    result = basil_span_agreement(keyword_probabilities(("radical",)), tmp_path)
    # "the radical plan" is words 3-5 of 7; the sentence-initial "Radical" is not annotated.
    assert result["random_word_hit_rate"] == pytest.approx(3 / 7)
    assert result["word_precision"] == pytest.approx(1 / 2)


def test_basil_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="articles.jsonl"):
        basil_span_agreement(keyword_probabilities(), tmp_path)


# --- The real datasets, when present ---------------------------------------------------------


def real_data_dir() -> Path:
    directory = os.environ.get("HEADLINE_LENS_DATA")
    if not directory or not Path(directory).is_dir():
        pytest.skip("set HEADLINE_LENS_DATA to the public datasets directory to run the real-data checks")
    return Path(directory)


def test_abp_on_the_real_test_split():
    data = real_data_dir()
    result = abp_centre_vs_partisan(keyword_probabilities(), data)
    # The README documents 1,300 test IDs, all with a title.
    assert result["n"] == 1300 and result["partisan"] + result["centre"] == 1300
    assert 0 < result["centre"] < result["partisan"]
    assert 0.0 <= result["roc_auc"] <= 1.0


def test_basil_on_the_real_articles():
    data = real_data_dir()
    result = basil_span_agreement(keyword_probabilities(), data)
    assert result["sentences"] > 100 and result["lex_phrases"] >= result["sentences"]
    for key in ("top_span_hit_rate", "random_word_hit_rate", "random_span_hit_rate", "word_precision",
                "word_recall", "word_f1"):
        assert 0.0 <= result[key] <= 1.0, key
