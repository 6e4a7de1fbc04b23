"""``GET /feed`` over HTTP against a real ``bentoml serve``, read by clients nobody here wrote.

feedparser parses the answer (``bozo`` false) and polls it again with the ETag it got, as
a reader does; Debian's newsboat, where installed (``make test`` installs it as root),
subscribes to the rescored feed headless and stores its items. The feed server listens on
127.0.0.2, the one address the service allowlists, so the private-address guard stays on.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from urllib.parse import urlencode

import feedparser
import httpx
import pytest
from fixtures.feeds.feed_server import LAST_MODIFIED, FeedServer
from service_server import running_service

HOST = "127.0.0.2"


@pytest.fixture(scope="module")
def feeds():
    with FeedServer(host=HOST) as server:
        server.add_file("/rss2.xml", "rss2.xml", etag='"r1"', last_modified=LAST_MODIFIED)
        server.add_file("/atom.xml", "atom.xml", content_type="application/atom+xml", etag='"a1"')
        yield server


@pytest.fixture(scope="module")
def service(tiny_artifact, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("feed-endpoint")
    env = {"HEADLINE_LENS_FEED_ALLOW": HOST, "HEADLINE_LENS_FEED_DB": str(workdir / "feeds.sqlite3")}
    with running_service(tiny_artifact, workdir, env) as srv:
        yield srv


def feed_url(service, source: str, **options: str) -> str:
    return f"{service.url}/feed?{urlencode({'url': source, **options})}"


@pytest.mark.parametrize(("path", "version", "media"), [("/rss2.xml", "rss20", "rss"), ("/atom.xml", "atom10", "atom")])
def test_feedparser_parses_the_answer_cleanly(service, feeds, path, version, media):
    answer = httpx.get(feed_url(service, feeds.url(path)), timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(f"application/{media}+xml")
    assert answer.headers["etag"] and answer.headers["last-modified"]
    parsed = feedparser.parse(answer.content, response_headers=dict(answer.headers))
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == version and parsed.entries
    assert all(any(tag.term.startswith("clickbait:") for tag in entry.tags) for entry in parsed.entries if entry.title)


def test_a_second_poll_with_the_validators_gets_304(service, feeds):
    url = feed_url(service, feeds.url("/rss2.xml"), badge="true")
    first = httpx.get(url, timeout=30)
    assert first.status_code == 200
    by_etag = httpx.get(url, headers={"If-None-Match": first.headers["etag"]}, timeout=30)
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag.headers["etag"] == first.headers["etag"]
    by_date = httpx.get(url, headers={"If-Modified-Since": first.headers["last-modified"]}, timeout=30)
    assert by_date.status_code == 304
    stale = httpx.get(url, headers={"If-None-Match": '"not-this-one"'}, timeout=30)
    assert stale.status_code == 200 and stale.content == first.content


def test_feedparser_polls_it_like_a_reader(service, feeds):
    url = feed_url(service, feeds.url("/atom.xml"))
    first = feedparser.parse(url)
    assert first.bozo is False and first.status == 200 and first.etag
    again = feedparser.parse(url, etag=first.etag, modified=first.modified)
    assert again.status == 304 and not again.entries


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "169.254.169.254"])
def test_private_addresses_are_refused(service, feeds, host):
    port = feeds.base.rsplit(":", 1)[1]
    answer = httpx.get(feed_url(service, f"http://{host}:{port}/rss2.xml"), timeout=30)
    assert answer.status_code == 403 and "refused" in answer.json()["error"]


@pytest.mark.parametrize(
    "query",
    ["", "?url=file:///etc/passwd", "?url=https%3A%2F%2Fa.example%2Ff&max_bias=2", "?url=https://a.example/f?a=1&b=2"],
)
def test_bad_input_is_400_with_a_message(service, query):
    answer = httpx.get(f"{service.url}/feed{query}", timeout=30)
    assert answer.status_code == 400 and answer.json()["error"]


def test_newsboat_reads_the_rescored_feed(service, feeds, tmp_path):
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        print("SKIP reason: newsboat is not installed (make test installs it as root: apt-get install newsboat)")
        pytest.skip("newsboat is not installed; `make test` installs it as root (apt-get install newsboat)")
    url = feed_url(service, feeds.url("/rss2.xml"), badge="true")
    (tmp_path / "urls").write_text(url + "\n")
    (tmp_path / "config").write_text("")
    cache = tmp_path / "cache.db"
    command = [newsboat, "-u", str(tmp_path / "urls"), "-c", str(cache), "-C", str(tmp_path / "config")]
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TERM": "dumb"}
    # newsboat keeps a feed's ETag/Last-Modified from its second reload on, and sends them from the third.
    for _ in range(3):
        run = subprocess.run([*command, "-x", "reload"], env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    feed_lines = [line for line in service.log().splitlines() if "path=/feed," in line]
    assert "status=304" in feed_lines[-1], feed_lines[-3:]  # the third reload cost a 304, no document
    unread = subprocess.run([*command, "-x", "print-unread"], env=env, capture_output=True, text=True, timeout=60)
    assert unread.stdout.strip().startswith("4 unread"), unread.stdout
    with sqlite3.connect(cache) as db:
        titles = {row[0] for row in db.execute("SELECT title FROM rss_item")}
    served = feedparser.parse(httpx.get(url, timeout=30).content)
    # Every titled item, badge included, as the service wrote it (newsboat names the untitled one itself).
    assert {entry.title for entry in served.entries if entry.title} <= titles
    assert any(title.startswith("[") for title in titles)  # the tiny model flags some: badges reached the reader


def test_the_openapi_document_describes_the_endpoint(service):
    spec = httpx.get(f"{service.url}/docs.json", timeout=30).json()
    operation = spec["paths"]["/feed"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {"url", "format", "min_clickbait", "max_clickbait", "max_bias", "badge"}
    assert parameters["url"]["required"] is True
    assert {"200", "304", "400"} <= set(operation["responses"])
