"""``GET /feed`` polls, timed side by side: a first poll against repeat polls of an unchanged feed.

Each repeat takes a feed the database has never seen (generated feeds served on loopback by a
separate process, with ETags) and times, through the endpoint's own code path with the real
model (``service.feeds.rescored.rescored_feed``):

- the first poll: fetch, parse, score every item, store, write the feed;
- a repeat poll: the source answers 304 to the stored ETag, nothing is scored, the feed is
  written from the database (the same work whether the reader then gets 200 or 304);
- the model alone on the same titles, the baseline of the first poll.

Medians over ``--repeats``; every repeat and the machine record go to ``--out`` as JSON::

    python benchmarks/bench_feed_endpoint.py [--model PATH_OR_TAG] [--items 50] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_feeds import generated_feeds, start_server  # noqa: E402
from benchmarks.machine import machine_record  # noqa: E402
from benchmarks.readme_figures import feed_endpoint_table  # noqa: E402

OUT = ROOT / "reports" / "feed_endpoint.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artifact directory or store tag (default: newest stored model)")
    parser.add_argument("--items", type=int, default=50, help="items per feed (default 50)")
    parser.add_argument("--polls", type=int, default=5, help="repeat polls timed per repeat (default 5)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    from model.scorer import Scorer
    from model.text import normalize
    from service.feeds.rescored import rescored_feed
    from service.settings import ServiceConfig

    scorer = Scorer.load(args.model)

    async def score_texts(texts: list[str]) -> list:
        return await asyncio.to_thread(scorer.score_normalized, texts)

    feed_titles = generated_feeds(args.repeats, args.items)
    server, base = start_server(args.repeats, args.items)
    runs = []
    try:
        for index in range(args.repeats):
            with tempfile.TemporaryDirectory() as tmp:
                config = ServiceConfig(feed_allow_hosts=("127.0.0.1",), feed_db=str(Path(tmp) / "feeds.sqlite3"))
                params = {"url": f"{base}/feed{index}.xml"}
                texts = [normalize(title) for title in feed_titles[index]]
                started = time.perf_counter()
                scorer.score_normalized(texts)
                model_s = time.perf_counter() - started
                started = time.perf_counter()
                first = asyncio.run(rescored_feed(params, score_texts, scorer.version, config))
                first_s = time.perf_counter() - started
                repeat_s = []
                for _ in range(args.polls):
                    started = time.perf_counter()
                    again = asyncio.run(rescored_feed(params, score_texts, scorer.version, config))
                    repeat_s.append(time.perf_counter() - started)
                    assert again.etag == first.etag, "an unchanged source changed the rescored feed"
                runs.append({"model_only_s": model_s, "first_poll_s": first_s, "repeat_poll_s": repeat_s,
                             "feed_bytes": len(first.body)})
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    model_s = statistics.median(run["model_only_s"] for run in runs)
    first_s = statistics.median(run["first_poll_s"] for run in runs)
    repeat_s = statistics.median(value for run in runs for value in run["repeat_poll_s"])
    medians = {"model_only_s": model_s, "first_poll_s": first_s, "repeat_poll_s": repeat_s,
               "first_over_repeat": first_s / repeat_s, "first_over_model": first_s / model_s}
    record = {"machine": machine_record(), "model": scorer.manifest.version, "items_per_feed": args.items,
              "repeats": args.repeats, "polls_per_repeat": args.polls, "runs": runs, "medians": medians}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(feed_endpoint_table(record))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
