"""Speed of the story features: ``/compare`` against ``/score`` side by side, and ``stories``' scaling curve.

1. ``POST /compare`` of 50 articles with 10-sentence bodies against ``POST /score`` of the same 50
   headlines with ``explain``, alternating on one running service (score cache off, so every
   request does its full work), ``--repeats`` times; medians and the ratio (goal: at most 10x).
2. ``model.stories.StoryLens.stories`` (what ``headline-lens stories`` runs) in-process on 500, 1,000,
   2,000 and 5,000 articles (headline and a one-sentence lead): total seconds, and the grouping step
   alone (``group_stories``) over ``--repeats``; the log-log slope of the curve (1 = linear; n log n
   from 500 to 5,000 reads as about 1.1, n^2 as 2).

Articles are generated (reproducibly) from word lists: ``--events`` events, each told several ways.

    python benchmarks/bench_stories.py --model ARTIFACT [--repeats 5] [--sizes 500,1000,2000,5000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_models import model_dir  # noqa: E402
from machine import machine_record  # noqa: E402

_PLACES = ["Niger", "Honduras", "the capital", "Lagos", "the northern province", "Quebec", "the river delta", "Kyoto",
           "the coastal city", "Bavaria", "the border region", "Patagonia"]
_ACTORS = ["The government", "Officials", "The central bank", "Rebel leaders", "The mayor", "Health authorities",
           "The ministry", "Union leaders", "The court", "Military commanders", "Local police", "The parliament"]
_ACTIONS = ["announced new limits on", "approved a plan for", "rejected calls for", "delayed a decision on",
            "opened an inquiry into", "ended talks about", "raised spending on", "cut funding for"]
_TOPICS = ["water rationing", "troop deployments", "rail fares", "school closures", "fishing quotas", "fuel subsidies",
           "housing permits", "vaccination drives", "border checks", "mining licences", "flood defences", "tax relief"]
_DETAILS = ["after weeks of protests", "citing a shortfall in the budget", "following a court ruling",
            "amid criticism from opposition parties", "in a statement on Friday", "according to local reporters",
            "despite warnings from experts", "as residents waited for answers"]
_TEASES = ["", "", " - what happens next will shock you", ": here's why it matters", "!", " in a stunning move"]


def generate_articles(count: int, sentences: int, seed: int = 0, per_event: int = 4) -> list[dict]:
    """``count`` articles about ``count / per_event`` events, each with a headline and ``sentences`` body sentences."""
    rng = random.Random(seed)
    articles = []
    for event in range(math.ceil(count / per_event)):
        place, actor, action, topic = (rng.choice(_PLACES), rng.choice(_ACTORS), rng.choice(_ACTIONS), rng.choice(_TOPICS))
        day = f"2024-{1 + event % 12:02d}-{1 + (event // 12) % 28:02d}"
        for k in range(per_event):
            if len(articles) == count:
                break
            body = [f"{actor} in {place} {action} {topic} {rng.choice(_DETAILS)}, event {event}."]
            body += [f"{rng.choice(_ACTORS)} said {topic} in {place} would be reviewed {rng.choice(_DETAILS)}."
                     for _ in range(sentences - 1)]
            articles.append({"id": f"e{event}-{k}", "headline": f"{actor} in {place} {action} {topic}{rng.choice(_TEASES)}",
                             "body": " ".join(body), "published": day})
    return articles


def compare_vs_score(directory: Path, repeats: int) -> dict:
    """Median seconds of /compare (50 articles, 10-sentence bodies) and /score (same headlines, explain)."""
    import httpx
    from service_server import start_service

    articles = generate_articles(50, 10)
    headlines = [a["headline"] for a in articles]
    times: dict[str, list[float]] = {"compare": [], "score_explain": []}
    with tempfile.TemporaryDirectory(prefix="bench-stories-") as workdir:
        server = start_service(directory, Path(workdir), env={"HEADLINE_LENS_RATE_LIMIT": "0",
                                                               "HEADLINE_LENS_CACHE_SIZE": "0"})
        try:
            with httpx.Client(timeout=300) as client:
                def timed(path: str, payload: dict) -> float:
                    started = time.perf_counter()
                    response = client.post(f"{server.url}{path}", json=payload)
                    response.raise_for_status()
                    return time.perf_counter() - started

                timed("/compare", {"articles": articles})  # loads the embedder (first use), not measured
                timed("/score", {"headlines": headlines, "explain": True})
                for _ in range(repeats):
                    times["score_explain"].append(timed("/score", {"headlines": headlines, "explain": True}))
                    times["compare"].append(timed("/compare", {"articles": articles}))
        finally:
            server.stop()
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {"articles": 50, "sentences_per_body": 10, "repeats": {k: [round(v, 4) for v in vs] for k, vs in times.items()},
            "median_s": {k: round(v, 4) for k, v in medians.items()},
            "ratio_compare_to_score_explain": round(medians["compare"] / medians["score_explain"], 2), "goal_ratio": 10}


def scaling(directory: Path, sizes: list[int], repeats: int) -> dict:
    """Seconds of StoryLens.stories per size (one run), and of the grouping step alone (median of ``repeats``)."""
    import numpy as np

    from model.embedder import Embedder
    from model.scorer import Scorer
    from model.stories import StoryLens, group_stories, stories
    from service.schemas import story_models
    from service.settings import ServiceConfig
    from service.stories import to_article

    scorer = Scorer(directory)
    lens = StoryLens(scorer, Embedder(directory, threads=scorer.threads, manifest=scorer.manifest))
    rows = []
    for n in sizes:
        article_model = story_models(ServiceConfig()).article
        articles = [to_article(article_model.model_validate(a)) for a in generate_articles(n, 1, seed=n)]
        started = time.perf_counter()
        scored = lens.score(articles)
        found = stories(scored)  # StoryLens.stories: score, embed, group and compare
        total = time.perf_counter() - started
        vectors = np.stack([m.vector for m in scored])
        dates = [m.article.published for m in scored]
        grouping = []
        for _ in range(repeats):
            started = time.perf_counter()
            group_stories(vectors, dates)
            grouping.append(time.perf_counter() - started)
        rows.append({"articles": n, "stories": len(found), "total_s": round(total, 3),
                     "grouping_s": [round(g, 4) for g in grouping], "grouping_median_s": round(statistics.median(grouping), 4)})
        print(f"  {n:5d} articles: {total:7.2f} s in all, grouping {statistics.median(grouping):.3f} s, {len(found)} stories",
              flush=True)

    def slope(key: str) -> float:
        x = np.log([r["articles"] for r in rows])
        y = np.log([r[key] for r in rows])
        return round(float(np.polyfit(x, y, 1)[0]), 3)

    return {"rows": rows, "loglog_slope_total": slope("total_s"), "loglog_slope_grouping": slope("grouping_median_s"),
            "nlogn_slope_reference": round(math.log(sizes[-1] * math.log(sizes[-1]) / (sizes[0] * math.log(sizes[0])))
                                           / math.log(sizes[-1] / sizes[0]), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: $HEADLINE_LENS_MODEL or newest)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="500,1000,2000,5000", help='comma-separated; "" skips the curve')
    parser.add_argument("--skip-http", action="store_true", help="only the scaling curve")
    parser.add_argument("--out", default=str(HERE.parent / "reports" / "stories" / "bench.json"))
    args = parser.parse_args(argv)
    directory = model_dir(args.model, untrained=False)
    report: dict = {"machine": machine_record(), "model": directory.name}
    if not args.skip_http:
        report["compare_vs_score"] = compare_vs_score(directory, args.repeats)
        c = report["compare_vs_score"]
        print(f"/compare (50 articles x 10 sentences) {c['median_s']['compare']:.3f} s vs /score explain "
              f"{c['median_s']['score_explain']:.3f} s: {c['ratio_compare_to_score_explain']}x (goal <= 10x)", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.sizes:
        print("stories scaling:", flush=True)
        report["scaling"] = scaling(directory, [int(s) for s in args.sizes.split(",")], args.repeats)
        s = report["scaling"]
        print(f"log-log slope: all {s['loglog_slope_total']}, grouping {s['loglog_slope_grouping']} "
              f"(n log n: {s['nlogn_slope_reference']}, n^2: 2)")
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
