"""Dataset adapters and the registry, on a fake data directory and (optionally) the real one."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from data_fixtures import ANNO_LEXICAL, build_data_dir

from model.labels import HEAD_NAMES
from training.sources import anno_lexical, babe, basil, feedback, mbic, semeval, stop_clickbait, webis
from training.sources.registry import DEFAULT_PRESET, SOURCES, file_hashes, source
from training.sources.tables import SourceFormatError


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return build_data_dir(tmp_path_factory.mktemp("sources") / "data")


@pytest.fixture
def own_data_dir(tmp_path) -> Path:
    """A private copy for tests that break files."""
    return build_data_dir(tmp_path / "data")


def test_webis_uses_truth_mean_and_skips_empty_teasers(data_dir):
    rows = list(webis.load(data_dir))
    assert [row.text for row in rows] == [
        "You won't believe what this town did with its old bridge",
        "City council approves budget for road repairs",
        "This one trick changed how I pack forever",
        "Quote of the day:",
        "Quote of the day:",
    ]
    assert [round(row.clickbait, 3) for row in rows] == [0.867, 0.067, 0.667, 0.267, 0.467]
    assert all(row.bias is None and row.split is None and row.source == "webis" for row in rows)
    # Duplicates stay separate rows with their own ids; assembly merges them.
    assert rows[3].group != rows[4].group


def test_webis_rejects_a_target_outside_unit_range(own_data_dir):
    path = own_data_dir / webis.FILES[0]
    path.write_text(json.dumps({"id": "1", "postText": "x", "truthMean": 1.5, "truthMedian": 1.0}) + "\n")
    with pytest.raises(SourceFormatError, match=r"webis17_joined.jsonl:1: truthMean 1.5"):
        list(webis.load(own_data_dir))


def test_stop_clickbait_labels_by_file_skips_blank_lines_and_down_weights(data_dir):
    rows = list(stop_clickbait.load(data_dir))
    assert [(row.text, row.clickbait) for row in rows] == [
        ("17 Snacks That Prove Autumn Is The Best Season", 1.0),
        ("Which Cartoon Sidekick Are You Based On Your Coffee Order", 1.0),
        ("This Dog Learned To Open The Fridge And Honestly Same", 1.0),
        ("Regional rail strike enters its second day", 0.0),
        ("Parliament passes revised water safety law", 0.0),
    ]
    assert {row.weight for row in rows} == {stop_clickbait.DEFAULT_WEIGHT} == {SOURCES["stop_clickbait"].default_weight}
    assert {row.weight for row in stop_clickbait.load(data_dir, weight=1.0)} == {1.0}
    assert len({row.group for row in rows}) == 5


def test_anno_lexical_keeps_its_own_splits(data_dir):
    rows = list(anno_lexical.load(data_dir))
    assert [(row.split, row.bias) for row in rows] == [
        ("train", 1.0),
        ("train", 0.0),
        ("train", 1.0),
        ("validation", 0.0),
        ("test", 1.0),
    ]
    assert [row.text for row in rows] == [text for split in ANNO_LEXICAL.values() for text, *_ in split]
    assert rows[0].group == "anno_lexical:s-1"


def test_basil_maps_lexical_to_biased_and_drops_informational(data_dir):
    rows = list(basil.load(data_dir))
    assert len(rows) == 5
    assert [row.bias for row in rows] == [1.0, 0.0, 0.0, 1.0, 0.0]
    assert not any("earlier veto" in row.text for row in rows)
    assert rows[2].text == '"We will vote on it next week," the spokesman said.'


def test_basil_evaluation_articles_become_unlabelled_test_rows_one_group_per_article(tmp_path):
    assert basil.held_out_rows(tmp_path) == []  # no articles file: nothing to hold out
    path = tmp_path / basil.ARTICLES_FILE
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"title": "Senate passes the bill", "sentences": ["One.", "  ", "Two."]}) + "\n\n"
                    + json.dumps({"title": "", "sentences": ["Three."]}) + "\n")
    rows = basil.held_out_rows(tmp_path)
    assert [row.text for row in rows] == ["Senate passes the bill", "One.", "Two.", "Three."]
    assert {row.split for row in rows} == {"test"} and {row.source for row in rows} == {"basil_articles"}
    assert all(row.bias is None and row.clickbait is None for row in rows)
    assert [row.group for row in rows] == ["basil_articles:0"] * 3 + ["basil_articles:1"]


def test_basil_reports_an_unknown_label_with_its_row(own_data_dir):
    path = own_data_dir / basil.FILES[0]
    path.write_text("text,pos,label,aim\nA sentence.,,7,2\n")
    with pytest.raises(SourceFormatError, match=r"preprocessed.csv row 0: unexpected label 7"):
        list(basil.load(own_data_dir))


def test_a_missing_column_is_a_format_error_naming_the_file(own_data_dir):
    (own_data_dir / semeval.FILES[0]).write_text("text,label\nA paragraph.,False\n")
    with pytest.raises(SourceFormatError, match=r"missing column\(s\) \['Loaded_Language'\]"):
        list(semeval.load(own_data_dir))


def test_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="preprocessed.csv is missing"):
        list(basil.load(tmp_path))


def test_babe_sg2_reads_the_bom_file_and_drops_no_agreement(data_dir):
    rows = list(babe.load_sg2(data_dir))
    assert len(rows) == 5
    assert rows[0].text.startswith("The radical activists")
    assert [row.bias for row in rows] == [1.0, 0.0, 0.0, 1.0, 1.0]
    assert all(row.split is None for row in rows)
    assert rows[0].group == rows[1].group == "article:https://news.example/a/1"


def test_babe_follows_the_published_split(data_dir):
    rows = list(babe.load(data_dir))
    by_text = {row.text: row for row in rows}
    assert len(by_text) == len(rows) == 6  # 3 train+dev + 2 test + 1 SG2 sentence outside the split
    assert by_text["Lawmakers debated the proposal for three hours."].split == "test"
    assert by_text["A shameless stunt by the governor drew predictable applause."].split == "test"
    assert by_text["Critics say the fund's managers have been asleep at the wheel."].split == "train"
    # An SG2 sentence the published split lacks is training material, never test.
    assert by_text["The bill's cheerleaders ignored the obvious costs."].split == "train"
    assert "Residents gathered at the town hall for the vote." not in by_text


def test_babe_load_test_returns_only_the_test_file(data_dir):
    rows = babe.load_test(data_dir)
    assert [(row.text, row.bias, row.split) for row in rows] == [
        ("Lawmakers debated the proposal for three hours.", 0.0, "test"),
        ("A shameless stunt by the governor drew predictable applause.", 1.0, "test"),
    ]


def test_semeval_uses_loaded_language_only(data_dir):
    rows = list(semeval.load(data_dir))
    assert [row.bias for row in rows] == [0.0, 1.0, 0.0, 1.0, 0.0]  # Doubt alone is not loaded language


def test_mbic_shares_article_groups_with_babe(data_dir):
    rows = list(mbic.load(data_dir))
    assert [row.bias for row in rows] == [1.0, 1.0, 0.0, 1.0, 0.0]
    babe_groups = {row.group for row in babe.load_sg2(data_dir)}
    assert rows[0].group in babe_groups


def test_feedback_sets_only_the_named_head(data_dir):
    rows = list(feedback.load(data_dir / "feedback" / "feedback.jsonl"))
    assert [(row.clickbait, row.bias) for row in rows] == [(1.0, None), (None, 0.0), (0.0, None), (None, 0.8)]
    assert rows[0].group == rows[1].group
    assert {row.source for row in rows} == {"feedback"}


def test_feedback_wants_the_export_file_not_a_directory(data_dir):
    with pytest.raises(SourceFormatError, match="is a directory; pass the JSONL file"):
        list(feedback.load(data_dir))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"text": " ", "head": "bias", "score": 1}', "'text' must be a non-empty string"),
        ('{"text": "t", "head": "tone", "score": 1}', "'head' must be one of"),
        ('{"text": "t", "head": "bias", "score": 1.5}', "'score' must be a number in"),
        ('{"text": "t", "head": "bias", "score": true}', "'score' must be a number in"),
    ],
)
def test_feedback_rejects_a_bad_line_with_its_number(tmp_path, line, message):
    path = tmp_path / "feedback.jsonl"
    path.write_text('{"text": "ok", "head": "clickbait", "score": 0.5}\n' + line + "\n")
    with pytest.raises(SourceFormatError, match=rf"feedback.jsonl:2: {message}"):
        list(feedback.load(path))


def test_registry_describes_every_source():
    for name, info in SOURCES.items():
        assert info.name == name
        assert info.heads and set(info.heads) <= set(HEAD_NAMES)
        assert info.licence and info.canonical_source and info.citation
        assert set(info.sha256) == set(info.files)
    assert {name for name, info in SOURCES.items() if info.restricted} == {"babe", "mbic", "semeval"}
    assert not any(SOURCES[name].restricted for name in DEFAULT_PRESET)
    assert set(DEFAULT_PRESET) == {"webis", "stop_clickbait", "anno_lexical", "basil", "seeds"}
    assert SOURCES["mbic"].independent_evaluation is False
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        source("nope")


def test_file_hashes_are_sha256_of_each_file(data_dir):
    hashes = file_hashes(data_dir, ["basil", "stop_clickbait"])
    assert list(hashes) == [
        "basil/preprocessed.csv",
        "stop_clickbait/clickbait_data",
        "stop_clickbait/non_clickbait_data",
    ]
    assert (
        hashes["basil/preprocessed.csv"]
        == hashlib.sha256((data_dir / "basil/preprocessed.csv").read_bytes()).hexdigest()
    )


def test_importing_the_registry_does_not_import_seeds():
    code = "import sys, training.sources.registry; print('training.sources.seeds' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


def test_the_seeds_entry_loads_through_the_registry():
    rows = list(SOURCES["seeds"].loader(None))
    assert rows and {row.source for row in rows} == {"seeds"}


REAL_DATA = os.environ.get("HEADLINE_LENS_DATA")


@pytest.mark.skipif(not REAL_DATA, reason="HEADLINE_LENS_DATA is not set: no real data directory to check")
def test_real_data_row_counts_match_the_documentation():
    root = Path(REAL_DATA)
    counts = {name: sum(1 for _ in info.loader(root)) for name, info in SOURCES.items() if info.files}
    assert counts == {name: info.expected_rows for name, info in SOURCES.items() if info.files}
    # The figures the data README states, checked directly.
    assert counts["webis"] == 19_459
    assert counts["stop_clickbait"] == 32_000
    assert counts["anno_lexical"] == 48_330
    basil_rows = list(basil.load(root))
    assert (sum(row.bias == 1.0 for row in basil_rows), sum(row.bias == 0.0 for row in basil_rows)) == (470, 6_281)
    sg2 = list(babe.load_sg2(root))
    assert (len(sg2), sum(row.bias == 1.0 for row in sg2)) == (3_673, 1_810)
    assert len(babe.load_test(root)) == 1_000
    assert sum(row.bias == 1.0 for row in mbic.load(root)) == 1_018
