"""Story framing: score whole articles, group articles on one event, compare how each outlet tells it.

Everything here works on scores (``Score.to_dict()`` results of the classifier) and unit-length
sentence embeddings (``model.embedder.Embedder``) that the caller computed, so the HTTP service
(through its cache and batcher), the CLI and the feeds share one implementation:
``texts_to_score`` / ``texts_to_embed`` say what to compute, ``assemble`` joins the results, and
``article_report``, ``group_stories`` and ``compare_story`` build the answers. ``StoryLens`` does
all of it in-process with a ``Scorer`` and an ``Embedder``.

**Incongruence** (0..1) of a headline with its body::

    relatedness = the highest cosine similarity of the headline to any body sentence
    off_topic   = 1 / (1 + exp((relatedness - RELATED_COSINE) / RELATED_SCALE))
    incongruence = 1 - (1 - off_topic) * (1 - clickbait)

Either reason is enough: a headline about something else (``off_topic``), or one that withholds or
overpromises what the body delivers (the calibrated clickbait score). 0.5 means even odds on the
combination: a headline whose best body match sits at ``RELATED_COSINE`` (and is no clickbait), or a
headline readers would call clickbait at even odds (that matches its body well). Without a body,
incongruence is ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from model.cues import find_cues
from model.labels import HEAD_NAMES

#: Cosine similarity (all-MiniLM-L6-v2) at which a headline's best body sentence stops being about the
#: same thing: ``off_topic`` is 0.5 there. With ``RELATED_SCALE``, a class-balanced logistic fit of
#: "unrelated" on that similarity over FNC-1's pairs whose Body ID is divisible by 4 (0.420 and 0.058);
#: the other pairs measure it (``benchmarks/eval_stories.py``).
RELATED_COSINE = 0.42
#: Width of the ``off_topic`` ramp: 0.1 of cosine moves it from 0.16 to 0.84 around ``RELATED_COSINE``.
RELATED_SCALE = 0.06
#: Body sentences that represent an article for grouping: the lead carries the event.
LEAD_SENTENCES = 3
#: Two articles are linked when their vectors (headline and lead) have at least this cosine similarity.
SAME_STORY_COSINE = 0.6
#: A group that holds undated articles is split until its members are, on average, at least this similar
#: (average linkage): without dates to cut them, chains of links drift from one event to the next. Chosen
#: on FNC-1 (its claims taken as stories: pairwise F1 0.951 at 0.6, 0.972 at 0.625, 0.956 at 0.65), not
#: on BASIL, which measures it (``benchmarks/eval_stories.py``).
UNDATED_STORY_COSINE = 0.625
#: Articles whose publication dates are further apart than this are never linked (when both are dated).
STORY_WINDOW_DAYS = 3.0
#: A sentence reports the same fact as a sentence of another article at this cosine similarity or more.
SAME_FACT_COSINE = 0.7
#: A sentence is told by one outlet only when no sibling has a sentence this similar to it.
UNIQUE_FACT_COSINE = 0.5
#: Facts listed per story (shared) and per article (told only there), in body order.
MAX_FACTS = 5
#: Most loaded sentences listed for an article.
TOP_LOADED = 3

_CLICKBAIT, _BIAS = HEAD_NAMES.index("clickbait"), HEAD_NAMES.index("bias")


@dataclass
class Article:
    """One article, already validated: the headline and body sentences normalised."""

    id: str
    headline: str
    sentences: list[str] = field(default_factory=list)
    outlet: str | None = None
    published: datetime | None = None


@dataclass
class ScoredArticle:
    """An article with the classifier's results and the embeddings of its texts."""

    article: Article
    headline: dict[str, Any]
    sentences: list[dict[str, Any]]
    headline_vector: np.ndarray
    sentence_vectors: np.ndarray
    thresholds: dict[str, float]

    @property
    def has_body(self) -> bool:
        """Whether the article came with a body."""
        return bool(self.article.sentences)

    @property
    def vector(self) -> np.ndarray:
        """The article's unit vector for grouping: its headline and lead sentences, equally weighted."""
        lead = self.sentence_vectors[:LEAD_SENTENCES]
        combined = self.headline_vector + (lead.mean(axis=0) if len(lead) else 0.0)
        return combined / max(float(np.linalg.norm(combined)), 1e-12)

    @property
    def relatedness(self) -> float | None:
        """The highest cosine similarity of the headline to a body sentence (``None`` without a body)."""
        if not self.has_body:
            return None
        return float((self.sentence_vectors @ self.headline_vector).max())

    @property
    def incongruence(self) -> float | None:
        """How far the headline is from what the body says, 0..1 (module docstring); ``None`` without a body."""
        relatedness = self.relatedness
        if relatedness is None:
            return None
        off_topic = 1.0 / (1.0 + math.exp((relatedness - RELATED_COSINE) / RELATED_SCALE))
        return round(1.0 - (1.0 - off_topic) * (1.0 - self.headline["clickbait"]), 6)

    @property
    def loaded_share(self) -> float | None:
        """Share of body sentences whose bias label is set (``None`` without a body)."""
        if not self.has_body:
            return None
        return round(sum(r["labels"]["bias"] for r in self.sentences) / len(self.sentences), 6)

    @property
    def bias_score(self) -> float:
        """What ranks articles by bias: the mean bias of the body's sentences, else the headline's bias."""
        if not self.has_body:
            return float(self.headline["bias"])
        return round(float(np.mean([r["bias"] for r in self.sentences])), 6)

    def most_loaded(self, count: int = TOP_LOADED) -> list[dict[str, Any]]:
        """The ``count`` body sentences with the highest bias, each result with its ``index`` in the body."""
        order = sorted(range(len(self.sentences)), key=lambda i: -self.sentences[i]["bias"])[:count]
        return [{"index": i, **self.sentences[i]} for i in order]


