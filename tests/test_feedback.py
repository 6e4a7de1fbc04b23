"""The SQLite feedback store and its export, read back by the training source."""

from __future__ import annotations

import json
import sqlite3

import pytest

from service.feedback import FeedbackStore, FeedbackStoreError


def test_rows_round_trip_in_order(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    first = store.add("Parliament passes budget", "bias", 0.0, "neutral", model_version="v1")
    second = store.add("You Won't Believe This", "clickbait", 1.0)
    assert second > first
    rows = list(store.rows())
    assert [r["text"] for r in rows] == ["Parliament passes budget", "You Won't Believe This"]
    assert rows[0]["comment"] == "neutral" and rows[1]["comment"] is None
    assert rows[0]["model_version"] == "v1"
    assert rows[0]["created_at"].endswith("+00:00")


def test_wal_journal_and_rows_survive_reopening(tmp_path):
    path = tmp_path / "nested" / "fb.sqlite3"
    store = FeedbackStore(path)
    store.add("a headline", "bias", 0.25)
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r["score"] for r in FeedbackStore(path).rows()] == [0.25]


def test_database_refuses_out_of_range_scores(tmp_path):
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    try:
        store.add("a headline", "bias", 1.5)
    except sqlite3.IntegrityError:
        pass
    else:
        raise AssertionError("a score above 1 was stored")
    assert list(store.rows()) == []


def test_export_is_readable_by_the_training_source(tmp_path):
    from training.sources import feedback as source

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add("Parliament passes budget", "bias", 0.0, "neutral wording", model_version="v1")
    store.add("What Happens Next Will Shock You!", "clickbait", 1.0)
    out = tmp_path / "feedback.jsonl"
    with open(out, "w", encoding="utf-8") as handle:
        assert store.export_jsonl(handle) == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert set(lines[0]) == {"text", "head", "score", "comment", "created_at", "model_version"}
    rows = list(source.load(out))
    assert [(r.text, r.bias, r.clickbait) for r in rows] == [
        ("Parliament passes budget", 0.0, None),
        ("What Happens Next Will Shock You!", None, 1.0),
    ]


def test_a_locked_database_gives_a_clear_error_and_loses_nothing(tmp_path):
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path)
    kept = store.add("Rates fall again", "bias", 0.1)
    other_writer = sqlite3.connect(path, isolation_level=None)
    other_writer.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(FeedbackStoreError, match="feedback database is locked"):
            store.add("Rates fall again", "bias", 0.2)
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    after = store.add("Rates fall again", "bias", 0.3)
    assert after > kept
    assert [r["score"] for r in store.rows()] == [0.1, 0.3]
