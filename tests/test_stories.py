"""Story framing in-process: sentences, the embedder, grouping, incongruence, comparison, the CLIs.

The maths is checked on hand-made vectors and scores (so each rule can fail on its own); the
tiny model's embedder checks the real ONNX path. The meaning of similarities on real text is
checked on the quick real model in ``tests/test_real_model.py`` (the seeds golden test).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from model.artifact import EMBEDDER_FILE, ONNX_FILE, ArtifactError, load_manifest, write_artifact
from model.embedder import Embedder, EmbedderMissing
from model.sentences import split_sentences
from model.stories import (
    RELATED_COSINE,
    Article,
    ScoredArticle,
    StoryLens,
    compare_story,
    group_stories,
    stories,
)

THRESHOLDS = {"clickbait": 0.5, "bias": 0.5}
DAY = datetime(2024, 4, 19, tzinfo=timezone.utc)


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def result(text: str, clickbait: float = 0.1, bias: float = 0.1) -> dict:
    return {"text": text, "clickbait": clickbait, "bias": bias, "model_version": "test",
            "labels": {"clickbait": clickbait >= 0.5, "bias": bias >= 0.5}}


def scored(id_: str, headline: str, vector, sentences=(), sentence_vectors=(), clickbait=0.1, bias=0.1,
           sentence_bias=None, outlet=None) -> ScoredArticle:
    sentence_bias = sentence_bias or [0.1] * len(sentences)
    return ScoredArticle(
        article=Article(id=id_, headline=headline, sentences=list(sentences), outlet=outlet),
        headline=result(headline, clickbait, bias),
        sentences=[result(s, 0.0, b) for s, b in zip(sentences, sentence_bias)],
        headline_vector=np.asarray(vector, dtype=np.float32),
        sentence_vectors=np.asarray(sentence_vectors, dtype=np.float32).reshape(len(sentences), len(vector)),
        thresholds=THRESHOLDS,
    )


# --- sentences ----------------------------------------------------------------------------------

def test_sentences_split_at_ends_but_not_at_abbreviations():
    body = ('The U.S. said on Friday that Mr. Smith would leave. "It is over," he said! Troops go on Jan. 5.\n\n'
            "A new paragraph without a full stop")
    assert split_sentences(body) == [
        "The U.S. said on Friday that Mr. Smith would leave.", '"It is over," he said!', "Troops go on Jan. 5.",
        "A new paragraph without a full stop"]


def test_sentences_are_normalised_and_never_empty():
    assert split_sentences("  &amp; <b>Bold</b> claim.   \n\n \n  ") == ["& Bold claim."]
    assert split_sentences("") == []


# --- the embedder ----------------------------------------------------------------------------------

def test_embeddings_are_unit_length_and_do_not_depend_on_the_batch(tiny_artifact):
    embedder = Embedder(tiny_artifact)
    texts = ["Council approves budget", "You will not believe this dog", "Rail fares rise again in the city today"]
    together = embedder.embed(texts)
    assert together.shape == (3, load_manifest(tiny_artifact).embedder["dim"])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.stack([embedder.embed([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_an_artifact_without_embedder_says_what_to_do(tiny_artifact, tmp_path):
    old = _without_embedder(tiny_artifact, tmp_path / "old")
    with pytest.raises(EmbedderMissing, match="add-embedder"):
        Embedder(old)
    from model.scorer import Scorer

    assert Scorer(old).score("Council approves budget")[0].clickbait >= 0  # /score keeps working


def test_a_corrupted_embedder_is_refused_on_load(tiny_artifact, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_artifact, broken)
    with open(broken / EMBEDDER_FILE, "r+b") as handle:
        handle.seek(100)
        handle.write(b"\x00\x01\x02\x03")
    with pytest.raises(ArtifactError, match="embedder.onnx is corrupted"):
        load_manifest(broken)
    (broken / EMBEDDER_FILE).unlink()
    with pytest.raises(ArtifactError, match="has no embedder.onnx"):
        load_manifest(broken)


def _without_embedder(source: Path, target: Path) -> Path:
    """A copy of ``source`` shaped like an artifact written before embedders existed."""
    shutil.copytree(source, target)
    manifest = load_manifest(target)
    (target / EMBEDDER_FILE).unlink()
    manifest.embedder = {}
    files = [p for p in target.iterdir() if p.suffix != ".onnx" and p.name != "manifest.json"]
    write_artifact(target, manifest, target / ONNX_FILE, files)
    return target


# --- grouping ----------------------------------------------------------------------------------------

def test_grouping_links_similar_vectors_and_keeps_others_apart():
    vectors = np.stack([unit(1, 0.1, 0), unit(1, 0, 0.1), unit(0, 1, 0), unit(0.05, 1, 0), unit(0, 0, 1)])
    assert group_stories(vectors, [None] * 5, threshold=0.9) == [[0, 1], [2, 3], [4]]


def test_dates_bound_a_story_to_its_window():
    vectors = np.stack([unit(1, 0), unit(1, 0.01), unit(1, 0.02)])
    dates = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=30)]
    assert group_stories(vectors, dates, threshold=0.9, window_days=3) == [[0, 1], [2]]
    assert group_stories(vectors, [None] * 3, threshold=0.9) == [[0, 1, 2]]
    # One undated article links to both dated ones: dates only cut links where both are known.
    assert group_stories(vectors, [DAY, None, DAY + timedelta(days=30)], threshold=0.9) == [[0, 1, 2]]


def test_without_dates_a_chain_of_links_is_split_by_average_similarity():
    """A-B and B-C are linked, A and C are not alike: dated within a window they are one story
    (single link); undated, nothing cuts the chain, so average linkage splits it."""
    angles = np.radians([0, 40, 80])
    vectors = np.stack([unit(np.cos(a), np.sin(a)) for a in angles])  # neighbours 0.77, ends 0.17
    assert group_stories(vectors, [DAY] * 3, threshold=0.7) == [[0, 1, 2]]
    undated = group_stories(vectors, [None] * 3, threshold=0.7, undated_threshold=0.7)
    assert sorted(map(len, undated)) == [1, 2] and sorted(i for g in undated for i in g) == [0, 1, 2]


def test_grouping_handles_no_and_one_article():
    assert group_stories(np.zeros((0, 3)), []) == []
    assert group_stories(np.stack([unit(1, 0)]), [None]) == [[0]]


# --- incongruence --------------------------------------------------------------------------------

def test_incongruence_is_low_when_the_headline_states_the_body():
    on_topic = scored("a", "US troops leave Niger", unit(1, 0), ["Troops leave Niger."], [unit(1, 0.05)], clickbait=0.02)
    assert on_topic.incongruence < 0.05


def test_incongruence_is_high_for_an_off_topic_or_withholding_headline():
    off_topic = scored("a", "Zombie cat claws out of grave", unit(0, 1), ["Troops leave Niger."], [unit(1, 0)],
                       clickbait=0.02)
    teaser = scored("b", "What happens next will shock you", unit(1, 0), ["Troops leave Niger."], [unit(1, 0.05)],
                    clickbait=0.9)
    assert off_topic.incongruence > 0.95
    assert teaser.incongruence >= 0.9


def test_incongruence_is_one_half_at_the_documented_points():
    cos = RELATED_COSINE
    at_boundary = scored("a", "h", unit(1, 0), ["s"], [unit(cos, math.sqrt(1 - cos**2))], clickbait=0.0)
    assert at_boundary.incongruence == pytest.approx(0.5, abs=1e-3)
    even_odds = scored("b", "h", unit(1, 0), ["s"], [unit(1, 0)], clickbait=0.5)
    assert even_odds.incongruence == pytest.approx(0.5, abs=1e-3)


def test_no_body_means_no_incongruence():
    bare = scored("a", "US troops leave Niger", unit(1, 0))
    assert bare.incongruence is None and bare.loaded_share is None and bare.bias_score == 0.1


# --- comparison --------------------------------------------------------------------------------------

def _niger_story() -> list[ScoredArticle]:
    facts = {"leave": unit(1, 0, 0, 0), "junta": unit(0, 1, 0, 0), "russia": unit(0, 0, 1, 0), "base": unit(0, 0, 0, 1)}
    return [
        scored("wire", "U.S. to end military presence in Niger", unit(1, 0, 0, 0), ["Troops will leave.", "The junta asked."],
               [facts["leave"], facts["junta"]], clickbait=0.05, bias=0.1, sentence_bias=[0.1, 0.2], outlet="Wire"),
        scored("viral", "What Happens Next Will Shock You!", unit(1, 0, 0, 0),
               ["US forces are leaving.", "The regime asked.", "Russia moves in, terrifying everyone."],
               [facts["leave"], facts["junta"], facts["russia"]], clickbait=0.95, bias=0.6,
               sentence_bias=[0.2, 0.7, 0.9], outlet="Viral"),
        scored("paper", "Niger's junta tells US troops to go", unit(1, 0, 0, 0), ["American troops depart.", "A base closes."],
               [facts["leave"], facts["base"]], clickbait=0.1, bias=0.2, sentence_bias=[0.1, 0.1], outlet="Paper"),
    ]


def test_compare_ranks_articles_and_finds_what_only_one_uses():
    story = compare_story(_niger_story())
    assert story["ranked_by_clickbait"] == ["viral", "paper", "wire"]
    assert story["ranked_by_bias"][0] == "viral"
    by_id = {a["id"]: a for a in story["comparison"]}
    assert set(by_id["viral"]["unique_cues"]) >= {"curiosity_gap", "hyperbole"}
    assert by_id["wire"]["unique_cues"] == []
    assert by_id["viral"]["neutral_alternative"] == {
        "id": "wire", "headline": "U.S. to end military presence in Niger", "clickbait": 0.05}
    assert by_id["wire"]["neutral_alternative"] is None  # no sibling is calmer
    assert by_id["viral"]["loaded_share"] == pytest.approx(2 / 3, abs=1e-5)


def test_facts_every_outlet_reports_and_facts_only_one_reports():
    story = compare_story(_niger_story())
    (shared,) = story["shared_facts"]
    assert [(s["id"], s["index"]) for s in shared["sentences"]] == [("wire", 0), ("viral", 0), ("paper", 0)]
    unique = {(f["id"], f["index"]) for f in story["unique_facts"]}
    assert unique == {("viral", 2), ("paper", 1)}  # the junta sentence is in two articles


def test_stories_number_groups_in_input_order():
    members = _niger_story()
    other = scored("other", "Honduras votes", unit(0, 0, 0, 1))
    found = stories([members[0], other, *members[1:]])
    assert [s["articles"] for s in found] == [["wire", "viral", "paper"], ["other"]]
    assert [s["story"] for s in found] == [0, 1]
    assert found[1]["shared_facts"] == [] and found[1]["comparison"][0]["neutral_alternative"] is None


def test_story_lens_runs_on_the_tiny_model(tiny_artifact, tiny_scorer):
    lens = StoryLens(tiny_scorer, Embedder(tiny_artifact))
    same = "Council approves the city budget after a long debate"
    articles = [Article("a", same, ["The council approved the budget.", "It was close."]), Article("b", same)]
    found = lens.stories(articles)
    assert [s["articles"] for s in found] == [["a", "b"]]  # identical headlines always share a story
    report = lens.report(articles[0])
    assert report["sentences"] == 2 and 0 <= report["incongruence"] <= 1
    assert report["headline"]["text"] == same
    assert all("spans" in s and "index" in s for s in report["most_loaded"])


# --- the stories command ------------------------------------------------------------------------------

def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "headline-lens"), *args], input=stdin,
                          capture_output=True, text=True, timeout=300, env={**os.environ})


def test_stories_command_writes_one_line_per_story_and_reports_bad_lines(tiny_artifact, tmp_path):
    lines = [
        json.dumps({"id": "a", "headline": "Council approves the city budget", "body": "The council voted. It passed.",
                    "published": "2024-04-19"}),
        json.dumps({"id": "b", "headline": "Council approves the city budget", "published": "2024-04-20T08:00:00Z"}),
        "{not json",
        json.dumps({"id": "c", "headline": "   "}),
        json.dumps({"id": "a", "headline": "Repeated id"}),
        json.dumps({"id": "d", "headline": "Council approves the city budget", "published": "2024-06-01"}),
        "",
    ]
    done = _run(["stories", "-", "--model", str(tiny_artifact)], stdin="\n".join(lines))
    assert done.returncode == 1, done.stderr
    errors = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert [e["line"] for e in errors] == [3, 4, 5]
    assert "empty" in errors[1]["error"] and "repeats" in errors[2]["error"]
    found = [json.loads(line) for line in done.stdout.splitlines()]
    # Same headline, but "d" is six weeks later: the window keeps it out of the story.
    assert [s["articles"] for s in found] == [["a", "b"], ["d"]]
    assert {"ranked_by_clickbait", "ranked_by_bias", "comparison", "shared_facts", "unique_facts"} <= set(found[0])


def test_stories_command_names_a_missing_file_and_a_model_without_embedder(tiny_artifact, tmp_path):
    missing = _run(["stories", str(tmp_path / "nope.jsonl"), "--model", str(tiny_artifact)])
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    old = _without_embedder(tiny_artifact, tmp_path / "old")
    no_embedder = _run(["stories", "-", "--model", str(old)], stdin="")
    assert no_embedder.returncode == 2 and "add-embedder" in no_embedder.stderr


def test_feeds_stories_reports_the_most_sensational_feed(tiny_artifact, tmp_path):
    from fixtures.feeds.feed_server import rss

    same = "Council approves the city budget after a long debate"
    (tmp_path / "calm.xml").write_bytes(rss([same, "Rail fares rise"], channel="Calm Courier", prefix="calm"))
    (tmp_path / "loud.xml").write_bytes(rss([same + " - You Won't Believe What Happened Next!"], channel="Loud Daily",
                                            prefix="loud"))
    env_args = ["--db", str(tmp_path / "feeds.sqlite3"), "--model", str(tiny_artifact)]
    fetched = _run(["feeds", str(tmp_path / "calm.xml"), str(tmp_path / "loud.xml"), *env_args, "--no-progress"])
    assert fetched.returncode == 0, fetched.stderr
    done = _run(["feeds", "stories", *env_args, "--since", "2026-11-20", "--until", "2026-11-22", "--json"])
    assert done.returncode == 0, done.stderr
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert found, done.stderr
    story = next(s for s in found if len(s["feeds"]) == 2)
    assert {f["feed"] for f in story["feeds"]} == {"Calm Courier", "Loud Daily"}
    loud = next(f for f in story["feeds"] if f["feed"] == "Loud Daily")
    calm = next(f for f in story["feeds"] if f["feed"] == "Calm Courier")
    assert story["most_sensational_feed"] == max((loud, calm), key=lambda f: f["mean_clickbait"])["feed"]
    assert story["clickbait_spread"] == pytest.approx(abs(loud["mean_clickbait"] - calm["mean_clickbait"]), abs=1e-3)
    assert "items=3" in done.stderr
