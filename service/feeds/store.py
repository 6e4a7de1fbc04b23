"""The feed database: SQLite in WAL mode, one transaction per feed.

A feed's new items, their scores and its new ETag/Last-Modified are committed together,
so a run killed at any moment leaves each feed either fully stored or untouched (and the
next run, sending the old validators, downloads it again). Items are unique per feed by
a dedup key: the guid, else the link, else a hash of the normalised title.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from model.result import Score
from service.feeds.parse import FeedItem

#: 2: ``scores`` keeps the result JSON only (version 1 also had one column per head).
SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    last_status TEXT,          -- ok | recovered | not_modified | failed
    http_status INTEGER,
    last_error TEXT,
    fetched_at TEXT
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id),
    dedup_key TEXT NOT NULL,
    guid TEXT,
    link TEXT,
    title TEXT NOT NULL,
    normalized_title TEXT NOT NULL,
    published TEXT,
    summary TEXT,
    skip_reason TEXT,          -- why the item is stored but not scored, e.g. an empty title
    first_seen TEXT NOT NULL,
    UNIQUE (feed_id, dedup_key)
);
-- (before scores: a schema-1 migration re-runs this text from the scores table on)
CREATE TABLE IF NOT EXISTS snapshots (   -- the source's item list as last served by GET /feed
    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id),
    kind TEXT NOT NULL,        -- rss | atom: the source's format
    link TEXT,                 -- the source's site link
    subtitle TEXT,
    keys TEXT NOT NULL,        -- JSON list of the items' dedup keys, in the source's order
    changed_at TEXT NOT NULL   -- when any of the above last changed
);
CREATE TABLE IF NOT EXISTS scores (
    item_id INTEGER NOT NULL REFERENCES items(id),
    model_version TEXT NOT NULL,
    -- Score.to_dict() as JSON, the product's one result shape: a head's score is
    -- json_extract(result, '$.<head>'), so adding a head needs no new column.
    result TEXT NOT NULL,
    scored_at TEXT NOT NULL,
    PRIMARY KEY (item_id, model_version)
);
"""


def now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def dedup_key(item: FeedItem, normalized_title: str) -> str:
    """The item's identity within its feed: guid, else link, else the normalised title's hash."""
    if item.guid:
        return f"guid:{item.guid}"
    if item.link:
        return f"link:{item.link}"
    if normalized_title:
        return "title:" + hashlib.sha256(normalized_title.encode("utf-8")).hexdigest()[:32]
    # No guid, link or title: the summary and date are all that tell such items apart.
    content = f"{item.summary or ''}\x00{item.published or ''}"
    return "content:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


@dataclass
class NewItem:
    """An item about to be stored, with its score or the reason it has none."""

    item: FeedItem
    normalized_title: str
    key: str
    score: Score | None = None
    skip_reason: str | None = None


@dataclass
class Snapshot:
    """A feed as its source last listed it: format, site link, subtitle and item keys in order."""

    kind: str
    link: str | None
    subtitle: str | None
    keys: list[str]
    changed_at: str = ""

    def same_as(self, other: Snapshot | None) -> bool:
        """True when ``other`` lists the same feed the same way (``changed_at`` aside)."""
        return other is not None and (self.kind, self.link, self.subtitle, self.keys) == (
            other.kind, other.link, other.subtitle, other.keys)