def texts_to_score(articles: Sequence[Article]) -> list[str]:
    """Every distinct text the classifier must score: headlines and body sentences."""
    return list(dict.fromkeys(t for a in articles for t in (a.headline, *a.sentences)))


#: The embedder needs the same texts.
texts_to_embed = texts_to_score


def assemble(
    articles: Sequence[Article], results: dict[str, dict[str, Any]], vectors: dict[str, np.ndarray],
    thresholds: dict[str, float],
) -> list[ScoredArticle]:
    """Join each article with its texts' results (by normalised text) and embeddings."""
    out = []
    for a in articles:
        dim = len(vectors[a.headline])
        sentence_vectors = np.stack([vectors[s] for s in a.sentences]) if a.sentences else np.zeros((0, dim))
        out.append(ScoredArticle(
            article=a, headline=results[a.headline], sentences=[results[s] for s in a.sentences],
            headline_vector=vectors[a.headline], sentence_vectors=sentence_vectors, thresholds=thresholds,
        ))
    return out


def article_report(scored: ScoredArticle) -> dict[str, Any]:
    """``POST /score_article``'s answer (spans are added to ``most_loaded`` by the caller)."""
    return {
        "headline": scored.headline,
        "incongruence": scored.incongruence,
        "relatedness": None if scored.relatedness is None else round(scored.relatedness, 6),
        "sentences": len(scored.sentences),
        "loaded_share": scored.loaded_share,
        "most_loaded": scored.most_loaded(),
    }


