"""Faults: a SQLite database that is locked by another process, or read-only.

Both stores are checked: the service's feedback database (``POST /feedback``) and the
feed database of ``headline-lens feeds``. Each must give a clear error (one that says
what is wrong with the database) and lose nothing it had acknowledged.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.reliability_checks.result import CheckResult

LOCKED_WORDS = re.compile(r"lock|busy", re.IGNORECASE)
READ_ONLY_WORDS = re.compile(r"read-?only|permission|not writable|cannot write", re.IGNORECASE)
#: Longest a client waits for an answer while the database is locked.
CLIENT_TIMEOUT_S = 60.0
#: Longest a CLI run may take against a locked or read-only database.
CLI_TIMEOUT_S = 180.0


@contextmanager
def exclusive_lock(database: Path) -> Iterator[None]:
    """Hold an EXCLUSIVE transaction on ``database`` from another connection (another writer)."""
    holder = sqlite3.connect(database, isolation_level=None, timeout=5)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def read_only(database: Path) -> Iterator[None]:
    """Make ``database``, its WAL side files and its directory unwritable, then restore them.

    ``chmod`` does not stop root, so as root the files are also marked immutable (``chattr +i``).
    """
    paths = [p for p in (database, Path(f"{database}-wal"), Path(f"{database}-shm")) if p.exists()]
    paths.append(database.parent)
    modes = {path: path.stat().st_mode for path in paths}
    immutable = os.geteuid() == 0 and shutil.which("chattr") is not None
    try:
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        if immutable:
            subprocess.run(["chattr", "+i", *map(str, paths)], check=True, capture_output=True)
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
        for path, mode in modes.items():
            path.chmod(mode)


def integrity(database: Path) -> str:
    """SQLite's own verdict on the file ("ok" when sound)."""
    with sqlite3.connect(database) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


# --- the feedback database, through the HTTP service -------------------------------------------


def _post_feedback(client: httpx.Client, score: float) -> tuple[int | None, str, float, int | None]:
    """Status, message, seconds and the stored row id (``None`` unless acknowledged) of one post."""
    began = time.monotonic()
    try:
        response = client.post("/feedback", json={"text": "Rates fall again", "head": "bias", "score": score})
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}", time.monotonic() - began, None
    row_id = response.json().get("id") if response.status_code == 200 else None
    return response.status_code, response.text[:300], time.monotonic() - began, row_id


def _feedback_rows(database: Path) -> dict[int, float]:
    with sqlite3.connect(database) as conn:
        return dict(conn.execute("SELECT id, score FROM feedback"))


def feedback_locked_check(base_url: str, database: Path) -> CheckResult:
    """Lock the feedback database under a running service; post feedback; release; compare rows."""
    acknowledged: dict[int, float] = {}
    problems = []
    with httpx.Client(base_url=base_url, timeout=CLIENT_TIMEOUT_S) as client:
        for score in (0.1, 0.2, 0.3):
            *_, row_id = _post_feedback(client, score)
            if row_id is not None:
                acknowledged[row_id] = score
        with exclusive_lock(database):
            status, message, seconds, row_id = _post_feedback(client, 0.4)
            scoring_ok = client.post("/score", json={"headlines": ["Rates fall"]}).status_code == 200
        if row_id is not None:
            acknowledged[row_id] = 0.4  # it waited for the lock: fine, if it is stored
        elif status is None or not LOCKED_WORDS.search(message):
            problems.append(f"while locked: status {status}, unclear message {message!r}")
        after_status, after_body, _, row_id = _post_feedback(client, 0.5)
        if row_id is not None:
            acknowledged[row_id] = 0.5
        else:
            problems.append(f"after the lock was released: status {after_status} {after_body!r}")
    if not scoring_ok:
        problems.append("/score failed while the feedback database was locked")
    stored = _feedback_rows(database)
    lost = {i: s for i, s in acknowledged.items() if stored.get(i) != s}
    if lost:
        problems.append(f"acknowledged rows missing: {lost}")
    figures = {
        "locked_status": status,
        "locked_answer_s": round(seconds, 1),
        "acknowledged": len(acknowledged),
        "lost": len(lost),
        "integrity": integrity(database),
    }
    return CheckResult("fault-sqlite-feedback-locked", not problems, figures, "; ".join(problems))


