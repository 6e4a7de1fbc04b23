"""How the bias head behaves on real data it was not tuned on: two evaluation checks.

* ``abp_centre_vs_partisan``: do titles from left- or right-rated outlets (Article-Bias-Prediction)
  get a higher bias score than titles from centre outlets? Political lean is not loaded wording,
  so this is a weak, indirect signal, reported as one ROC-AUC.
* ``basil_span_agreement``: do the word-occlusion spans of ``model.explain`` land on the words
  BASIL annotators marked as lexical (loaded-wording) bias? Compared with a random-word baseline.

Both take a probabilities function, ``texts -> (n, heads)`` calibrated probabilities for texts that
``model.text.normalize`` already cleaned (``Scorer.probabilities`` has this shape). Column order is
``model.labels.HEAD_NAMES``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from model.explain import explain_batch
from model.labels import HEAD_NAMES
from model.result import Span
from model.text import normalize
from training.sources.basil import ARTICLES_FILE as BASIL_ARTICLES

#: ``texts -> (n, heads)`` calibrated probabilities for normalised texts.
ProbabilityFn = Callable[[list[str]], np.ndarray]

ABP_DIR = "article_bias_prediction"
ABP_TITLES = f"{ABP_DIR}/abp_titles.jsonl"

#: ABP ``bias`` value of centre-rated outlets (0 = left, 2 = right).
ABP_CENTRE = 1
#: Texts per call when scoring whole sentences; keeps a real model's working set bounded.
BATCH_SIZE = 256

_BIAS = HEAD_NAMES.index("bias")
# The same word shape as ``model.explain`` occludes, minus its punctuation runs: punctuation is never annotated.
_WORD = re.compile(r"\w+(?:['\-]\w+)*")


def _require(path: Path, what: str) -> Path:
    """Return ``path``, or raise ``FileNotFoundError`` saying which dataset file is missing."""
    if not path.is_file():
        raise FileNotFoundError(f"{what} file {path} is missing (see the data README for where it comes from)")
    return path


def _bias_probabilities(probabilities: ProbabilityFn, texts: Sequence[str]) -> np.ndarray:
    """Calibrated probabilities ``(n, heads)`` for ``texts``, scored in batches of ``BATCH_SIZE``."""
    chunks = [np.asarray(probabilities(list(texts[i : i + BATCH_SIZE]))) for i in range(0, len(texts), BATCH_SIZE)]
    if not chunks:
        return np.zeros((0, len(HEAD_NAMES)))
    return np.concatenate(chunks, axis=0).reshape(len(texts), len(HEAD_NAMES))


def abp_centre_vs_partisan(probabilities: ProbabilityFn, data_dir: Path, split: str = "media") -> dict[str, Any]:
    """ROC-AUC of the bias score separating partisan-outlet titles from centre-outlet titles (ABP test split).

    Reads ``article_bias_prediction/splits/<split>/test.tsv`` (``ID``, ``bias``) under ``data_dir`` and
    joins each ID to its title in ``abp_titles.jsonl``. Label 1 = left or right outlet, 0 = centre.
    The labels rate the outlet, not the headline, so an AUC near 0.5 is not by itself a failure.

    Returns ``{"n", "partisan", "centre", "roc_auc"}``; ``roc_auc`` is NaN when one class is empty.
    Raises ``FileNotFoundError`` when either file is missing.
    """
    data_dir = Path(data_dir)
    split_file = _require(data_dir / ABP_DIR / "splits" / split / "test.tsv", f"Article-Bias-Prediction {split!r} split")
    titles_file = _require(data_dir / ABP_TITLES, "Article-Bias-Prediction titles")
    # No type inference: IDs are strings (an all-digit one would lose leading zeros) and titles stay text.
    split_rows = pd.read_csv(split_file, sep="\t", dtype={"ID": str}, keep_default_na=False)
    titles = pd.read_json(titles_file, lines=True, dtype=False)
    # The split file's label is the one the split was made with; the titles file only contributes text.
    joined = split_rows[["ID", "bias"]].merge(titles[["ID", "title"]], on="ID", how="inner")
    joined["text"] = [normalize(title) if isinstance(title, str) else "" for title in joined["title"]]
    joined = joined[joined["text"] != ""]

    texts = joined["text"].tolist()
    labels = (joined["bias"].astype(int) != ABP_CENTRE).astype(int).to_numpy()
    scores = _bias_probabilities(probabilities, texts)[:, _BIAS]
    partisan = int(labels.sum())
    both_classes = 0 < partisan < len(labels)
    return {
        "n": len(texts),
        "partisan": partisan,
        "centre": len(labels) - partisan,
        "roc_auc": float(roc_auc_score(labels, scores)) if both_classes else float("nan"),
    }


def _words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, lowercased word)`` for every word of ``text``."""
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]


