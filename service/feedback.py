"""User feedback on scores, kept in an embedded SQLite database.

WAL journaling and one short transaction per row: a crash or restart loses nothing
that was acknowledged. Exported rows are what ``training/sources/feedback.py`` reads:
``{text, head, score, comment, created_at, model_version}``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    head TEXT NOT NULL,
    score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    comment TEXT,
    model_version TEXT,
    created_at TEXT NOT NULL
)
"""
_COLUMNS = ("text", "head", "score", "comment", "created_at", "model_version")
#: Seconds a write waits for another writer's lock before giving up: a user waits for the
#: answer, so a stuck database gets a quick, clear error rather than a long hang.
BUSY_TIMEOUT_S = 2.0


class FeedbackStoreError(Exception):
    """The database cannot take the row now (locked by another writer, read-only, ...)."""


class FeedbackStore:
    """Append and read feedback rows. Safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._db:
            self._db.execute(_SCHEMA)

    def add(self, text: str, head: str, score: float, comment: str | None = None, model_version: str | None = None) -> int:
        """Store one row (already validated) and return its id.

        Raises ``FeedbackStoreError`` saying what is wrong when the database cannot be
        written (the transaction is rolled back: nothing half-written stays behind).
        """
        created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            with self._lock, self._db:
                cursor = self._db.execute(
                    "INSERT INTO feedback (text, head, score, comment, model_version, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (text, head, score, comment, model_version, created_at),
                )
        except sqlite3.OperationalError as exc:
            raise FeedbackStoreError(f"feedback database {_problem(exc)}: {exc}") from exc
        return int(cursor.lastrowid)

    def rows(self) -> Iterator[dict[str, Any]]:
        """All rows, oldest first, in the export shape."""
        with self._lock:
            fetched = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM feedback ORDER BY id").fetchall()
        for values in fetched:
            yield dict(zip(_COLUMNS, values))

    def export_jsonl(self, out: IO[str]) -> int:
        """Write every row as one JSON object per line; return the row count."""
        count = 0
        for row in self.rows():
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


def _problem(exc: sqlite3.OperationalError) -> str:
    """A short name for what is wrong with the database, from SQLite's error."""
    message = str(exc).lower()
    if "locked" in message or "busy" in message:
        return "is locked by another writer"
    if "readonly" in message or "read-only" in message:
        return "is read-only"
    return "cannot be written"
