"""``score_feeds``: the library function behind ``headline-lens feeds``.

Sources (URLs, feed files, OPML files) are fetched concurrently and parsed as they
arrive; new items are scored in batches across feeds while other downloads go on, and
each feed is committed in its own transaction with its items and scores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.feeds.fetch import Fetcher, FetchLimits, is_web_url
from service.feeds.opml import OPMLError, looks_like_opml, read_opml
from service.feeds.output import summarize, write_results
from service.feeds.parse import FeedItem, ParsedFeed, parse_feed
from service.feeds.scorers import ItemScorer, prepare
from service.feeds.ssrf import AddressGuard
from service.feeds.store import FeedStore, NewItem, dedup_key

#: Feed outcomes, as stored in ``feeds.last_status``.
OK, RECOVERED, NOT_MODIFIED, FAILED = "ok", "recovered", "not_modified", "failed"
#: Most titles gathered for one scoring call (fewer when nothing else is ready).
SCORE_BATCH = 512


@dataclass(frozen=True)
class Source:
    """One feed to read: a URL, or a local file (``path``) stored under its ``file:`` URI."""

    location: str
    path: Path | None = None


@dataclass
class FeedReport:
    """What happened to one feed in a run."""

    url: str
    status: str
    title: str | None = None
    http_status: int | None = None
    error: str | None = None
    items_seen: int = 0
    new_items: int = 0
    skipped_items: int = 0


@dataclass
class RunResult:
    """The outcome of a run: one report per feed, and the stored items of those feeds."""

    feeds: list[FeedReport]
    records: list[dict[str, Any]] = field(default_factory=list)
    new_items: int = 0
    rescored: int = 0

    @property
    def all_failed(self) -> bool:
        """True when there were feeds and none of them succeeded (the CLI then exits non-zero)."""
        return bool(self.feeds) and all(report.status == FAILED for report in self.feeds)

    @property
    def summaries(self) -> list[dict[str, Any]]:
        """The per-feed summary (see :func:`service.feeds.output.summarize`)."""
        return summarize(self.records)

    def counts(self) -> dict[str, int]:
        """Feeds per status, plus ``new_items`` and ``rescored``."""
        out = {status: 0 for status in (OK, RECOVERED, NOT_MODIFIED, FAILED)}
        for report in self.feeds:
            out[report.status] += 1
        return out | {"new_items": self.new_items, "rescored": self.rescored}


def expand_sources(inputs: Iterable[str | Path]) -> tuple[list[Source], list[FeedReport]]:
    """Turn URLs, feed files and OPML files into feed sources; unusable inputs become failed reports."""
    sources: dict[str, Source] = {}
    failures: list[FeedReport] = []

    def add_url(url: str, origin: str) -> None:
        if is_web_url(url):
            sources.setdefault(url, Source(url))
        else:
            failures.append(FeedReport(url=url, status=FAILED, error=f"not an http(s) URL (from {origin})"))

    for given in inputs:
        text = str(given)
        if is_web_url(text):
            add_url(text, "the command line")
            continue
        path = Path(text).expanduser()
        if not path.is_file():
            failures.append(FeedReport(url=text, status=FAILED, error="no such file, and not an http(s) URL"))
        elif looks_like_opml(path):
            try:
                for url in read_opml(path):
                    add_url(url, path.name)
            except OPMLError as exc:
                failures.append(FeedReport(url=path.resolve().as_uri(), status=FAILED, error=str(exc)))
        else:
            location = path.resolve().as_uri()
            sources.setdefault(location, Source(location, path))
    return list(sources.values()), failures


@dataclass
class _Loaded:
    """A source after download and parsing, before scoring."""

    source: Source
    report: FeedReport
    parsed: ParsedFeed | None = None
    etag: str | None = None
    last_modified: str | None = None
    new: list[NewItem] = field(default_factory=list)


async def _load(source: Source, store: FeedStore, fetcher: Fetcher) -> _Loaded:
    """Download (or read) and parse one source; every failure ends up in the report."""
    loaded = _Loaded(source, FeedReport(url=source.location, status=FAILED))
    try:
        return await _load_into(loaded, store, fetcher)
    except Exception as exc:  # a bug met by one feed must not end the run for all the others
        loaded.report.status, loaded.report.error = FAILED, f"unexpected error: {type(exc).__name__}: {exc}"
        loaded.parsed = None
        return loaded


async def _load_into(loaded: _Loaded, store: FeedStore, fetcher: Fetcher) -> _Loaded:
    source, report = loaded.source, loaded.report
    if source.path is not None:
        try:
            body = await asyncio.to_thread(source.path.read_bytes)
        except OSError as exc:
            report.error = f"cannot read file: {exc}"
            return loaded
        headers, location = None, source.location
    else:
        stored = store.feed(source.location)
        fetched = await fetcher.fetch(
            source.location, stored.etag if stored else None, stored.last_modified if stored else None
        )
        report.http_status = fetched.status
        loaded.etag, loaded.last_modified = fetched.etag, fetched.last_modified
        if fetched.not_modified:
            report.status = NOT_MODIFIED
            return loaded
        if fetched.error or fetched.body is None:
            report.error = fetched.error or "empty response"
            return loaded
        body, headers, location = fetched.body, fetched.headers, fetched.final_url
    loaded.parsed = await asyncio.to_thread(parse_feed, body, headers, location)
    report.title = loaded.parsed.title
    if loaded.parsed.error:
        report.error = loaded.parsed.error
    else:
        report.status = RECOVERED if loaded.parsed.warning else OK
        report.error = loaded.parsed.warning
    return loaded


def new_items(items: Sequence[FeedItem], known: set[str]) -> list[NewItem]:
    """Items whose dedup key is neither stored nor repeated earlier in the same feed."""
    new = []
    for item in items:
        normalized, skip_reason = prepare(item)
        key = dedup_key(item, normalized)
        if key in known:
            continue
        known.add(key)
        new.append(NewItem(item=item, normalized_title=normalized, key=key, skip_reason=skip_reason))
    return new


class _Run:
    """The state of one run: the store, the scorer and the feeds waiting for scores."""

    def __init__(self, store: FeedStore, scorer: ItemScorer, progress: Callable[[FeedReport], None] | None):
        self.store = store
        self.scorer = scorer
        self.progress = progress or (lambda report: None)
        self.reports: list[FeedReport] = []
        self.waiting: list[_Loaded] = []
        self.new_items = 0

    def finish(self, report: FeedReport) -> None:
        self.reports.append(report)
        self.progress(report)

    def record(self, loaded: _Loaded) -> None:
        """Record a feed that stores no items now (failed or 304), or queue it for scoring."""
        report = loaded.report
        if report.status in (FAILED, NOT_MODIFIED):
            self.store.record_status(
                report.url, status=report.status, http_status=report.http_status, error=report.error,
                etag=loaded.etag if report.status == NOT_MODIFIED else None,
                last_modified=loaded.last_modified if report.status == NOT_MODIFIED else None,
            )
            self.finish(report)
            return
        stored = self.store.feed(report.url)
        loaded.new = new_items(loaded.parsed.items, self.store.known_keys(stored.id) if stored else set())
        report.items_seen = len(loaded.parsed.items)
        self.waiting.append(loaded)

    def waiting_titles(self) -> int:
        return sum(1 for loaded in self.waiting for new in loaded.new if new.skip_reason is None)

    async def flush(self) -> None:
        """Score every waiting feed's new titles in one call, then commit each feed on its own."""
        batch, self.waiting = self.waiting, []
        scorable = [new for loaded in batch for new in loaded.new if new.skip_reason is None]
        # A wire story syndicated by several feeds is scored once.
        texts = list(dict.fromkeys(new.normalized_title for new in scorable))
        try:
            scores = await asyncio.to_thread(self.scorer.score_normalized, texts) if texts else []
        except Exception as exc:  # the model or the scoring service failed: these feeds are retried next run
            for loaded in batch:
                loaded.report.status, loaded.report.error = FAILED, f"scoring failed: {exc}"
                self.record(loaded)
            return
        by_text = dict(zip(texts, scores))
        for new in scorable:
            new.score = by_text[new.normalized_title]
        for loaded in batch:
            report = loaded.report
            report.new_items = self.store.save_feed(
                report.url, title=report.title, status=report.status, http_status=report.http_status,
                error=report.error, etag=loaded.etag, last_modified=loaded.last_modified, items=loaded.new,
            )
            report.skipped_items = sum(1 for new in loaded.new if new.skip_reason)
            self.new_items += report.new_items
            self.finish(report)


