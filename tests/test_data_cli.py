"""``headline-lens data check | stats`` through the real console dispatcher."""

from __future__ import annotations

import pytest
from data_fixtures import build_data_dir

from model.cli import main


@pytest.fixture
def data_dir(tmp_path):
    return build_data_dir(tmp_path / "data")


def test_check_reports_counts_and_copies_and_passes_on_a_complete_fixture_dir(data_dir, capsys):
    assert main(["data", "check", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "present, 5 rows (expected 19,459)" in lines["webis"]
    assert "present, 5 rows (expected 6,751)" in lines["basil"]
    assert "present, 5 rows (expected 48,330)" in lines["anno_lexical"]
    assert "present, 6 rows (expected 4,108)" in lines["babe"]
    assert "restricted" in lines["mbic"]
    assert "differs from documented copy" in lines["webis"]
    assert "basil/preprocessed.csv" in out
    assert "all datasets of the default preset are present and readable" in out


def test_check_fails_when_a_default_dataset_is_missing(data_dir, capsys):
    (data_dir / "basil" / "preprocessed.csv").unlink()
    assert main(["data", "check", "--data-dir", str(data_dir)]) == 1
    captured = capsys.readouterr()
    assert "missing: basil/preprocessed.csv" in captured.out
    assert "default training preset is incomplete: basil (missing: basil/preprocessed.csv)" in captured.err


def test_check_passes_without_the_restricted_datasets(data_dir, capsys):
    for relpath in ("mbic/final_labels_MBIC.xlsx", "semeval23_task3_persuasion/preprocessed.csv"):
        (data_dir / relpath).unlink()
    assert main(["data", "check", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "missing: mbic/final_labels_MBIC.xlsx" in out


def test_check_fails_on_an_unreadable_default_dataset(data_dir, capsys):
    (data_dir / "webis_clickbait17" / "webis17_joined.jsonl").write_text("{broken\n")
    assert main(["data", "check", "--data-dir", str(data_dir)]) == 1
    captured = capsys.readouterr()
    assert "invalid: " in captured.out and "webis17_joined.jsonl:1" in captured.out
    assert "webis (invalid" in captured.err


def test_check_without_a_data_directory_says_how_to_set_one(monkeypatch, capsys):
    monkeypatch.delenv("HEADLINE_LENS_DATA", raising=False)
    assert main(["data", "check"]) == 2
    assert "HEADLINE_LENS_DATA" in capsys.readouterr().err


def test_check_reads_the_environment_variable(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("HEADLINE_LENS_DATA", str(data_dir))
    assert main(["data", "check"]) == 0
    assert f"data directory: {data_dir}" in capsys.readouterr().out


def test_stats_counts_rows_per_head_and_split(data_dir, capsys):
    assert main(["data", "stats", "--data-dir", str(data_dir), "--sources", "anno_lexical,webis"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["anno_lexical"].split()[1:5] == ["5", "-", "5", "(mean"]
    assert "test 1, train 3, validation 1" in lines["anno_lexical"]
    assert "none 5" in lines["webis"]


def test_stats_rejects_an_unknown_source(data_dir, capsys):
    assert main(["data", "stats", "--data-dir", str(data_dir), "--sources", "nope"]) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err