def group_stories(
    vectors: np.ndarray, published: Sequence[datetime | None], threshold: float = SAME_STORY_COSINE,
    window_days: float = STORY_WINDOW_DAYS, undated_threshold: float = UNDATED_STORY_COSINE,
) -> list[list[int]]:
    """Groups of row indices of ``vectors`` (unit rows) about the same event, each group in input order.

    Rows are linked when their cosine similarity is at least ``threshold`` and, when both are dated,
    they were published at most ``window_days`` apart; a story is a connected component of links
    (scipy). A component that holds an undated row is then split by average linkage at
    ``undated_threshold`` (scikit-learn), since no dates cut its chains. Groups come in the order of
    their first article. See ``_links`` for the cost.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(vectors)
    if n == 0:
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    times = np.array([_epoch_days(p) for p in published], dtype=np.float64)
    rows, cols = _links(vectors, times, threshold, window_days)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups = []
    for members in _by_label(range(n), labels):
        if len(members) > 1 and np.isnan(times[members]).any():
            groups.extend(_split_by_average_similarity(vectors, members, undated_threshold))
        else:
            groups.append(members)
    return sorted(groups, key=lambda group: group[0])


def _split_by_average_similarity(vectors: np.ndarray, members: list[int], threshold: float) -> list[list[int]]:
    """``members`` split into clusters whose rows have an average cosine similarity of at least ``threshold``."""
    from sklearn.cluster import AgglomerativeClustering

    clusters = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - threshold
    ).fit_predict(vectors[members])
    return _by_label(members, clusters)


def _by_label(indices: Sequence[int], labels: Sequence[int]) -> list[list[int]]:
    """``indices`` grouped by their label, groups in order of first appearance, each in input order."""
    groups: dict[int, list[int]] = {}
    for index, label in zip(indices, labels):
        groups.setdefault(int(label), []).append(index)
    return list(groups.values())


#: Rows compared at once (one matrix product each): bounds memory at ``_BLOCK`` x candidates.
_BLOCK = 256


def _links(vectors: np.ndarray, times: np.ndarray, threshold: float, window_days: float) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)`` of every link: cosine at least ``threshold``, dates (when both known) within the window.

    Dated rows, sorted by time, are compared block by block with the rows dated within
    ``window_days`` of the block only: ``O(n log n)`` for the sort plus ``O(n * k)`` where ``k`` is the
    number of articles in a window, so a feed archive's cost grows with its length, not its square.
    An undated row can belong to any story and is compared with every row (``O(n)`` each). Each
    comparison is one matrix product of a block (at most ``_BLOCK`` rows) with its candidates.
    """
    found_rows: list[np.ndarray] = []
    found_cols: list[np.ndarray] = []

    def compare(queries: np.ndarray, candidates: np.ndarray) -> None:
        similar = (vectors[queries] @ vectors[candidates].T) >= threshold
        query_at, candidate_at = np.nonzero(similar)
        rows, cols = queries[query_at], candidates[candidate_at]
        apart = np.abs(times[rows] - times[cols]) > window_days  # NaN (undated) compares False
        keep = (rows != cols) & ~apart
        found_rows.append(rows[keep])
        found_cols.append(cols[keep])

    everything = np.arange(len(vectors))
    undated = np.flatnonzero(np.isnan(times))
    for start in range(0, len(undated), _BLOCK):
        compare(undated[start : start + _BLOCK], everything)
    dated = np.flatnonzero(~np.isnan(times))
    order = dated[np.argsort(times[dated], kind="stable")]
    ordered_times = times[order]
    for start in range(0, len(order), _BLOCK):
        stop = min(start + _BLOCK, len(order))
        low = np.searchsorted(ordered_times, ordered_times[start] - window_days, side="left")
        high = np.searchsorted(ordered_times, ordered_times[stop - 1] + window_days, side="right")
        compare(order[start:stop], order[low:high])
    if not found_rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found_rows), np.concatenate(found_cols)


def _epoch_days(when: datetime | None) -> float:
    if when is None:
        return math.nan
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp() / 86_400.0


def compare_story(members: Sequence[ScoredArticle]) -> dict[str, Any]:
    """The comparison of one story's articles: rankings, per-article differences and facts."""
    ids = [m.article.id for m in members]
    by_clickbait = sorted(members, key=lambda m: -m.headline["clickbait"])
    by_bias = sorted(members, key=lambda m: -m.bias_score)
    cues = [{name for _, _, name in find_cues(m.headline["text"])} for m in members]
    articles = []
    for i, m in enumerate(members):
        siblings = [s for j, s in enumerate(members) if j != i]
        others = set().union(*(cues[j] for j in range(len(members)) if j != i)) if siblings else set()
        calmest = min(siblings, key=lambda s: s.headline["clickbait"], default=None)
        alternative = None
        if calmest is not None and calmest.headline["clickbait"] < m.headline["clickbait"]:
            alternative = {"id": calmest.article.id, "headline": calmest.headline["text"],
                           "clickbait": calmest.headline["clickbait"]}
        articles.append({
            "id": m.article.id,
            "outlet": m.article.outlet,
            "headline": m.headline,
            "bias_score": m.bias_score,
            "loaded_share": m.loaded_share,
            "incongruence": m.incongruence,
            "unique_cues": sorted(cues[i] - others),
            "neutral_alternative": alternative,
        })
    return {
        "articles": ids,
        "ranked_by_clickbait": [m.article.id for m in by_clickbait],
        "ranked_by_bias": [m.article.id for m in by_bias],
        "comparison": articles,
        **_facts(members),
    }


