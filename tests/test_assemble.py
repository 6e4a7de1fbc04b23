"""Assembly: normalisation, merging within a source, evaluation-only benchmark rows, split records."""

from __future__ import annotations

import math

import pytest

from training.assemble import assemble, assemble_rows, rows_to_frame
from training.sources.base import Row
from training.train_config import TrainConfig


def test_texts_are_normalised_and_empties_dropped():
    frame = rows_to_frame(
        [
            Row("  Breaking:&nbsp;<b>Big</b>   news ", "webis", clickbait=0.4),
            Row("<br/>", "webis", clickbait=0.1),
            Row("\u200b", "webis", clickbait=0.1),
        ]
    )
    assert frame["text"].tolist() == ["Breaking: Big news"]


def test_identical_texts_merge_within_a_source_with_averaged_targets():
    frame = rows_to_frame(
        [
            Row("Quote of the day:", "webis", clickbait=0.2, group="webis:1"),
            Row("Quote  of the day:", "webis", clickbait=0.6, group="webis:2"),
            Row("Quote of the day:", "stop_clickbait", clickbait=1.0),
            Row("Ten facts", "anno_lexical", bias=1.0),
            Row("Ten facts", "anno_lexical", bias=0.0),
        ]
    )
    webis = frame[frame["source"] == "webis"].iloc[0]
    assert math.isclose(webis["clickbait"], 0.4) and webis["merged"] == 2
    assert len(frame[frame["source"] == "stop_clickbait"]) == 1  # other sources are not merged into it
    conflicting = frame[frame["source"] == "anno_lexical"].iloc[0]
    assert conflicting["bias"] == 0.5 and math.isnan(conflicting["clickbait"])


def test_merged_rows_keep_the_most_held_out_official_split():
    frame = rows_to_frame([Row("Same", "anno_lexical", bias=1.0, split="train"), Row("Same", "anno_lexical", bias=1.0, split="test")])
    assert frame["split"].tolist() == ["test"]


def _rows(n: int) -> list[Row]:
    return [Row(f"Headline number {i}", "webis", clickbait=(i % 10) / 10) for i in range(n)] + [
        Row(f"Loaded sentence {i}", "anno_lexical", bias=float(i % 2), split=("train", "validation", "test")[i % 3])
        for i in range(n)
    ]


def test_benchmark_rows_are_never_trained_on_and_pull_their_twins_into_test():
    rows = _rows(60) + [Row("Headline number 5", "babe", bias=1.0, split="test")]
    assembled = assemble_rows(rows, TrainConfig(seed=1), eval_only_sources={"babe"})
    training = assembled.training_rows()
    assert "babe" not in set(training["source"])
    assert "Headline number 5" not in set(training["text"])
    assert assembled.frame.loc[assembled.frame["text"] == "Headline number 5", "split"].eq("test").all()


def test_caps_and_split_sizes_are_recorded():
    config = TrainConfig(seed=4, max_train_rows={"webis": 10})
    assembled = assemble_rows(_rows(90), config)
    sizes = assembled.info["split_sizes"]
    assert sizes["webis"]["train"] == 10
    assert sizes["anno_lexical"] == {"train": 30, "validation": 30, "test": 30}
    assert sizes["webis"]["validation"] + sizes["webis"]["test"] == len(assembled.frame.query("source == 'webis' and split != 'train'"))
    assert assembled.info["seed"] == 4
    assert len(assembled.training_rows()) == 10 + 30


def test_same_seed_same_assembly():
    first = assemble_rows(_rows(50), TrainConfig(seed=9)).frame
    second = assemble_rows(list(reversed(_rows(50))), TrainConfig(seed=9)).frame
    key = ["source", "text"]
    assert first.sort_values(key)["split"].tolist() == second.sort_values(key)["split"].tolist()


def test_nothing_to_train_on_is_an_error():
    with pytest.raises(ValueError, match="no rows"):
        assemble_rows([Row("   ", "webis", clickbait=1.0)], TrainConfig())


def test_assemble_reads_the_adapters_and_records_file_hashes(tmp_path):
    from test_train import write_fake_data

    write_fake_data(tmp_path)
    config = TrainConfig(sources=["webis", "stop_clickbait", "anno_lexical", "basil"])
    assembled = assemble(config, tmp_path)
    assert set(assembled.info["file_hashes"]) >= {"webis_clickbait17/webis17_joined.jsonl", "basil/preprocessed.csv"}
    assert "babe/splits_annomatic/babe_test_annomatic.csv" in assembled.info["file_hashes"]
    assert assembled.info["evaluation_only"] == ["babe"]
    assert assembled.info["sources"] == config.sources
    assert set(assembled.frame["source"]) == {"webis", "stop_clickbait", "anno_lexical", "basil", "babe"}


def test_sentences_of_the_basil_evaluation_articles_are_never_trained_on(tmp_path):
    import json

    import pandas as pd
    from test_train import write_fake_data

    write_fake_data(tmp_path)
    basil_rows = pd.read_csv(tmp_path / "basil" / "preprocessed.csv")
    held_out = basil_rows["text"].tolist()[:6]
    articles = tmp_path / "basil_articles" / "articles.jsonl"
    articles.parent.mkdir()
    articles.write_text(json.dumps({"title": held_out[0].upper(), "sentences": held_out[1:]}) + "\n")
    config = TrainConfig(sources=["webis", "stop_clickbait", "anno_lexical", "basil"])
    assembled = assemble(config, tmp_path)
    frame = assembled.frame
    twins = frame[(frame["source"] == "basil") & frame["text"].isin(held_out)]
    assert len(twins) == 6 and twins["split"].eq("test").all()  # the upper-cased title matches too
    assert not assembled.training_rows()["text"].isin(held_out).any()
    assert assembled.info["evaluation_only"] == ["babe", "basil_articles"]
    assert "basil_articles/articles.jsonl" in assembled.info["file_hashes"]
    # A model trained before the hold-out is evaluated on its own splits: the articles left out.
    assert "basil_articles" not in set(assemble(config, tmp_path, hold_out_basil_articles=False).frame["source"])
    (tmp_path / "basil_articles" / "articles.jsonl").unlink()
    assert "basil_articles" not in set(assemble(config, tmp_path).frame["source"])
