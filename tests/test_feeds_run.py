"""``score_feeds`` end to end: a local HTTP server, real SQLite, the tiny real model."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from fixtures.feeds.feed_server import FEEDS, LAST_MODIFIED, FeedServer, rss

from service.feeds.fetch import FetchLimits
from service.feeds.output import format_summary, item_record
from service.feeds.parse import FeedItem
from service.feeds.run import FAILED, NOT_MODIFIED, OK, RECOVERED, score_feeds

LIMITS = FetchLimits(timeout_s=1.0, max_bytes=500_000, retries=1, backoff_s=0.01)


@pytest.fixture
def server():
    with FeedServer() as running:
        running.add_file("/rss2.xml", "rss2.xml", etag='"rss-v1"')
        running.add_file("/atom.xml", "atom.xml", content_type="application/atom+xml", gzip=True,
                         last_modified=LAST_MODIFIED)
        running.add_file("/rdf.xml", "rdf.xml", content_type="application/rdf+xml", etag='"rdf-v1"')
        running.add_file("/latin1.xml", "latin1.xml", content_type="application/xml", etag='"l1"')
        running.add_file("/malformed.xml", "malformed.xml")
        running.add_file("/bomb.xml", "entity_bomb.xml")
        running.add("/slow.xml", body=b"<rss/>", delay_s=3)
        running.add("/huge.xml", body=b"<rss>", stream_bytes=50_000_000)
        yield running


def opml_file(tmp_path: Path, server: FeedServer) -> Path:
    path = tmp_path / "subscriptions.opml"
    path.write_text((FEEDS / "subscriptions.opml").read_text().replace("{base}", server.base))
    return path


def by_url(result, server):
    return {report.url.replace(server.base, ""): report for report in result.feeds}


def test_mixed_sources_end_to_end(tmp_path, server, tiny_scorer):
    db = tmp_path / "feeds.sqlite3"
    sources = [
        opml_file(tmp_path, server),  # rss2, rdf, atom (+ a duplicate and an ftp entry)
        server.url("/latin1.xml"), server.url("/malformed.xml"), server.url("/bomb.xml"),
        server.url("/missing.xml"), server.url("/slow.xml"), server.url("/huge.xml"),
        str(FEEDS / "literal_entity.xml"), str(tmp_path / "no-such-file.xml"),
    ]
    result = score_feeds(sources, db=db, scorer=tiny_scorer, limits=LIMITS)
    reports = by_url(result, server)
    assert {name: reports[name].status for name in ("/rss2.xml", "/atom.xml", "/rdf.xml", "/latin1.xml")} == dict.fromkeys(
        ("/rss2.xml", "/atom.xml", "/rdf.xml", "/latin1.xml"), OK
    )
    assert reports["/malformed.xml"].status == RECOVERED and "malformed" in reports["/malformed.xml"].error
    assert reports["/bomb.xml"].status == FAILED and "refused" in reports["/bomb.xml"].error
    assert reports["/missing.xml"].error == "HTTP 404 Not Found"
    assert "timed out" in reports["/slow.xml"].error
    assert "limit" in reports["/huge.xml"].error
    assert reports["ftp://files.example/feed.xml"].status == FAILED
    assert reports[str(tmp_path / "no-such-file.xml")].status == FAILED
    assert reports[(FEEDS / "literal_entity.xml").resolve().as_uri()].status == OK
    assert not result.all_failed

    courier = reports["/rss2.xml"]
    # 5 entries: one repeats a guid (stored once); one has a blank title (stored, not scored).
    assert (courier.items_seen, courier.new_items, courier.skipped_items) == (5, 4, 1)
    records = [r for r in result.records if r["feed_url"] == server.url("/rss2.xml")]
    assert len(records) == 4
    blank = next(r for r in records if r["guid"] == "courier-1004")
    assert blank["score"] is None and blank["skip_reason"] == "title is empty or whitespace-only (after normalisation)"
    scored = next(r for r in records if r["guid"] == "courier-1001")
    expected = tiny_scorer.score([scored["title"]])[0].to_dict()
    assert scored["score"] == expected  # the product's one result shape, same numbers

    latin = next(r for r in result.records if r["feed_url"] == server.url("/latin1.xml"))
    assert latin["title"] == "Café réouvre après les travaux d'été"
    assert latin["feed_title"] == "Le Réveil du Port"

    with sqlite3.connect(db) as conn:
        feeds = {url.replace(server.base, ""): row for url, *row in conn.execute(
            "SELECT url, etag, last_modified, last_status, last_error FROM feeds")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert feeds["/rss2.xml"][:3] == ['"rss-v1"', None, OK]
    assert feeds["/atom.xml"][1] == LAST_MODIFIED
    assert feeds["/bomb.xml"][2] == FAILED and "refused" in feeds["/bomb.xml"][3]


def test_rerun_sends_validators_and_scores_nothing_new(tmp_path, server, tiny_scorer):
    db = tmp_path / "feeds.sqlite3"
    urls = [server.url(path) for path in ("/rss2.xml", "/atom.xml", "/rdf.xml", "/latin1.xml")]
    first = score_feeds(urls, db=db, scorer=tiny_scorer, limits=LIMITS)
    second = score_feeds(urls, db=db, scorer=tiny_scorer, limits=LIMITS)
    assert {report.status for report in second.feeds} == {NOT_MODIFIED}
    assert second.new_items == 0 and first.new_items == 9
    assert {path: server.conditional_hits[path] for path in ("/rss2.xml", "/atom.xml")} == {
        "/rss2.xml": 1, "/atom.xml": 1}
    assert second.records == first.records  # a 304 run still reports every stored item


def test_new_items_are_added_and_only_they_are_scored(tmp_path, server, tiny_scorer):
    db = tmp_path / "feeds.sqlite3"
    url = server.add("/live.xml", body=rss(["Parliament passes the budget", "Rates fall"]), etag='"1"')
    assert score_feeds([url], db=db, scorer=tiny_scorer, limits=LIMITS).new_items == 2
    server.add("/live.xml", body=rss(["Parliament passes the budget", "Rates fall", "You Won't Believe This"]),
               etag='"2"')
    result = score_feeds([url], db=db, scorer=tiny_scorer, limits=LIMITS)
    assert result.new_items == 1
    with sqlite3.connect(db) as conn:
        first_seen = Counter(row[0] for row in conn.execute("SELECT first_seen FROM items"))
        assert conn.execute("SELECT count(*) FROM scores").fetchone()[0] == 3
    assert sorted(first_seen.values()) in ([1, 2], [3])  # two runs (or both within one second)


def test_dedup_falls_back_to_link_then_title(tmp_path, tiny_scorer):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        "<rss version='2.0'><channel><title>T</title>"
        "<item><title>Same link A</title><link>https://x.example/1</link></item>"
        "<item><title>Same link B</title><link>https://x.example/1</link></item>"
        "<item><title>Only a title</title></item><item><title>Only  a   title</title></item>"
        "<item><title>Other title</title></item></channel></rss>"
    )
    result = score_feeds([feed], db=tmp_path / "db.sqlite3", scorer=tiny_scorer)
    assert [r["title"] for r in result.records] == ["Same link A", "Only a title", "Other title"]


class _NextModel:
    """The tiny scorer under another version id: what a newly trained model looks like to the store."""

    version = "v99999999-000000-next"

    def __init__(self, scorer):
        self._scorer = scorer

    def score_normalized(self, texts):
        return [dataclasses.replace(score, model_version=self.version) for score in self._scorer.score_normalized(texts)]


def test_rescore_adds_scores_from_the_current_model(tmp_path, server, tiny_scorer):
    db = tmp_path / "feeds.sqlite3"
    urls = [server.url("/rss2.xml"), server.url("/atom.xml")]
    score_feeds(urls, db=db, scorer=tiny_scorer, limits=LIMITS)
    result = score_feeds([], db=db, scorer=_NextModel(tiny_scorer), rescore=True)
    assert result.rescored == 5  # 3 + 2 scorable; the blank title stays unscored
    assert {r["score"]["model_version"] for r in result.records if r["score"]} == {_NextModel.version}
    with sqlite3.connect(db) as conn:
        versions = Counter(row[0] for row in conn.execute("SELECT model_version FROM scores"))
    assert versions == {tiny_scorer.version: 5, _NextModel.version: 5}  # old scores are kept
    assert score_feeds([], db=db, scorer=_NextModel(tiny_scorer), rescore=True).rescored == 0


def test_outputs_and_summary(tmp_path, server, tiny_scorer):
    import pyarrow.parquet as pq

    db = tmp_path / "feeds.sqlite3"
    urls = [server.url("/rss2.xml"), server.url("/atom.xml")]
    result = score_feeds(urls, db=db, scorer=tiny_scorer, limits=LIMITS, out=tmp_path / "out.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert lines == result.records and len(lines) == 6
    # Stored rows come back as item records: same keys, same order as the HTTP endpoint's.
    shape = list(item_record(FeedItem(title=""), feed_url=None, feed_title=None, score=None, skip_reason=None))
    assert all(list(record) == shape for record in result.records)
    score_feeds(urls, db=db, scorer=tiny_scorer, limits=LIMITS, out=tmp_path / "out.csv")
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert len(rows) == 6 and {"clickbait", "bias", "clickbait_label", "model_version"} <= set(rows[0])
    score_feeds(urls, db=db, scorer=tiny_scorer, limits=LIMITS, out=tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 6 and table.schema.field("clickbait").type == "double"

    summaries = {s["feed_title"]: s for s in result.summaries}
    courier = summaries["Harbour Town Courier"]
    scored = [r["score"] for r in result.records if r["feed_title"] == "Harbour Town Courier" and r["score"]]
    assert courier["items"] == 4 and courier["scored"] == 3
    assert courier["mean_clickbait"] == pytest.approx(sum(s["clickbait"] for s in scored) / 3, abs=1e-4)
    assert courier["share_clickbait"] == pytest.approx(sum(s["labels"]["clickbait"] for s in scored) / 3, abs=1e-4)
    top = sorted(scored, key=lambda s: s["clickbait"], reverse=True)
    assert courier["top_sensational"] == [s["text"] for s in top[:3]]
    assert "Harbour Town Courier" in format_summary(result.summaries)


def test_every_feed_failing_is_reported(tmp_path, server, tiny_scorer):
    result = score_feeds([server.url("/missing.xml"), server.url("/bomb.xml")], db=tmp_path / "db.sqlite3",
                         scorer=tiny_scorer, limits=LIMITS)
    assert result.all_failed and result.records == []


def test_feedparser_corpus_through_the_full_feed_path(tmp_path, tiny_scorer):
    """Every corpus file as a local feed source: items, an empty feed or an error record."""
    from model.paths import data_dir

    if not os.environ.get("HEADLINE_LENS_DATA"):
        pytest.skip("HEADLINE_LENS_DATA is unset: the feedparser test corpus lives in the public data directory")
    files = sorted((data_dir() / "feedparser_tests").rglob("*.xml"))
    if not files:
        pytest.skip("the data directory has no feedparser_tests corpus")
    result = score_feeds(files, db=tmp_path / "corpus.sqlite3", scorer=tiny_scorer)
    assert len(result.feeds) == len(files)
    statuses = Counter(report.status for report in result.feeds)
    assert all(report.error for report in result.feeds if report.status == FAILED)
    empty = sum(1 for report in result.feeds if report.status in (OK, RECOVERED) and not report.items_seen)
    scored = sum(1 for record in result.records if record["score"])
    skipped = Counter(record["skip_reason"] for record in result.records if record["skip_reason"])
    assert statuses[OK] > 1_500 and scored > 100
    print(
        f"corpus via score_feeds: {len(files)} feeds, statuses {dict(statuses)}, empty feeds {empty}, "
        f"items stored {len(result.records)}, scored {scored}, skipped {dict(skipped)}"
    )


def test_same_story_in_two_feeds_is_stored_in_both(tmp_path, tiny_scorer):
    paths = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.xml"
        path.write_bytes(rss(["Wire: parliament passes the budget", f"Only in {name}"], f"Feed {name}", name))
        paths.append(path)
    result = score_feeds(paths, db=tmp_path / "db.sqlite3", scorer=tiny_scorer)
    wire = [r for r in result.records if r["title"].startswith("Wire")]
    assert len(wire) == 2 and wire[0]["score"] == wire[1]["score"] is not None
    assert result.new_items == 4