def _annotated_positions(sentence: str, text: str, words: list[str], phrases: list[dict[str, Any]]) -> set[int]:
    """Indices into ``words`` (of the normalised ``text``) that the ``phrases`` of ``sentence`` mark.

    Character offsets point into the raw sentence and shift under normalisation (entities, NFKC),
    so each phrase is found again by its words: the occurrence of its word sequence nearest to where
    the raw offset puts it. Matching by position, not by word, keeps a phrase's "the" from marking
    every other "the" of the sentence. A phrase whose words never occur in sequence (it cuts a word)
    falls back to marking every sentence word that occurs in it.
    """
    gold: set[int] = set()
    for phrase in phrases:
        wanted = [word for _, _, word in _words(normalize(phrase["txt"]))]
        if not wanted:
            continue
        expected = len(_words(normalize(sentence[: phrase["start"]])))
        starts = [i for i in range(len(words) - len(wanted) + 1) if words[i : i + len(wanted)] == wanted]
        if starts:
            first = min(starts, key=lambda i: abs(i - expected))
            gold.update(range(first, first + len(wanted)))
        else:
            gold.update(i for i, word in enumerate(words) if word in set(wanted))
    return gold


def _run_hit_chance(words: int, width: int, gold: set[int]) -> float:
    """Chance that a run of ``width`` adjacent words, at a uniformly random place, covers a ``gold`` word."""
    width = min(width, words)
    starts = range(words - width + 1)
    return sum(any(i in gold for i in range(start, start + width)) for start in starts) / len(starts)


def _covered(words: list[tuple[int, int, str]], start: int, end: int) -> set[int]:
    """Indices of the words that overlap the character range ``[start, end)``."""
    return {i for i, (w_start, w_end, _) in enumerate(words) if w_start < end and start < w_end}