def _facts(members: Sequence[ScoredArticle]) -> dict[str, Any]:
    """Facts every bodied article reports, and facts only one reports, as sentence matches.

    A similarity match shows that two sentences say much the same thing; it does not check that
    they state the same fact, nor that an unmatched fact is absent in other words.
    """
    bodied = [m for m in members if m.has_body]
    if len(bodied) < 2:
        return {"shared_facts": [], "unique_facts": []}
    # best[a][b]: for each sentence of article a, its best match (index, cosine) in article b.
    best: dict[int, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
    for a, left in enumerate(bodied):
        best[a] = {}
        for b, right in enumerate(bodied):
            if a != b:
                similarity = left.sentence_vectors @ right.sentence_vectors.T
                best[a][b] = (similarity.argmax(axis=1), similarity.max(axis=1))
    anchor = bodied[0]
    shared = []
    for i in range(len(anchor.article.sentences)):
        matches = [(b, int(best[0][b][0][i]), float(best[0][b][1][i])) for b in best[0]]
        if all(score >= SAME_FACT_COSINE for _, _, score in matches):
            shared.append({"sentences": [_sentence_ref(anchor, i)] + [
                {**_sentence_ref(bodied[b], j), "similarity": round(score, 4)} for b, j, score in matches]})
        if len(shared) == MAX_FACTS:
            break
    unique = []
    for a, m in enumerate(bodied):
        top = np.max(np.stack([best[a][b][1] for b in best[a]]), axis=0)
        told_only_here = [i for i in range(len(m.article.sentences)) if top[i] < UNIQUE_FACT_COSINE][:MAX_FACTS]
        unique.extend({**_sentence_ref(m, i), "best_similarity": round(float(top[i]), 4)} for i in told_only_here)
    return {"shared_facts": shared, "unique_facts": unique}


def _sentence_ref(m: ScoredArticle, index: int) -> dict[str, Any]:
    return {"id": m.article.id, "index": index, "text": m.article.sentences[index]}


def stories(scored: Sequence[ScoredArticle], threshold: float = SAME_STORY_COSINE,
            window_days: float = STORY_WINDOW_DAYS) -> list[dict[str, Any]]:
    """Group ``scored`` into stories and compare each: ``{"story": k, "articles": [...], ...}``."""
    if not scored:
        return []
    vectors = np.stack([m.vector for m in scored])
    groups = group_stories(vectors, [m.article.published for m in scored], threshold, window_days)
    return [{"story": k, **compare_story([scored[i] for i in group])} for k, group in enumerate(groups)]


def explain_results(results: Sequence[dict[str, Any]], scorer: Any) -> list[dict[str, Any]]:
    """Result dicts (``Score.to_dict()`` shape) with ``spans`` added; other keys (``index``) are kept."""
    from model.result import Score

    explained = scorer.explain([Score.from_dict(r) for r in results])
    return [{**r, **e.to_dict()} for r, e in zip(results, explained)]


class StoryLens:
    """Article scoring and story comparison in-process, with a ``Scorer`` and an ``Embedder``."""

    def __init__(self, scorer: Any, embedder: Any) -> None:
        self.scorer = scorer
        self.embedder = embedder

    def score(self, articles: Sequence[Article]) -> list[ScoredArticle]:
        """Score and embed every text of ``articles`` once."""
        texts = texts_to_score(articles)
        results = {s.text: s.to_dict() for s in self.scorer.score_normalized(texts)}
        vectors = dict(zip(texts, self.embedder.embed(texts)))
        return assemble(articles, results, vectors, self.scorer.manifest.thresholds)

    def report(self, article: Article, explain: bool = True) -> dict[str, Any]:
        """``POST /score_article``'s answer for one article; ``explain`` adds spans to the loaded sentences."""
        report = article_report(self.score([article])[0])
        if explain:
            explained = explain_results([report["headline"], *report["most_loaded"]], self.scorer)
            report["headline"], report["most_loaded"] = explained[0], explained[1:]
        return report

    def stories(self, articles: Sequence[Article], window_days: float = STORY_WINDOW_DAYS) -> list[dict[str, Any]]:
        """Stories of ``articles``, each compared (see ``stories``)."""
        return stories(self.score(articles), window_days=window_days)