def _rescore(store: FeedStore, scorer: ItemScorer, feed_urls: list[str] | None, batch: int) -> int:
    """Score stored items that have no score from the current model; return how many."""
    version = getattr(scorer, "version", None)
    if not version:
        raise ValueError("--rescore needs a scorer that reports its model version")
    pending = store.unscored(version, feed_urls)
    for start in range(0, len(pending), batch):
        chunk = pending[start : start + batch]
        scores = scorer.score_normalized([text for _, text in chunk])
        store.save_scores([(item_id, score) for (item_id, _), score in zip(chunk, scores)])
    return len(pending)


async def score_feeds_async(
    sources: Iterable[str | Path],
    *,
    db: str | Path,
    scorer: ItemScorer | None = None,
    limits: FetchLimits | None = None,
    guard: AddressGuard | None = None,
    concurrency: int = 8,
    rescore: bool = False,
    out: str | Path | None = None,
    progress: Callable[[FeedReport], None] | None = None,
    score_batch: int = SCORE_BATCH,
) -> RunResult:
    """Async form of :func:`score_feeds`, for callers already inside an event loop."""
    feeds, failures = expand_sources(sources)
    if scorer is None and (feeds or rescore):
        from model.scorer import Scorer

        scorer = Scorer.load()
    with FeedStore(db) as store:
        run = _Run(store, scorer, progress)
        for report in failures:
            run.finish(report)
        async with Fetcher(limits, guard, concurrency) as fetcher:
            tasks = {asyncio.create_task(_load(source, store, fetcher)) for source in feeds}
            try:
                while tasks:
                    done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        run.record(task.result())
                    # Score when a batch is full, or when no other feed is ready (rather than idle):
                    # batches grow while downloads pour in and commits keep pace on slow networks.
                    if run.waiting_titles() >= score_batch or not any(task.done() for task in tasks):
                        await run.flush()
                await run.flush()
            finally:
                for task in tasks:
                    task.cancel()
        scope = [source.location for source in feeds] if feeds or failures else None
        # Downloads are over: scoring in this thread blocks nothing (the store is not thread-safe).
        rescored = _rescore(store, scorer, scope, score_batch) if rescore else 0
        records = store.rows(scope)
    result = RunResult(feeds=run.reports, records=records, new_items=run.new_items, rescored=rescored)
    if out is not None:
        write_results(result.records, out)
    return result


def score_feeds(sources: Iterable[str | Path], **options: Any) -> RunResult:
    """Fetch, parse, score and store feeds; return a report per feed and their stored items.

    ``sources`` mixes feed URLs, local feed files and OPML files. Options: ``db`` (SQLite
    path, required), ``scorer`` (a ``model.Scorer``, a :class:`~service.feeds.scorers.RemoteScorer`;
    default: the newest stored model), ``limits`` (:class:`FetchLimits`), ``guard``
    (an :class:`AddressGuard` refusing private addresses; default off, so your own
    network is reachable), ``concurrency``, ``rescore`` (score stored items that lack a
    score from the current model), ``out`` (write ``.jsonl``/``.csv``/``.parquet``) and
    ``progress`` (called with each finished :class:`FeedReport`).
    """
    return asyncio.run(score_feeds_async(sources, **options))
