"""``headline-lens feeds`` in a subprocess: exit status, output files, and a kill -9 mid-run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.feeds.feed_server import FeedServer, rss

FEEDS_IN_KILL_RUN = 30
ITEMS_PER_FEED = 20


def cli(*args: str, env_home: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "model.cli", "feeds", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "HEADLINE_LENS_HOME": str(env_home)},
    )


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def test_cli_scores_and_writes_output(tmp_path, server, tiny_artifact):
    url = server.add_file("/rss2.xml", "rss2.xml")
    out = tmp_path / "results.jsonl"
    done = cli(url, server.url("/missing"), "--model", str(tiny_artifact), "--out", str(out), "--json",
               "--retries", "0", env_home=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["counts"]["ok"] == 1 and report["counts"]["failed"] == 1 and report["counts"]["new_items"] == 4
    assert report["summaries"][0]["feed_title"] == "Harbour Town Courier"
    assert "failed: " + server.url("/missing") + ": HTTP 404" in done.stderr
    assert len(out.read_text().splitlines()) == 4
    assert (tmp_path / "feeds.sqlite3").is_file()  # the default database lives in the user data dir


def test_cli_exits_non_zero_only_when_every_feed_failed(tmp_path, server, tiny_artifact):
    done = cli(server.url("/a"), server.url("/b"), "--model", str(tiny_artifact), "--retries", "0", env_home=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("HTTP 404") == 2


def test_cli_block_private_refuses_loopback(tmp_path, server, tiny_artifact):
    url = server.add_file("/rss2.xml", "rss2.xml")
    done = cli(url, "--model", str(tiny_artifact), "--block-private", env_home=tmp_path)
    assert done.returncode == 1 and "loopback" in done.stderr
    assert server.hits["/rss2.xml"] == 0
    allowed = cli(url, "--model", str(tiny_artifact), "--block-private", "--allow-host", "127.0.0.1", env_home=tmp_path)
    assert allowed.returncode == 0, allowed.stderr


def test_cli_rejects_unknown_output_format(tmp_path, tiny_artifact):
    done = cli("x.xml", "--model", str(tiny_artifact), "--out", str(tmp_path / "r.txt"), env_home=tmp_path)
    assert done.returncode == 2 and ".jsonl" in done.stderr


def stored_state(db: Path) -> dict[str, tuple[str | None, int, int]]:
    """url -> (last_status, items, scored items), read while a writer may still be running."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return {
            url: (status, items, scored)
            for url, status, items, scored in conn.execute(
                "SELECT f.url, f.last_status, count(i.id), count(DISTINCT s.item_id) FROM feeds f "
                "LEFT JOIN items i ON i.feed_id = f.id LEFT JOIN scores s ON s.item_id = i.id GROUP BY f.id"
            )
        }


def test_kill_9_mid_run_loses_nothing_and_rerun_completes(tmp_path, server, tiny_artifact):
    urls = []
    for index in range(FEEDS_IN_KILL_RUN):
        titles = [f"Story {index}-{item}: council weighs plan number {item}" for item in range(ITEMS_PER_FEED)]
        urls.append(server.add(f"/feed{index}.xml", body=rss(titles, f"Feed {index}", f"f{index}"), etag=f'"{index}"',
                               delay_s=0.15))
    db = tmp_path / "kill.sqlite3"
    command = [sys.executable, "-m", "model.cli", "feeds", *urls, "--db", str(db), "--model", str(tiny_artifact),
               "--concurrency", "2", "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "HEADLINE_LENS_HOME": str(tmp_path)})
    deadline = time.monotonic() + 60
    committed: dict = {}
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists():
            try:
                committed = stored_state(db)
            except sqlite3.OperationalError:
                committed = {}  # schema not created yet
            if sum(status == "ok" for status, _, _ in committed.values()) >= 5:
                break
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be killed: make the server slower"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    after_kill = stored_state(db)
    done_before = {url for url, (status, _, _) in after_kill.items() if status == "ok"}
    assert 5 <= len(done_before) < FEEDS_IN_KILL_RUN
    for url, (status, items, scored) in after_kill.items():
        # Each feed is all there (every item scored) or not there at all: never half-stored.
        assert (status, items, scored) in (("ok", ITEMS_PER_FEED, ITEMS_PER_FEED), (None, 0, 0)), url
    with sqlite3.connect(db) as conn:
        kept = set(conn.execute("SELECT id, dedup_key FROM items"))

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "HEADLINE_LENS_HOME": str(tmp_path)})
    assert rerun.returncode == 0, rerun.stderr
    final = stored_state(db)
    assert len(final) == FEEDS_IN_KILL_RUN
    assert all(state[1:] == (ITEMS_PER_FEED, ITEMS_PER_FEED) for state in final.values())
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert kept <= set(conn.execute("SELECT id, dedup_key FROM items"))  # nothing committed was lost
        total, distinct = conn.execute("SELECT count(*), count(DISTINCT feed_id || dedup_key) FROM items").fetchone()
    assert total == distinct == FEEDS_IN_KILL_RUN * ITEMS_PER_FEED  # no duplicates
    # Feeds committed before the kill answered 304 on the re-run: their validators were stored with them.
    assert all(server.conditional_hits[url.replace(server.base, "")] == 1 for url in done_before)
