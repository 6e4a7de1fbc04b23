"""Feed scoring end to end: generated feeds served on loopback, fetched, parsed, scored, stored.

Prints, as medians over ``--repeats`` runs (each on a fresh database):

- the model alone on the same titles (the baseline: what scoring costs without feeds);
- a first run over every feed (items/s, goal >= 500 on 2 cores);
- a second run in which every feed answers 304 (goal: >= 10x faster than the first).

    python benchmarks/bench_feeds.py [--model PATH_OR_TAG] [--feeds 200] [--items 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fixtures.feeds.feed_server import FeedServer, rss  # noqa: E402

SUBJECTS = ["Council", "Scientists", "The senator", "Local bakery", "Rail operator", "Central bank", "This dog",
            "Parliament", "The mayor", "A teenager", "Health officials", "Tech giant"]
VERBS = ["approves", "rejects", "reveals", "warns about", "cuts", "doubles", "slams", "investigates", "celebrates",
         "delays", "unveils", "questions"]
OBJECTS = ["new budget", "shocking secret", "rail timetable", "interest rates", "housing plan", "school meals",
           "the one trick doctors hate", "climate targets", "ferry fares", "a radical agenda", "tax relief",
           "water prices"]
ENDINGS = ["", "", "", " - and you won't believe why", ": what happens next", " after heated debate",
           " amid protests", " for 2027"]


def titles(rng: random.Random, count: int) -> list[str]:
    """Headline-like titles; all distinct so every item is new on the first run."""
    return [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(ENDINGS)} (#{index})"
        for index in range(count)
    ]


def generated_feeds(feeds: int, items: int) -> list[list[str]]:
    """The same titles in the server and the client process (a seeded generator)."""
    rng = random.Random(0)
    return [titles(rng, items) for _ in range(feeds)]


def serve(feeds: int, items: int) -> None:
    """Serve the generated feeds (with ETags) until stdin closes; print the base URL first."""
    with FeedServer() as server:
        for index, chunk in enumerate(generated_feeds(feeds, items)):
            server.add(f"/feed{index}.xml", body=rss(chunk, f"Feed {index}", f"f{index}"), etag=f'"{index}"')
        print(server.base, flush=True)
        sys.stdin.read()


def start_server(feeds: int, items: int) -> tuple[subprocess.Popen, str]:
    """The feed server in its own process, so it does not share the client's interpreter lock."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--feeds", str(feeds), "--items", str(items)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    return process, process.stdout.readline().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: newest stored model)")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.feeds, args.items)
        return 0

    from model.scorer import Scorer
    from model.text import normalize
    from service.feeds.run import NOT_MODIFIED, score_feeds

    scorer = Scorer.load(args.model)
    manifest = scorer.manifest
    print(f"model: {manifest.version} ({manifest.base_model}, {'int8' if manifest.quantized else 'fp32'}) "
          f"from {scorer.directory}")
    feed_titles = generated_feeds(args.feeds, args.items)
    all_titles = [normalize(title) for chunk in feed_titles for title in chunk]
    total = len(all_titles)
    baseline, first, second = [], [], []
    server, base = start_server(args.feeds, args.items)
    urls = [f"{base}/feed{index}.xml" for index in range(args.feeds)]
    try:
        for _ in range(args.repeats):
            started = time.perf_counter()
            scorer.score_normalized(all_titles)
            baseline.append(time.perf_counter() - started)
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "bench.sqlite3"
                started = time.perf_counter()
                result = score_feeds(urls, db=db, scorer=scorer, concurrency=args.concurrency)
                first.append(time.perf_counter() - started)
                assert result.new_items == total, f"first run stored {result.new_items} of {total} items"
                started = time.perf_counter()
                again = score_feeds(urls, db=db, scorer=scorer, concurrency=args.concurrency)
                second.append(time.perf_counter() - started)
                assert all(report.status == NOT_MODIFIED for report in again.feeds), "second run: not all 304"
                assert len(again.records) == total
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    base_s, first_s, second_s = (statistics.median(values) for values in (baseline, first, second))
    print(f"{args.feeds} feeds x {args.items} items = {total} items, concurrency {args.concurrency}, "
          f"medians of {args.repeats} runs")
    print(f"  model only (baseline) : {base_s:7.2f} s  {total / base_s:8.0f} items/s")
    print(f"  first run (end to end): {first_s:7.2f} s  {total / first_s:8.0f} items/s   (goal >= 500 items/s)")
    print(f"  second run (all 304)  : {second_s:7.2f} s  {first_s / second_s:8.1f}x faster  (goal >= 10x)")
    print(f"  feed path overhead    : first run takes {first_s / base_s:.2f}x the model-only time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
