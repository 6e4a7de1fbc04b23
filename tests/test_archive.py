"""``headline-lens archive score``: both engines, error records, carried columns, refusals."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from tiny_model import HEADLINES

from model import Scorer
from model.cli import main
from model.labels import HEAD_NAMES
from service.archive import ArchiveError, label_column, score_local
from service.settings import load_config

TOO_LONG = "x" * (load_config().max_chars + 1)


def _rows() -> list[dict]:
    """Fixture headlines (some repeated), plus bad rows: empty, blank, markup-only, too long, missing."""
    texts = [*HEADLINES, *HEADLINES[:5], "", "   ", "<br>", TOO_LONG, None]
    return [{"id": i, "title": text, "source": f"site-{i % 3}"} for i, text in enumerate(texts)]


def _read(directory) -> list[dict]:
    return sorted(ds.dataset(directory, format="parquet").to_table().to_pylist(), key=lambda row: row["id"])


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The fixture rows as two Parquet shards, and as one JSON Lines file."""
    root = tmp_path_factory.mktemp("archive")
    rows = _rows()
    (root / "shards").mkdir()
    half = len(rows) // 2
    pq.write_table(pa.Table.from_pylist(rows[:half]), root / "shards" / "a.parquet")
    pq.write_table(pa.Table.from_pylist(rows[half:]), root / "shards" / "b.parquet")
    (root / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return root


def test_local_engine_matches_scorer_row_for_row(archive, tiny_artifact, tmp_path):
    summary = score_local(str(archive / "shards"), str(tmp_path / "out"), str(tiny_artifact), batch_size=7,
                          progress=False)
    out = _read(tmp_path / "out")
    rows = _rows()
    assert [row["id"] for row in out] == [row["id"] for row in rows]
    assert summary.rows == len(rows) and summary.errors == 5
    scorer = Scorer(tiny_artifact, threads=1)
    good = [row for row in out if row["error"] is None]
    expected = scorer.score([row["title"] for row in good])
    for row, score in zip(good, expected):
        assert row["source"] == f"site-{row['id'] % 3}"  # every input column carried through
        assert row["model_version"] == scorer.version
        for name in HEAD_NAMES:
            assert row[name] == getattr(score, name)
            assert row[label_column(name)] == score.labels[name]


def test_bad_rows_become_error_records(archive, tiny_artifact, tmp_path):
    score_local(str(archive / "rows.jsonl"), str(tmp_path / "out"), str(tiny_artifact), progress=False)
    errors = {row["title"]: row for row in _read(tmp_path / "out") if row["error"] is not None}
    assert set(errors) == {"", "   ", "<br>", TOO_LONG, None}
    assert "empty" in errors["<br>"]["error"]
    assert f"the limit is {load_config().max_chars} characters" in errors[TOO_LONG]["error"]
    assert errors[None]["error"] == "no text"
    for row in errors.values():
        assert all(row[name] is None and row[label_column(name)] is None for name in HEAD_NAMES)


def test_ray_engine_gives_identical_scores(archive, tiny_artifact, tmp_path):
    ray = pytest.importorskip("ray", reason="the Ray engine needs the [archive] extra")
    from service.archive import score_ray

    score_local(str(archive / "shards"), str(tmp_path / "local"), str(tiny_artifact), batch_size=16, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        summary = score_ray(str(archive / "shards"), str(tmp_path / "ray"), str(tiny_artifact), batch_size=9)
    finally:
        ray.shutdown()
    assert summary.rows == len(_rows())
    assert _read(tmp_path / "ray") == _read(tmp_path / "local")


def test_cli_scores_and_refuses_clearly(archive, tiny_artifact, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["archive", "score", "--input", str(archive / "rows.jsonl"), "--output", str(out),
            "--model", str(tiny_artifact)]
    assert main(args) == 0
    assert len(_read(out)) == len(_rows())
    # A second run into the same directory would mix results: refused, nothing touched.
    before = sorted(p.stat().st_mtime_ns for p in out.iterdir())
    assert main(args) == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert sorted(p.stat().st_mtime_ns for p in out.iterdir()) == before
    assert main([*args[:-4], "--output", str(tmp_path / "other"), "--model", str(tiny_artifact),
                 "--column", "headline"]) == 2
    assert "no column 'headline'" in capsys.readouterr().err


def test_inputs_that_cannot_be_scored_are_refused(tiny_artifact, tmp_path):
    (tmp_path / "notes.txt").write_text("a headline\n", encoding="utf-8")
    with pytest.raises(ArchiveError, match="Parquet"):
        score_local(str(tmp_path / "notes.txt"), str(tmp_path / "out"), str(tiny_artifact), progress=False)
    pq.write_table(pa.Table.from_pylist([{"title": "a headline", "clickbait": 1.0}]), tmp_path / "scored.parquet")
    with pytest.raises(ArchiveError, match="already has output column"):
        score_local(str(tmp_path / "scored.parquet"), str(tmp_path / "out"), str(tiny_artifact), progress=False)