def feedback_read_only_check(model: str, database: Path, workdir: Path) -> CheckResult:
    """Start the service on a read-only copy of a feedback database holding rows."""
    from service_server import start_service

    copy = workdir / "readonly" / "feedback.sqlite3"
    copy.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # a consistent copy, WAL contents included
    before = _feedback_rows(copy)
    problems = []
    figures: dict[str, Any] = {"rows_before": len(before)}
    with read_only(copy):
        try:
            server = start_service(model, workdir / "ro-server", {"HEADLINE_LENS_FEEDBACK_DB": str(copy)}, timeout=60)
        except RuntimeError as refused:
            message = str(refused)
            figures["outcome"] = "refused to start"
            if not READ_ONLY_WORDS.search(message):
                problems.append(f"refused to start without saying the database is read-only: {message[-600:]!r}")
        else:
            try:
                with httpx.Client(base_url=server.url, timeout=CLIENT_TIMEOUT_S) as client:
                    status, message, _, _ = _post_feedback(client, 0.6)
                    scoring = client.post("/score", json={"headlines": ["Rates fall"]}).status_code
            finally:
                server.stop()
            figures.update(outcome="started", feedback_status=status, score_status=scoring)
            if status == 200 or status is None or not READ_ONLY_WORDS.search(message):
                problems.append(f"POST /feedback on a read-only database: status {status}, message {message!r}")
            if scoring != 200:
                problems.append(f"/score answered {scoring} with a read-only feedback database")
    after = _feedback_rows(copy)
    figures.update(rows_after=len(after), integrity=integrity(copy))
    if {k: v for k, v in after.items() if k in before} != before:
        problems.append("rows changed or vanished")
    return CheckResult("fault-sqlite-feedback-read-only", not problems, figures, "; ".join(problems))


# --- the feed database, through ``headline-lens feeds`` ----------------------------------------


def _write_feed(path: Path, prefix: str, count: int) -> Path:
    from fixtures.feeds.feed_server import rss

    path.write_bytes(rss([f"{prefix} story {i}: council weighs plan {i}" for i in range(count)], prefix, prefix))
    return path


def _run_feeds(sources: list[Path], database: Path, model: str, home: Path) -> tuple[int | None, str, float]:
    command = [sys.executable, "-m", "model.cli", "feeds", *map(str, sources), "--db", str(database), "--model", model,
               "--no-progress"]
    began = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
                              env={**os.environ, "HEADLINE_LENS_HOME": str(home)})
    except subprocess.TimeoutExpired:
        return None, f"still running after {CLI_TIMEOUT_S:.0f} s", time.monotonic() - began
    return done.returncode, (done.stderr + done.stdout)[-1500:], time.monotonic() - began


def _item_counts(database: Path) -> tuple[int, int]:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*), count(DISTINCT feed_id || '|' || dedup_key) FROM items").fetchone()


def feeds_store_checks(model: str, workdir: Path) -> list[CheckResult]:
    """A feed run against a locked, then a read-only database; then a clean re-run stores everything."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "feeds.sqlite3"
    first, second, third = (_write_feed(workdir / f"{name}.xml", name, 6) for name in ("alpha", "beta", "gamma"))
    code, output, _ = _run_feeds([first], database, model, workdir)
    if code != 0:
        failure = f"the first, clean run failed ({code}): {output}"
        return [CheckResult(name, False, {}, failure) for name in ("fault-sqlite-feeds-locked", "fault-sqlite-feeds-read-only")]
    stored_first = _item_counts(database)[0]
    results = []
    for name, fault, words, source in (
        ("fault-sqlite-feeds-locked", exclusive_lock, LOCKED_WORDS, second),
        ("fault-sqlite-feeds-read-only", read_only, READ_ONLY_WORDS, third),
    ):
        with fault(database):
            code, output, seconds = _run_feeds([source], database, model, workdir)
        problems = []
        if code in (0, None) or not words.search(output):
            problems.append(f"exit {code}, unclear message: {output[-400:]!r}")
        total_before_rerun = _item_counts(database)[0]
        if total_before_rerun < stored_first:
            problems.append("stored items were lost")
        rerun_code, rerun_output, _ = _run_feeds([first, second, third], database, model, workdir)
        total, distinct = _item_counts(database)
        if rerun_code != 0:
            problems.append(f"the re-run failed ({rerun_code}): {rerun_output[-400:]!r}")
        if total != distinct:
            problems.append(f"{total - distinct} duplicate items")
        figures = {"exit_code": code, "seconds": round(seconds, 1), "items_after_rerun": total,
                   "duplicates": total - distinct, "integrity": integrity(database)}
        results.append(CheckResult(name, not problems, figures, "; ".join(problems)))
    expected = 18
    if results and _item_counts(database)[0] != expected:
        results[-1].passed = False
        results[-1].detail += f"; expected {expected} items in the end, found {_item_counts(database)[0]}"
    return results
