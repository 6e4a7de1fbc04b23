"""Evaluate the story features on public data and the seeds; print the figures and write JSON.

- BASIL (``basil_articles/``, 50 events x 3 outlets): grouping pairwise F1 and adjusted Rand index,
  with publication dates and on text alone, beside a TF-IDF cosine baseline grouped the same way
  (the baseline at its best threshold on this very data, which flatters it); and how often the bias
  ranking of ``compare_story`` puts first the article with the most annotated lexical-bias phrases
  per sentence (chance: one in three).
- FNC-1 (``fnc1/``, 13,305 headline-body pairs): ROC-AUC of ``incongruence`` for ``unrelated``
  against the rest and for ``discuss`` against ``agree``, beside ``1 - TF-IDF cosine``; on all
  pairs, and on the held-out pairs (Body ID not divisible by 4; the others fitted ``off_topic``'s
  ramp, ``RELATED_COSINE`` and ``RELATED_SCALE``).
- FNC-1 as a grouping development set (no dates): its related headline-body pairs joined into
  claims (connected components), one article per body (the body with its first related headline);
  pairwise F1 of text-only grouping over ``UNDATED_STORY_COSINE`` candidates. The threshold was
  chosen here, and BASIL measures it.
- The seeds: incongruence and clickbait rank of each page's headline.

The data sets are read where they are and never copied. ::

    python benchmarks/eval_stories.py --model ARTIFACT [--data-dir ../shared/data] [--out reports/stories/eval.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

from machine import machine_record  # noqa: E402

from model.embedder import Embedder  # noqa: E402
from model.scorer import Scorer  # noqa: E402
from model.sentences import split_sentences  # noqa: E402
from model.stories import (  # noqa: E402
    LEAD_SENTENCES,
    SAME_STORY_COSINE,
    STORY_WINDOW_DAYS,
    UNDATED_STORY_COSINE,
    Article,
    StoryLens,
    compare_story,
    group_stories,
)
from model.text import normalize  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
#: Candidates for the undated groups' average-similarity threshold.
UNDATED_THRESHOLDS = (0.55, 0.575, 0.6, 0.625, 0.65, 0.675, 0.7, 0.75)
#: TF-IDF cosines of related texts run far lower than embedding cosines: the baseline gets its own grid.
TFIDF_THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)


def pairwise_f1(truth: list[Any], predicted: list[int]) -> float:
    """F1 over pairs of items: a pair is positive when both items share a group."""
    from sklearn.metrics.cluster import pair_confusion_matrix

    (_, fp), (fn, tp) = pair_confusion_matrix(truth, predicted)
    return float(2 * tp / (2 * tp + fp + fn)) if tp else 0.0


def _labels(groups: list[list[int]], n: int) -> list[int]:
    labels = [0] * n
    for k, group in enumerate(groups):
        for i in group:
            labels[i] = k
    return labels


def grouping_scores(vectors: np.ndarray, truth: list[Any], dates: list[datetime | None], threshold: float,
                    undated_threshold: float = UNDATED_STORY_COSINE) -> dict:
    from sklearn.metrics import adjusted_rand_score

    out = {}
    for name, when in (("with_dates", dates), ("text_only", [None] * len(dates))):
        predicted = _labels(group_stories(vectors, when, threshold, STORY_WINDOW_DAYS, undated_threshold), len(truth))
        out[name] = {"pairwise_f1": round(pairwise_f1(truth, predicted), 4),
                     "ari": round(float(adjusted_rand_score(truth, predicted)), 4),
                     "stories": len(set(predicted))}
    return out


def basil(lens: StoryLens, data: Path) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize as l2

    rows = [json.loads(line) for line in (data / "basil_articles" / "articles.jsonl").open(encoding="utf-8")]
    articles = [Article(id=f"{r['triplet']}-{r['source']}", headline=normalize(r["title"]),
                        sentences=[s for s in (normalize(x) for x in r["sentences"]) if s], outlet=r["source"],
                        published=datetime.fromisoformat(r["date"])) for r in rows]
    truth = [r["triplet"] for r in rows]
    dates = [a.published for a in articles]
    scored = lens.score(articles)
    vectors = np.stack([m.vector for m in scored])
    texts = [" ".join([a.headline, *a.sentences[:LEAD_SENTENCES]]) for a in articles]
    tfidf = l2(TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)).toarray()
    sweep = {f"{t:.2f}": {"embeddings": grouping_scores(vectors, truth, dates, t)} for t in THRESHOLDS}
    undated_sweep = {f"{t:.3f}": grouping_scores(vectors, truth, [None] * len(dates), SAME_STORY_COSINE, t)["text_only"]
                     for t in UNDATED_THRESHOLDS}
    # The baseline groups the same way, with TF-IDF cosines in place of both thresholds.
    tfidf_sweep = {f"{t:.2f}": grouping_scores(tfidf, truth, dates, t, t) for t in TFIDF_THRESHOLDS}
    best_tfidf = {}
    for mode in ("with_dates", "text_only"):
        threshold = max(tfidf_sweep, key=lambda t, m=mode: tfidf_sweep[t][m]["pairwise_f1"])
        best_tfidf[mode] = {**tfidf_sweep[threshold][mode], "threshold": float(threshold)}
    # Bias ranking within each true event, against the annotators' lexical-bias phrases per sentence.
    hits, events = 0, 0
    for event in dict.fromkeys(truth):
        members = [m for m, r in zip(scored, rows) if r["triplet"] == event]
        density = {f"{r['triplet']}-{r['source']}": sum(p["bias"] == "lex" for p in r["phrases"]) / max(1, len(r["sentences"]))
                   for r in rows if r["triplet"] == event}
        top = max(density.values())
        if list(density.values()).count(top) > 1:
            continue  # a tie has no single most-biased article
        events += 1
        hits += density[compare_story(members)["ranked_by_bias"][0]] == top
    return {
        "articles": len(rows), "events": len(set(truth)),
        "default_threshold": SAME_STORY_COSINE, "undated_threshold": UNDATED_STORY_COSINE,
        "window_days": STORY_WINDOW_DAYS,
        "embeddings": sweep[f"{SAME_STORY_COSINE:.2f}"]["embeddings"],
        "undated_sweep": undated_sweep,
        "tfidf_best_threshold": best_tfidf,
        "sweep": sweep,
        "tfidf_sweep": tfidf_sweep,
        "bias_ranking": {"events_without_tie": events, "hits": int(hits), "hit_rate": round(hits / max(1, events), 4),
                         "chance": round(1 / 3, 4)},
    }


def fnc1(lens: StoryLens, data: Path, limit: int | None) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import roc_auc_score

    with (data / "fnc1" / "bodies.csv").open(encoding="utf-8") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    with (data / "fnc1" / "stances.csv").open(encoding="utf-8") as handle:
        pairs = list(csv.DictReader(handle))[:limit]
    sentences = {key: split_sentences(text) for key, text in bodies.items()}
    articles = [Article(id=str(i), headline=normalize(p["Headline"]), sentences=sentences[p["Body ID"]])
                for i, p in enumerate(pairs)]
    scored = lens.score(articles)
    incongruence = np.array([m.incongruence for m in scored])
    off_topic = np.array([-m.relatedness for m in scored])
    clickbait = np.array([m.headline["clickbait"] for m in scored])
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit([*bodies.values(), *(p["Headline"] for p in pairs)])
    heads = vectorizer.transform([p["Headline"] for p in pairs])
    body_matrix = vectorizer.transform([bodies[p["Body ID"]] for p in pairs])
    tfidf = 1.0 - np.asarray(heads.multiply(body_matrix).sum(axis=1)).ravel()
    stance = np.array([p["Stance"] for p in pairs])
    held_out = np.array([int(p["Body ID"]) % 4 != 0 for p in pairs])
    out: dict[str, Any] = {"pairs": len(pairs), "held_out_pairs": int(held_out.sum()),
                           "stances": dict(Counter(stance.tolist()))}
    tasks = {"unrelated_vs_related": (np.ones(len(pairs), bool), stance == "unrelated"),
             "discuss_vs_agree": (np.isin(stance, ["discuss", "agree"]), stance == "discuss")}
    for task, (keep, positive) in tasks.items():
        for suffix, subset in (("", keep), ("_held_out", keep & held_out)):
            out[task + suffix] = {name: round(float(roc_auc_score(positive[subset], values[subset])), 4)
                                  for name, values in (("incongruence", incongruence), ("embedding_distance_only", off_topic),
                                                       ("clickbait_only", clickbait), ("tfidf_cosine", tfidf))}
    return out


def fnc1_claims(lens: StoryLens, data: Path) -> dict[str, Any]:
    """Text-only grouping on FNC-1's claims: the development set of ``UNDATED_STORY_COSINE``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    with (data / "fnc1" / "bodies.csv").open(encoding="utf-8") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    with (data / "fnc1" / "stances.csv").open(encoding="utf-8") as handle:
        related = [p for p in csv.DictReader(handle) if p["Stance"] != "unrelated"]
    headlines = list(dict.fromkeys(p["Headline"] for p in related))
    body_ids = list(dict.fromkeys(p["Body ID"] for p in related))
    node = {**{h: i for i, h in enumerate(headlines)}, **{b: len(headlines) + i for i, b in enumerate(body_ids)}}
    size = len(node)
    edges = coo_matrix((np.ones(len(related)), ([node[p["Headline"]] for p in related],
                                                [node[p["Body ID"]] for p in related])), shape=(size, size))
    _, claim = connected_components(edges, directed=False)
    first_headline: dict[str, str] = {}
    for p in related:
        first_headline.setdefault(p["Body ID"], p["Headline"])
    articles = [Article(id=b, headline=normalize(first_headline[b]),
                        sentences=[s for s in (normalize(x) for x in split_sentences(bodies[b])[:LEAD_SENTENCES]) if s])
                for b in body_ids]
    vectors = np.stack([m.vector for m in lens.score(articles)])
    truth = [int(claim[node[b]]) for b in body_ids]
    sweep = {f"{t:.3f}": grouping_scores(vectors, truth, [None] * len(truth), SAME_STORY_COSINE, t)["text_only"]
             for t in UNDATED_THRESHOLDS}
    best = max(sweep, key=lambda t: sweep[t]["pairwise_f1"])
    return {"articles": len(articles), "claims": len(set(truth)), "undated_sweep": sweep, "best_threshold": float(best),
            "chosen_threshold": UNDATED_STORY_COSINE}


