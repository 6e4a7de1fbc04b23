"""``headline-lens score`` and ``headline-lens feedback export`` (in-process, tiny model)."""

from __future__ import annotations

import io
import json

from model.cli import main
from service.feedback import FeedbackStore

HEADLINES = ["What Happens Next Will Shock You!", "Parliament passes budget after overnight session"]


def _jsonl(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_jsonl_has_the_score_shape_in_order(tiny_artifact, tiny_scorer, capsys):
    assert main(["score", "--model", str(tiny_artifact), "--format", "jsonl", *HEADLINES]) == 0
    assert _jsonl(capsys) == [score.to_dict() for score in tiny_scorer.score(HEADLINES)]


def test_stdin_lines_with_dash_skip_blank_lines(tiny_artifact, tiny_scorer, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{HEADLINES[0]}\n\n{HEADLINES[1]}\r\n"))
    assert main(["score", "--model", str(tiny_artifact), "--format", "jsonl", "-"]) == 0
    assert [r["text"] for r in _jsonl(capsys)] == HEADLINES


def test_explain_adds_spans_that_index_the_text(tiny_artifact, capsys):
    assert main(["score", "--model", str(tiny_artifact), "--format", "jsonl", "--explain", *HEADLINES]) == 0
    results = _jsonl(capsys)
    assert all("spans" in r for r in results)
    for result in results:
        for span in result["spans"]:
            assert result["text"][span["start"] : span["end"]] == span["text"]


def test_table_lists_scores_labels_and_text(tiny_artifact, tiny_scorer, capsys):
    assert main(["score", "--model", str(tiny_artifact), *HEADLINES]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["clickbait", "bias", "labels", "text"]
    for line, score in zip(lines[1:], tiny_scorer.score(HEADLINES)):
        assert line.endswith(score.text)
        assert f"{score.clickbait:.3f}" in line


def test_empty_headline_is_an_error_naming_its_position(tiny_artifact, capsys):
    assert main(["score", "--model", str(tiny_artifact), "fine", "   "]) == 2
    assert "headline 1 is empty" in capsys.readouterr().err


def test_missing_model_is_a_clear_error(tmp_path, capsys):
    assert main(["score", "--model", str(tmp_path / "nowhere"), "a headline"]) == 1
    assert "headline-lens score:" in capsys.readouterr().err


def test_no_headlines_prints_usage(capsys):
    assert main(["score"]) == 2
    assert "stdin" in capsys.readouterr().err


def test_feedback_export_writes_jsonl(tmp_path, capsys):
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db)
    store.add("Parliament passes budget", "bias", 0.0, "neutral")
    store.close()
    assert main(["feedback", "export", "--db", str(db)]) == 0
    [row] = _jsonl(capsys)
    assert (row["text"], row["head"], row["score"], row["comment"]) == ("Parliament passes budget", "bias", 0.0, "neutral")
    out = tmp_path / "out.jsonl"
    assert main(["feedback", "export", "--db", str(db), "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == row


def test_feedback_export_without_a_database_says_so(tmp_path, capsys):
    assert main(["feedback", "export", "--db", str(tmp_path / "none.sqlite3")]) == 1
    assert "no feedback database" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()