def _lex_sentences(articles_file: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    """``(raw sentence, its lex phrases)`` for every sentence with at least one located lex phrase."""
    out = []
    with articles_file.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            article = json.loads(line)
            by_sentence: dict[int, list[dict[str, Any]]] = {}
            for phrase in article.get("phrases", []):
                # A null sentence is a phrase the converter could not locate in the body.
                if phrase.get("bias") == "lex" and phrase.get("sentence") is not None:
                    by_sentence.setdefault(int(phrase["sentence"]), []).append(phrase)
            out.extend((article["sentences"][index], by_sentence[index]) for index in sorted(by_sentence))
    return out


def basil_span_agreement(
    probabilities: ProbabilityFn, data_dir: Path, threshold: float | None = None
) -> dict[str, Any]:
    """Agreement of the bias head's occlusion spans with BASIL's lexical-bias annotations.

    Every BASIL sentence (``basil_articles/articles.jsonl`` under ``data_dir``) with at least one
    ``lex`` phrase is normalised and explained with ``model.explain.explain_batch`` (one call for all
    sentences); spans of the ``bias`` head are the prediction, the words of the sentence's ``lex``
    phrases the gold. Words are ``\\w+(?:['\\-]\\w+)*`` runs, lowercased; a span covers the words it overlaps.

    With ``threshold``, a sentence whose bias probability is below it gets no spans, as if the
    interface only explained flagged text; such sentences still count (as misses).

    Returns:
        ``sentences``: sentences evaluated.
        ``top_span_hit_rate``: share whose strongest bias span covers an annotated word (no span = miss).
        ``random_word_hit_rate``: the chance baseline, mean over sentences of annotated words / words.
        ``random_span_hit_rate``: the chance baseline for spans as long as the ones shown: mean over
        sentences of the chance that a random run of as many words as the strongest span covers
        (one when there is none) touches an annotated word. Bias spans can be phrases
        (``model.explain.PHRASE_HEADS``), which hit more easily than single words.
        ``top_span_words``: mean words covered by the strongest span (sentences with a span).
        ``word_precision``, ``word_recall``, ``word_f1``: micro-averaged over all sentences' words,
        predicted = covered by any bias span, gold = annotated.
        ``lex_phrases``: the lex phrases those sentences carry.

    The sentence-level ``basil/`` training source includes these articles' sentences (data README);
    assembly keeps those in the test split (``training.sources.basil.held_out_rows``), so a model
    trained by this project has never seen these sentences or their labels.

    Raises ``FileNotFoundError`` when the articles file is missing.
    """
    articles_file = _require(Path(data_dir) / BASIL_ARTICLES, "BASIL articles")
    texts: list[str] = []
    words: list[list[tuple[int, int, str]]] = []
    gold: list[set[int]] = []
    lex_phrases = 0
    for sentence, phrases in _lex_sentences(articles_file):
        text = normalize(sentence)
        sentence_words = _words(text)
        # A sentence without words has no baseline and nothing to point at.
        if not sentence_words:
            continue
        texts.append(text)
        words.append(sentence_words)
        gold.append(_annotated_positions(sentence, text, [w for _, _, w in sentence_words], phrases))
        lex_phrases += len(phrases)

    base = _bias_probabilities(probabilities, texts)
    explained = [i for i in range(len(texts)) if threshold is None or base[i, _BIAS] >= threshold]
    spans_of: dict[int, list[Span]] = {i: [] for i in range(len(texts))}
    if explained:
        # One call: explain_batch sends every occlusion variant of every sentence to the model at once.
        results = explain_batch([texts[i] for i in explained], base[explained], probabilities)
        for i, spans in zip(explained, results):
            spans_of[i] = [span for span in spans if span.head == "bias"]

    hits = 0
    chance = span_chance = 0.0
    top_words: list[int] = []
    true_positive = predicted_total = gold_total = 0
    for i in range(len(texts)):
        spans = spans_of[i]
        width = 1
        if spans:
            top = max(spans, key=lambda span: span.weight)
            top_covered = _covered(words[i], top.start, top.end)
            hits += bool(top_covered & gold[i])
            width = max(1, len(top_covered))
            top_words.append(width)
        span_chance += _run_hit_chance(len(words[i]), width, gold[i])
        predicted: set[int] = set()
        for span in spans:
            predicted |= _covered(words[i], span.start, span.end)
        true_positive += len(predicted & gold[i])
        predicted_total += len(predicted)
        gold_total += len(gold[i])
        chance += len(gold[i]) / len(words[i])

    n = len(texts)
    precision = true_positive / predicted_total if predicted_total else 0.0
    recall = true_positive / gold_total if gold_total else 0.0
    return {
        "sentences": n,
        "top_span_hit_rate": hits / n if n else float("nan"),
        "random_word_hit_rate": chance / n if n else float("nan"),
        "random_span_hit_rate": span_chance / n if n else float("nan"),
        "top_span_words": float(np.mean(top_words)) if top_words else float("nan"),
        "word_precision": precision,
        "word_recall": recall,
        "word_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "lex_phrases": lex_phrases,
    }