@dataclass
class StoredFeed:
    """What the database knows about a feed before fetching it again."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None


class FeedStore:
    """The SQLite feed database; one instance per thread (sqlite3 connections are not shared)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every write below opens its own explicit transaction.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no commit when the process dies (kill -9); a power cut may
        # undo the last few, but each feed's validators roll back with its items, so the next
        # run downloads them again. FULL would add an fsync per feed.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._migrate()

    def _migrate(self) -> None:
        """Bring a database written by an older release to ``SCHEMA_VERSION``, keeping every row."""
        (stored,) = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if int(stored) > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"feed database schema {stored} is newer than this release's ({SCHEMA_VERSION}); upgrade headline-lens"
            )
        if int(stored) < 2:
            # Version 1 had a REAL column per head; the result JSON already holds every score.
            self._db.execute("ALTER TABLE scores RENAME TO scores_v1")
            self._db.execute(_SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS scores"):])
            self._db.execute(
                "INSERT INTO scores (item_id, model_version, result, scored_at) "
                "SELECT item_id, model_version, result, scored_at FROM scores_v1"
            )
            self._db.execute("DROP TABLE scores_v1")
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> FeedStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _transaction(self) -> Any:
        return _Transaction(self._db)

    def feed(self, url: str) -> StoredFeed | None:
        """The stored feed for ``url``, or ``None`` when it was never fetched."""
        row = self._db.execute("SELECT id, url, etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        return StoredFeed(**dict(row)) if row else None

    def known_keys(self, feed_id: int) -> set[str]:
        """Dedup keys of the items already stored for a feed."""
        return {row[0] for row in self._db.execute("SELECT dedup_key FROM items WHERE feed_id = ?", (feed_id,))}

    def _upsert_feed(self, url: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values)
        self._db.execute(
            f"INSERT INTO feeds (url, {columns}) VALUES (?, {', '.join('?' * len(values))}) "
            f"ON CONFLICT (url) DO UPDATE SET {updates}",
            (url, *values.values()),
        )
        return self._db.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()[0]

    def save_feed(
        self,
        url: str,
        *,
        title: str | None,
        status: str,
        http_status: int | None,
        error: str | None,
        etag: str | None,
        last_modified: str | None,
        items: Sequence[NewItem],
        snapshot: Snapshot | None = None,
    ) -> int:
        """Store a fetched feed, its new items and their scores in ONE transaction.

        Items whose key is already stored are ignored. ``snapshot`` (the source's item
        list, for ``GET /feed``) is saved in the same transaction. Returns the number of
        items added.
        """
        added = 0
        stamp = now()
        with self._transaction():
            feed_id = self._upsert_feed(
                url,
                {
                    "title": title,
                    "etag": etag,
                    "last_modified": last_modified,
                    "last_status": status,
                    "http_status": http_status,
                    "last_error": error,
                    "fetched_at": stamp,
                },
            )
            for new in items:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO items (feed_id, dedup_key, guid, link, title, normalized_title, "
                    "published, summary, skip_reason, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        feed_id, new.key, new.item.guid, new.item.link, new.item.title, new.normalized_title,
                        new.item.published, new.item.summary, new.skip_reason, stamp,
                    ),
                )
                if cursor.rowcount != 1:
                    continue
                added += 1
                if new.score is not None:
                    self._insert_score(cursor.lastrowid, new.score, stamp)
            if snapshot is not None:
                self._save_snapshot(feed_id, snapshot, stamp)
        return added

    def _save_snapshot(self, feed_id: int, snapshot: Snapshot, stamp: str) -> None:
        # changed_at moves only when the listing changed: it is the rescored feed's Last-Modified.
        previous = self._snapshot(feed_id)
        changed_at = previous.changed_at if snapshot.same_as(previous) else stamp
        self._db.execute(
            "INSERT OR REPLACE INTO snapshots (feed_id, kind, link, subtitle, keys, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
            (feed_id, snapshot.kind, snapshot.link, snapshot.subtitle, json.dumps(snapshot.keys), changed_at),
        )

    def _snapshot(self, feed_id: int) -> Snapshot | None:
        row = self._db.execute(
            "SELECT kind, link, subtitle, keys, changed_at FROM snapshots WHERE feed_id = ?", (feed_id,)
        ).fetchone()
        return Snapshot(row[0], row[1], row[2], json.loads(row[3]), row[4]) if row else None

    def snapshot(self, url: str) -> Snapshot | None:
        """The source's item list as ``GET /feed`` last saw it, or ``None``."""
        stored = self.feed(url)
        return self._snapshot(stored.id) if stored else None

    def feed_items(self, url: str, keys: Sequence[str] | None = None, model_version: str | None = None) -> list[dict]:
        """Items of one feed with their score: those of ``keys`` in that order, else all, oldest first.

        Each item: ``item_id``, ``key``, the :class:`FeedItem` fields, ``normalized_title``,
        ``skip_reason``, ``first_seen``, ``score`` (``Score.to_dict()`` from ``model_version``,
        default the newest, or ``None``) and ``scored_at``.
        """
        chosen = None if keys is None else json.dumps(list(keys))
        rows = self._db.execute(
            "SELECT i.id AS item_id, i.dedup_key AS key, i.title, i.link, i.guid, i.published, i.summary, "
            "i.normalized_title, i.skip_reason, i.first_seen, s.result AS score, s.scored_at "
            "FROM items i JOIN feeds f ON f.id = i.feed_id "
            "LEFT JOIN scores s ON s.rowid = (SELECT s2.rowid FROM scores s2 WHERE s2.item_id = i.id "
            "AND (?1 IS NULL OR s2.model_version = ?1) ORDER BY s2.scored_at DESC, s2.rowid DESC LIMIT 1) "
            "WHERE f.url = ?2 AND (?3 IS NULL OR i.dedup_key IN (SELECT value FROM json_each(?3))) ORDER BY i.id",
            (model_version, url, chosen),
        )
        items = [{**dict(row), "score": json.loads(row["score"]) if row["score"] else None} for row in rows]
        if keys is not None:
            position = {key: index for index, key in enumerate(keys)}
            items.sort(key=lambda item: position[item["key"]])
        return items

    def record_status(
        self, url: str, *, status: str, http_status: int | None, error: str | None, etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Record a fetch that stored no items (304, failure); the feed's items stay as they are.

        Validators are only replaced when given: a 304 may carry a refreshed ETag.
        """
        values: dict[str, Any] = {"last_status": status, "http_status": http_status, "last_error": error,
                                  "fetched_at": now()}
        if etag:
            values["etag"] = etag
        if last_modified:
            values["last_modified"] = last_modified
        with self._transaction():
            self._upsert_feed(url, values)

    def _insert_score(self, item_id: int, score: Score, stamp: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO scores (item_id, model_version, result, scored_at) VALUES (?, ?, ?, ?)",
            (item_id, score.model_version, json.dumps(score.to_dict()), stamp),
        )

    def unscored(self, model_version: str, feed_urls: Iterable[str] | None = None) -> list[tuple[int, str]]:
        """``(item_id, normalized_title)`` of scorable items without a score from ``model_version``."""
        query = (
            "SELECT i.id, i.normalized_title FROM items i JOIN feeds f ON f.id = i.feed_id "
            "WHERE i.skip_reason IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM scores s WHERE s.item_id = i.id AND s.model_version = ?)"
        )
        params: list[Any] = [model_version]
        if feed_urls is not None:
            query += " AND f.url IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(feed_urls)))
        return [(row[0], row[1]) for row in self._db.execute(query + " ORDER BY i.id", params)]

    def save_scores(self, scored: Sequence[tuple[int, Score]]) -> None:
        """Store re-computed scores (``--rescore``), in one transaction."""
        stamp = now()
        with self._transaction():
            for item_id, score in scored:
                self._insert_score(item_id, score, stamp)

    def rows(self, feed_urls: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Every stored item of the given feeds (default: all), with its newest score.

        Each row: ``feed_url``, ``feed_title``, the :class:`FeedItem` fields, ``score``
        (``Score.to_dict()`` or ``None``) and ``skip_reason``: an item record.
        """
        query = (
            "SELECT f.url AS feed_url, f.title AS feed_title, i.title, i.link, i.guid, i.published, i.summary, "
            "i.skip_reason, (SELECT s.result FROM scores s WHERE s.item_id = i.id "
            "ORDER BY s.scored_at DESC, s.rowid DESC LIMIT 1) AS result "
            "FROM items i JOIN feeds f ON f.id = i.feed_id"
        )
        params: list[Any] = []
        if feed_urls is not None:
            query += " WHERE f.url IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(feed_urls)))
        out = []
        for row in self._db.execute(query + " ORDER BY f.url, i.id", params):
            record = dict(row)
            result, skip_reason = record.pop("result"), record.pop("skip_reason")
            # Same keys in the same order as ``service.feeds.output.item_record``: rows are
            # the run's output records as they are, with no second pass over thousands of items.
            record["score"] = json.loads(result) if result else None
            record["skip_reason"] = skip_reason
            out.append(record)
        return out

    def feeds(self, feed_urls: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The stored feed records (url, title, status, error, validators, fetched_at)."""
        query = "SELECT url, title, etag, last_modified, last_status, http_status, last_error, fetched_at FROM feeds"
        params: list[Any] = []
        if feed_urls is not None:
            query += " WHERE url IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(feed_urls)))
        return [dict(row) for row in self._db.execute(query + " ORDER BY url", params)]


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
