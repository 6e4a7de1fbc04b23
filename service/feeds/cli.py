"""``headline-lens feeds``: score RSS/Atom feeds, feed files and OPML lists into a database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

#: Options of ``feeds export`` only.
EXPORT_OPTIONS = ("format", "min_clickbait", "max_clickbait", "max_bias", "badge")


def _default_db() -> Path:
    from service.settings import load_config

    return load_config().feed_db_path


def _scorer(args: argparse.Namespace):
    if args.server:
        from service.feeds.scorers import RemoteScorer

        return RemoteScorer(args.server)
    from model.scorer import Scorer

    return Scorer.load(args.model)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    # disable=None: tqdm turns itself off when stderr is not a terminal (logs, CI).
    bar = tqdm(total=total, unit="feed", disable=None if enabled else True, file=sys.stderr)
    return bar, lambda report: bar.update(1)


def _export(args: argparse.Namespace) -> int:
    """``feeds export``: the stored items as an RSS/Atom feed, the same document ``GET /feed`` serves."""
    from service.feeds.api import FeedRequestError
    from service.feeds.rescored import parse_options, stored_document
    from service.feeds.store import FeedStore

    values = {name: getattr(args, name) for name in EXPORT_OPTIONS}
    try:
        options = parse_options({name: None if value is None else str(value) for name, value in values.items()})
    except FeedRequestError as exc:
        print(f"headline-lens feeds export: {str(exc).replace('_', '-')}", file=sys.stderr)
        return 2
    urls = args.sources[1:]
    with FeedStore(args.db) as store:
        rendered = stored_document(store, urls, options)
    if rendered is None:
        which = ", ".join(urls) if urls else "any feed"
        print(f"headline-lens feeds export: nothing stored for {which} in {args.db}", file=sys.stderr)
        return 1
    if args.out:
        Path(args.out).write_bytes(rendered.body)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(rendered.body)
        sys.stdout.flush()
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.sources[:1] == ["export"]:
        return _export(args)
    used = [name for name in EXPORT_OPTIONS if getattr(args, name) not in (None, False)]
    if used:
        print(f"headline-lens feeds: --{used[0].replace('_', '-')} belongs to `feeds export`", file=sys.stderr)
        return 2
    return _score(args)


def _score(args: argparse.Namespace) -> int:
    from model.artifact import ArtifactError
    from service.feeds.fetch import FetchLimits
    from service.feeds.output import FORMATS, format_summary
    from service.feeds.run import FAILED, expand_sources, score_feeds
    from service.feeds.ssrf import AddressGuard
    from service.settings import ConfigError, load_config

    if args.out and Path(args.out).suffix.lower() not in FORMATS:
        print(f"headline-lens feeds: --out must end in {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    try:
        config = load_config()
        # Printing the stored summary needs no model.
        scorer = _scorer(args) if args.sources or args.rescore else None
    except (ArtifactError, ConfigError) as exc:
        print(f"headline-lens feeds: {exc}", file=sys.stderr)
        return 2
    limits = FetchLimits(
        timeout_s=args.timeout or config.feed_timeout_s,
        max_bytes=args.max_bytes or config.feed_max_bytes,
        retries=args.retries,
    )
    guard = AddressGuard(tuple(args.allow_host or config.feed_allow_hosts)) if args.block_private else None
    sources, failures = expand_sources(args.sources)
    bar, progress = _progress(len(sources) + len(failures), not args.no_progress)
    with bar:
        result = score_feeds(
            args.sources, db=args.db, scorer=scorer, limits=limits, guard=guard, concurrency=args.concurrency,
            rescore=args.rescore, out=args.out, progress=progress,
        )
    for report in result.feeds:
        if report.error:
            kind = "failed" if report.status == FAILED else "warning"
            print(f"{kind}: {report.url}: {report.error}", file=sys.stderr)
    if args.json:
        print(json.dumps({"counts": result.counts(), "summaries": result.summaries}, ensure_ascii=False))
    else:
        print(format_summary(result.summaries))
        print(" ".join(f"{name}={value}" for name, value in result.counts().items()))
    if args.out:
        print(f"wrote {len(result.records)} items to {args.out}", file=sys.stderr)
    return 1 if result.all_failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``feeds`` command."""
    parser = subparsers.add_parser(
        "feeds",
        help="fetch, score and store RSS/Atom feeds",
        description=(
            "Fetch feeds (URLs, local feed files and OPML lists, mixed freely), score new items and store "
            "them in SQLite. Re-runs send the stored ETag/Last-Modified and score only new items. "
            "With no sources, prints the summary of everything stored (and re-scores it with --rescore). "
            "`feeds export [FEED_URL ...] --format rss|atom` writes the stored items, with their scores, "
            "as a feed (to --out or stdout): for one URL the same document the service's GET /feed serves."
        ),
    )
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="feed URL, feed file or OPML file")
    parser.add_argument(
        "--db", type=Path, default=None,
        help="SQLite database (default: HEADLINE_LENS_FEED_DB, else <user data dir>/feeds.sqlite3)",
    )
    parser.add_argument("--out", help="also write the items to a .jsonl, .csv or .parquet file (export: the feed file)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--model", help="artifact directory or store tag (default: newest stored model)")
    which.add_argument("--server", metavar="URL", help="score through a running service's POST /score")
    parser.add_argument("--rescore", action="store_true", help="score stored items that lack a score from this model")
    parser.add_argument("--concurrency", type=int, default=8, help="downloads at once (default 8)")
    parser.add_argument("--timeout", type=float, help="seconds per download attempt (default: feed_timeout_s setting)")
    parser.add_argument("--max-bytes", type=int, help="largest feed read (default: feed_max_bytes setting)")
    parser.add_argument("--retries", type=int, default=2, help="retries after timeouts and 5xx answers (default 2)")
    parser.add_argument(
        "--block-private", action="store_true",
        help="refuse loopback, private, link-local and metadata addresses (always on in the HTTP service)",
    )
    parser.add_argument(
        "--allow-host", action="append", metavar="HOST_OR_CIDR",
        help="with --block-private: reachable anyway (default: feed_allow_hosts setting)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print counts and summaries as JSON")
    export = parser.add_argument_group("feeds export")
    export.add_argument("--format", choices=("rss", "atom"), help="export format (default: the source's own)")
    export.add_argument("--min-clickbait", type=float, help="export: drop items whose clickbait score is below this")
    export.add_argument("--max-clickbait", type=float, help="export: drop items whose clickbait score is above this")
    export.add_argument("--max-bias", type=float, help="export: drop items whose bias score is above this")
    export.add_argument("--badge", action="store_true", help="export: prefix flagged titles with [head score]")
    stories = parser.add_argument_group("feeds stories", "`headline-lens feeds stories [FEED_URL ...]`: group the stored "
                                        "items of a time window into stories and show the framing spread across feeds")
    stories.add_argument("--days", type=float, default=2.0, help="window: the last N days (default 2)")
    stories.add_argument("--since", help="window start, ISO 8601 (overrides --days)")
    stories.add_argument("--until", help="window end, ISO 8601 (default: now)")
    parser.set_defaults(func=lambda args: _dispatch(_with_default_db(args)))


def _dispatch(args: argparse.Namespace) -> int:
    # `feeds stories` is an action, not a feed: a feed file named "stories" is passed as ./stories.
    if args.sources[:1] == ["stories"]:
        from service.feeds.stories_cli import run_stories

        return run_stories(args)
    return _run(args)


def _with_default_db(args: argparse.Namespace) -> argparse.Namespace:
    args.db = args.db or _default_db()
    return args