def seeds(lens: StoryLens) -> dict[str, Any]:
    from training.golden import seed_story_facts

    return seed_story_facts(lens)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL, newest stored)")
    parser.add_argument("--data-dir", default=os.environ.get("HEADLINE_LENS_DATA", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--fnc-limit", type=int, help="only the first N FNC-1 pairs (for a quick look)")
    parser.add_argument("--out", default=str(REPO / "reports" / "stories" / "eval.json"))
    args = parser.parse_args(argv)
    from model.store import resolve

    directory = resolve(args.model)
    lens = StoryLens(Scorer(directory), Embedder(directory, threads=os.cpu_count() or 1))
    data = Path(args.data_dir)
    report = {"machine": machine_record(), "model": lens.scorer.version, "seeds": seeds(lens), "basil": basil(lens, data),
              "fnc1": fnc1(lens, data, args.fnc_limit), "fnc1_claims": fnc1_claims(lens, data)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    b, f = report["basil"], report["fnc1"]
    c = report["fnc1_claims"]
    print(f"FNC-1 claims, text-only grouping F1 by undated threshold (development set; best {c['best_threshold']}, "
          f"chosen {c['chosen_threshold']}): " + ", ".join(f"{t}: {r['pairwise_f1']}" for t, r in c["undated_sweep"].items()))
    print(f"BASIL grouping (thresholds {b['default_threshold']} / undated {b['undated_threshold']}): with dates F1 {b['embeddings']['with_dates']['pairwise_f1']}"
          f" ARI {b['embeddings']['with_dates']['ari']}; text only F1 {b['embeddings']['text_only']['pairwise_f1']}"
          f" ARI {b['embeddings']['text_only']['ari']}")
    print(f"  TF-IDF at its best threshold: with dates {b['tfidf_best_threshold']['with_dates']}, "
          f"text only {b['tfidf_best_threshold']['text_only']}")
    print(f"BASIL bias ranking: {b['bias_ranking']}")
    print(f"FNC-1 unrelated vs related AUC: {f['unrelated_vs_related']}")
    print(f"  held-out pairs only: {f['unrelated_vs_related_held_out']}")
    print(f"FNC-1 discuss vs agree AUC: {f['discuss_vs_agree']}")
    print(f"seeds: {report['seeds']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
