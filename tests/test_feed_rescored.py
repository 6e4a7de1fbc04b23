"""The rescored feed (``GET /feed``'s logic and ``feeds export``), in-process, against a real local feed server.

The feed server listens on 127.0.0.2 and only that address is allowlisted, so the
private-address guard is live: 127.0.0.1 (the same kind of address, not allowlisted) is refused.
Scores come from the tiny real model; the output is read back with feedparser.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import feedparser
import pytest
from fixtures.feeds.feed_server import FEEDS, LAST_MODIFIED, FeedServer, rss

from model.cli import main
from model.labels import HEAD_NAMES
from service.feeds.api import FeedRequestError
from service.feeds.render import HL_NS, badge
from service.feeds.rescored import FeedOptions, parse_query, rescored_feed, stored_document
from service.feeds.store import FeedStore
from service.settings import ServiceConfig

HOST = "127.0.0.2"


@pytest.fixture
def feeds():
    with FeedServer(host=HOST) as server:
        server.add_file("/rss2.xml", "rss2.xml", etag='"v1"', last_modified=LAST_MODIFIED)
        server.add_file("/atom.xml", "atom.xml", content_type="application/atom+xml", etag='"a1"')
        yield server


@pytest.fixture
def config(tmp_path):
    return ServiceConfig(feed_allow_hosts=(HOST,), feed_db=str(tmp_path / "feeds.sqlite3"), feed_timeout_s=5.0)


@pytest.fixture
def score_texts(tiny_scorer):
    calls: list[list[str]] = []

    async def score(texts: list[str]) -> list:
        calls.append(list(texts))
        return tiny_scorer.score_normalized(texts)

    score.calls = calls
    return score


def poll(params: dict, score_texts, tiny_scorer, config):
    return asyncio.run(rescored_feed(params, score_texts, tiny_scorer.version, config))


def expected(tiny_scorer, title: str) -> dict:
    return tiny_scorer.score([title])[0].to_dict()


def test_rss_source_gives_valid_rss_with_scores_as_categories_and_hl_elements(feeds, config, score_texts, tiny_scorer):
    rendered = poll({"url": feeds.url("/rss2.xml")}, score_texts, tiny_scorer, config)
    assert rendered.media_type.startswith("application/rss+xml")
    parsed = feedparser.parse(rendered.body)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "rss20" and parsed.feed.title == "Harbour Town Courier"
    # The source's five items, the repeated one (same guid) once, in source order.
    titles = [entry.title for entry in parsed.entries]
    assert titles[:3] == [
        "You Won't Believe What Happened At The Harbour Festival",
        "Council approves budget for new ferry terminal",
        "Radical mayor's disastrous scheme threatens our way of life",
    ]
    assert len(titles) == 4
    first = parsed.entries[0]
    score = expected(tiny_scorer, titles[0])
    assert {tag.term for tag in first.tags} == {f"{head}:{score[head]:.2f}" for head in HEAD_NAMES}
    root = ET.fromstring(rendered.body)
    items = root.findall("./channel/item")
    assert float(items[0].find(f"{{{HL_NS}}}clickbait").text) == pytest.approx(score["clickbait"], abs=1e-4)
    assert items[0].find(f"{{{HL_NS}}}bias").get("label") == str(score["labels"]["bias"]).lower()
    assert items[3].find(f"{{{HL_NS}}}skipped").text.startswith("title is empty")  # kept, with the reason
    assert rendered.etag.startswith('"') and rendered.last_modified.tzinfo is not None


def test_atom_source_gives_valid_atom(feeds, config, score_texts, tiny_scorer):
    rendered = poll({"url": feeds.url("/atom.xml")}, score_texts, tiny_scorer, config)
    parsed = feedparser.parse(rendered.body)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [entry.id for entry in parsed.entries] == ["urn:uuid:valley-entry-1", "urn:uuid:valley-entry-2"]
    score = expected(tiny_scorer, parsed.entries[1].title)
    assert f"clickbait:{score['clickbait']:.2f}" in {tag.term for tag in parsed.entries[1].tags}


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_format_can_be_chosen(feeds, config, score_texts, tiny_scorer, kind):
    rendered = poll({"url": feeds.url("/atom.xml"), "format": kind}, score_texts, tiny_scorer, config)
    parsed = feedparser.parse(rendered.body)
    assert parsed.bozo is False and parsed.version == {"rss": "rss20", "atom": "atom10"}[kind]
    assert len(parsed.entries) == 2


def test_second_poll_is_conditional_toward_the_source_and_unchanged_for_the_reader(
    feeds, config, score_texts, tiny_scorer
):
    url = feeds.url("/rss2.xml")
    first = poll({"url": url}, score_texts, tiny_scorer, config)
    second = poll({"url": url}, score_texts, tiny_scorer, config)
    assert feeds.conditional_hits["/rss2.xml"] == 1  # the stored ETag went to the source, which said 304
    assert len(score_texts.calls) == 1  # nothing scored twice
    assert (second.body, second.etag, second.last_modified) == (first.body, first.etag, first.last_modified)
    assert second.unchanged_for({"if-none-match": first.etag})
    assert second.unchanged_for({"if-none-match": f'W/"x", {first.etag}'})
    assert not second.unchanged_for({"if-none-match": '"something-else"'})
    from email.utils import format_datetime

    assert second.unchanged_for({"if-modified-since": format_datetime(first.last_modified, usegmt=True)})
    assert not second.unchanged_for({"if-modified-since": "Thu, 01 Jan 1970 00:00:00 GMT"})


def test_a_changed_source_changes_the_feed_and_its_etag(feeds, config, score_texts, tiny_scorer):
    feeds.add("/live.xml", body=rss(["First story"], prefix="live"), etag='"1"')
    url = feeds.url("/live.xml")
    before = poll({"url": url}, score_texts, tiny_scorer, config)
    feeds.add("/live.xml", body=rss(["Second story", "First story"], prefix="live2"), etag='"2"')
    after = poll({"url": url}, score_texts, tiny_scorer, config)
    assert after.etag != before.etag and after.last_modified >= before.last_modified
    assert [entry.title for entry in feedparser.parse(after.body).entries] == ["Second story", "First story"]


def test_thresholds_drop_items_past_them(feeds, config, score_texts, tiny_scorer):
    url = feeds.url("/rss2.xml")
    everything = feedparser.parse(poll({"url": url}, score_texts, tiny_scorer, config).body).entries
    clickbait = {entry.title: expected(tiny_scorer, entry.title)["clickbait"] for entry in everything if entry.title}
    middle = sorted(clickbait.values())[len(clickbait) // 2]
    low = feedparser.parse(poll({"url": url, "max_clickbait": str(middle)}, score_texts, tiny_scorer, config).body)
    high = feedparser.parse(poll({"url": url, "min_clickbait": str(middle)}, score_texts, tiny_scorer, config).body)
    kept_low = {entry.title for entry in low.entries if entry.title}
    kept_high = {entry.title for entry in high.entries if entry.title}
    assert kept_low == {title for title, value in clickbait.items() if value <= middle}
    assert kept_high == {title for title, value in clickbait.items() if value >= middle}
    assert kept_low != kept_high
    assert any(not entry.title for entry in low.entries)  # unscored items pass every threshold
    bias = {title: expected(tiny_scorer, title)["bias"] for title in clickbait}
    lowest = min(bias.values())
    strict = feedparser.parse(poll({"url": url, "max_bias": str(lowest)}, score_texts, tiny_scorer, config).body)
    assert {entry.title for entry in strict.entries if entry.title} == {t for t, v in bias.items() if v <= lowest}


def test_badges_mark_flagged_titles(feeds, config, score_texts, tiny_scorer):
    url = feeds.url("/rss2.xml")
    plain = feedparser.parse(poll({"url": url}, score_texts, tiny_scorer, config).body).entries
    marked = feedparser.parse(poll({"url": url, "badge": "true"}, score_texts, tiny_scorer, config).body).entries
    for before, after in zip(plain, marked, strict=True):
        score = expected(tiny_scorer, before.title) if before.title.strip() else None
        assert after.title == badge(before.title, score)
    assert any(after.title.startswith("[") for after in marked)  # the tiny model flags some of these titles
    assert not any(before.title.startswith("[") for before in plain)


def test_badge_marker_names_each_flagged_head():
    score = {"clickbait": 0.912, "bias": 0.2, "labels": {"clickbait": True, "bias": False}}
    assert badge("Ten tricks", score) == "[clickbait 0.91] Ten tricks"
    both = {"clickbait": 0.9, "bias": 0.8, "labels": {"clickbait": True, "bias": True}}
    assert badge("Ten tricks", both) == "[clickbait 0.90] [bias 0.80] Ten tricks"
    assert badge("Calm news", {"clickbait": 0.1, "bias": 0.1, "labels": {"clickbait": False, "bias": False}}) == (
        "Calm news"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "url parameter is required"),
        ({"url": "ftp://example.org/feed"}, "http(s) URL"),
        ({"url": "hTTP://"}, "with a host"),
        ({"url": "https://a.example:port/f"}, "with a host"),
        ({"url": "https://a.example/f", "min_clickbait": "high"}, "number from 0 to 1"),
        ({"url": "https://a.example/f", "max_bias": "1.5"}, "number from 0 to 1"),
        ({"url": "https://a.example/f", "max_bias": "nan"}, "number from 0 to 1"),
        ({"url": "https://a.example/f", "min_clickbait": "0.8", "max_clickbait": "0.2"}, "no item could pass"),
        ({"url": "https://a.example/f", "badge": "maybe"}, "badge must be"),
        ({"url": "https://a.example/f", "format": "json"}, "format must be"),
        ({"url": "https://a.example/f?x=1", "page": "2"}, "percent-encode"),
    ],
)
def test_bad_queries_are_400_with_the_reason(params, message):
    with pytest.raises(FeedRequestError) as caught:
        parse_query(params)
    assert caught.value.status == 400 and message in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "169.254.169.254", "10.0.0.1"])
def test_private_addresses_are_refused(feeds, config, score_texts, tiny_scorer, host):
    port = feeds.base.rsplit(":", 1)[1]
    with pytest.raises(FeedRequestError) as caught:
        poll({"url": f"http://{host}:{port}/rss2.xml"}, score_texts, tiny_scorer, config)
    assert caught.value.status == 403 and "refused" in str(caught.value)
    assert feeds.hits["/rss2.xml"] == 0


def test_size_limit_and_non_feeds_are_refused(feeds, config, score_texts, tiny_scorer, tmp_path):
    feeds.add("/huge.xml", body=b"<rss>", stream_bytes=5_000_000)
    feeds.add_file("/not-a-feed.xml", "not_a_feed.xml")
    small = ServiceConfig(feed_allow_hosts=(HOST,), feed_db=str(tmp_path / "small.sqlite3"), feed_max_bytes=100_000)
    with pytest.raises(FeedRequestError) as too_large:
        poll({"url": feeds.url("/huge.xml")}, score_texts, tiny_scorer, small)
    assert too_large.value.status == 413
    with pytest.raises(FeedRequestError) as not_feed:
        poll({"url": feeds.url("/not-a-feed.xml")}, score_texts, tiny_scorer, config)
    assert not_feed.value.status == 422


def test_export_writes_what_the_endpoint_serves(feeds, config, score_texts, tiny_scorer, tmp_path):
    url = feeds.url("/atom.xml")
    served = poll({"url": url, "badge": "1", "format": "rss"}, score_texts, tiny_scorer, config)
    out = tmp_path / "export.xml"
    code = main(["feeds", "export", url, "--db", config.feed_db, "--format", "rss", "--badge", "--out", str(out)])
    assert code == 0
    assert out.read_bytes() == served.body
    with FeedStore(config.feed_db) as store:
        assert stored_document(store, [url], FeedOptions(format="rss", badge=True)).etag == served.etag


def test_export_of_every_stored_feed_and_its_errors(feeds, config, score_texts, tiny_scorer, tmp_path, capsys):
    poll({"url": feeds.url("/atom.xml")}, score_texts, tiny_scorer, config)
    poll({"url": feeds.url("/rss2.xml")}, score_texts, tiny_scorer, config)
    assert main(["feeds", "export", "--db", config.feed_db, "--format", "atom"]) == 0
    merged = feedparser.parse(capsys.readouterr().out.encode())
    assert merged.bozo is False and len(merged.entries) == 2 + 4
    assert main(["feeds", "export", "https://unknown.example/rss", "--db", config.feed_db]) == 1
    assert "nothing stored" in capsys.readouterr().err
    assert main(["feeds", "export", "--db", config.feed_db, "--max-bias", "2"]) == 2
    assert "max-bias must be a number from 0 to 1" in capsys.readouterr().err
    assert main(["feeds", str(FEEDS / "rss2.xml"), "--db", str(tmp_path / "x.db"), "--format", "rss"]) == 2
    assert "belongs to `feeds export`" in capsys.readouterr().err


def test_a_schema_1_database_gains_the_listing_table_and_keeps_its_scores(tmp_path, feeds, score_texts, tiny_scorer):
    import json
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema_version', '1');
            CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, title TEXT, etag TEXT,
                last_modified TEXT, last_status TEXT, http_status INTEGER, last_error TEXT, fetched_at TEXT);
            CREATE TABLE items (id INTEGER PRIMARY KEY, feed_id INTEGER NOT NULL REFERENCES feeds(id),
                dedup_key TEXT NOT NULL, guid TEXT, link TEXT, title TEXT NOT NULL, normalized_title TEXT NOT NULL,
                published TEXT, summary TEXT, skip_reason TEXT, first_seen TEXT NOT NULL, UNIQUE (feed_id, dedup_key));
            CREATE TABLE scores (item_id INTEGER NOT NULL REFERENCES items(id), model_version TEXT NOT NULL,
                clickbait REAL NOT NULL, bias REAL NOT NULL, result TEXT NOT NULL, scored_at TEXT NOT NULL,
                PRIMARY KEY (item_id, model_version));
            """
        )
        score = tiny_scorer.score(["Old story"])[0].to_dict()
        db.execute("INSERT INTO feeds (id, url, etag) VALUES (1, 'https://old.example/rss', '\"e\"')")
        db.execute("INSERT INTO items VALUES (1, 1, 'guid:o', 'o', NULL, 'Old story', 'Old story', NULL, NULL, NULL, "
                   "'2026-01-01T00:00:00+00:00')")
        db.execute("INSERT INTO scores VALUES (1, ?, ?, ?, ?, '2026-01-01T00:00:00+00:00')",
                   (score["model_version"], score["clickbait"], score["bias"], json.dumps(score)))
    with FeedStore(path) as store:
        assert store.snapshot("https://old.example/rss") is None
        assert store.feed_items("https://old.example/rss")[0]["score"] == score
    config = ServiceConfig(feed_allow_hosts=(HOST,), feed_db=str(path))
    rendered = poll({"url": feeds.url("/atom.xml")}, score_texts, tiny_scorer, config)
    assert feedparser.parse(rendered.body).bozo is False
