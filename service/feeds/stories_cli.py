"""The ``stories`` action of ``headline-lens feeds``: stories across the stored feeds of a time window."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone


def _window(args: argparse.Namespace) -> tuple[datetime, datetime]:
    from service.schemas import parse_published

    until = parse_published(args.until) if args.until else datetime.now(timezone.utc)
    since = parse_published(args.since) if args.since else until - timedelta(days=args.days)
    return since, until


def _line(story: dict) -> str:
    feeds = ", ".join(f"{f['feed']} {f['mean_clickbait']:.2f}" for f in story["feeds"])
    top = next(a["headline"]["text"] for a in story["comparison"] if a["id"] == story["ranked_by_clickbait"][0])
    return (f"story {story['story']}: {len(story['articles'])} items, spread {story['clickbait_spread']:.2f}; "
            f"most sensational: {story['most_sensational_feed']} ({top[:90]})\n    clickbait by feed: {feeds}")


def run_stories(args: argparse.Namespace) -> int:
    """Print the stories of the stored items in the window (``--json``: one JSON line per story)."""
    from model.artifact import ArtifactError
    from model.embedder import Embedder
    from model.scorer import Scorer
    from model.stories import STORY_WINDOW_DAYS, StoryLens
    from service.feeds.store import FeedStore
    from service.feeds.stories import feed_stories
    from service.schemas import LimitError
    from service.settings import load_config

    if not args.db.is_file():
        print(f"headline-lens feeds stories: no feed database at {args.db}; run `headline-lens feeds URL ...` first",
              file=sys.stderr)
        return 1
    try:
        since, until = _window(args)
        scorer = Scorer.load(args.model)
        lens = StoryLens(scorer, Embedder(scorer.directory, threads=scorer.threads, manifest=scorer.manifest))
    except (ArtifactError, LimitError, ValueError) as exc:
        print(f"headline-lens feeds stories: {exc}", file=sys.stderr)
        return 2
    with FeedStore(args.db) as store:
        rows = store.rows(args.sources[1:] or None)
    found, counts = feed_stories(rows, lens, since, until, STORY_WINDOW_DAYS, load_config().max_body_chars)
    for story in found:
        print(json.dumps(story, ensure_ascii=False) if args.json else _line(story))
    print(" ".join(f"{k}={v}" for k, v in counts.items()) + f" window={since.isoformat()}..{until.isoformat()}",
          file=sys.stderr)
    return 0
