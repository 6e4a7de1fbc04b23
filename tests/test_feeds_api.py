"""``POST /score_feed`` over HTTP against a real ``bentoml serve``, with feeds on a local server.

The service applies the private-address guard; the tests' feed server is on 127.0.0.1, so
the service here allowlists the *name* ``localhost`` only: ``http://localhost:PORT`` may
be fetched, ``http://127.0.0.1:PORT`` (the same server, unnamed) is refused.
"""

from __future__ import annotations

import httpx
import pytest
from fixtures.feeds.feed_server import FEEDS, FeedServer
from service_server import running_service

MAX_BYTES = 200_000


@pytest.fixture(scope="module")
def feeds():
    with FeedServer() as running:
        running.add_file("/rss2.xml", "rss2.xml")
        running.add_file("/atom.xml", "atom.xml", gzip=True, content_type="application/atom+xml")
        running.add("/slow.xml", body=b"<rss/>", delay_s=4)
        running.add("/huge.xml", body=b"<rss>", stream_bytes=20_000_000)
        running.add("/hop", location=running.url("/rss2.xml"))  # localhost -> 127.0.0.1
        running.add("/to-metadata", location="http://169.254.169.254/latest/meta-data/")
        yield running


@pytest.fixture(scope="module")
def service(tiny_artifact, tmp_path_factory):
    env = {
        "HEADLINE_LENS_FEED_ALLOW": "localhost",
        "HEADLINE_LENS_FEED_TIMEOUT": "1.5",
        "HEADLINE_LENS_FEED_MAX_BYTES": str(MAX_BYTES),
    }
    with running_service(tiny_artifact, tmp_path_factory.mktemp("feeds-service"), env) as srv:
        yield srv


def post(service, body: dict) -> httpx.Response:
    return httpx.post(f"{service.url}/score_feed", json=body, timeout=30)


def local(feeds: FeedServer, path: str) -> str:
    return feeds.url(path).replace("127.0.0.1", "localhost")


def test_xml_body_is_scored_item_by_item(service, tiny_scorer):
    answer = post(service, {"xml": (FEEDS / "rss2.xml").read_text()})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["feed"] == {"url": None, "title": "Harbour Town Courier", "warning": None}
    items = body["items"]
    assert len(items) == 5  # every entry comes back, in feed order
    assert items[0]["score"] == tiny_scorer.score([items[0]["title"]])[0].to_dict()
    blank = items[3]
    assert blank["score"] is None and blank["skip_reason"] == "title is empty or whitespace-only (after normalisation)"


def test_url_on_an_allowlisted_host_is_fetched(service, feeds):
    answer = post(service, {"url": local(feeds, "/atom.xml")})
    assert answer.status_code == 200, answer.text
    assert [item["guid"] for item in answer.json()["items"]] == ["urn:uuid:valley-entry-1", "urn:uuid:valley-entry-2"]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/rss2.xml", "http://[::1]:{port}/rss2.xml", "http://10.0.0.1/feed.xml",
     "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:{port}/rss2.xml"],
)
def test_private_addresses_are_refused(service, feeds, url):
    before = feeds.hits["/rss2.xml"]
    answer = post(service, {"url": url.format(port=feeds.base.rsplit(":", 1)[1])})
    assert answer.status_code == 403 and "refused" in answer.json()["error"]
    assert feeds.hits["/rss2.xml"] == before


@pytest.mark.parametrize("path", ["/hop", "/to-metadata"])
def test_redirects_to_private_addresses_are_refused(service, feeds, path):
    before = feeds.hits["/rss2.xml"]
    answer = post(service, {"url": local(feeds, path)})
    assert answer.status_code == 403, answer.text
    assert feeds.hits["/rss2.xml"] == before


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 400, "exactly one"),
        ({"url": "http://localhost/x", "xml": "<rss/>"}, 400, "exactly one"),
        ({"url": "file:///etc/passwd"}, 400, "http(s)"),
        ({"url": "http://[::1"}, 400, "http(s)"),
        ({"xml": "x" * (MAX_BYTES + 1)}, 413, "limit"),
        ({"xml": "<rss><channel><title>&bad; <"}, 422, "malformed"),
        ({"xml": ""}, 422, "empty"),
    ],
)
def test_bad_requests_get_a_clear_status(service, body, status, words):
    answer = post(service, body)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]


@pytest.mark.parametrize("body", [{"url": 5}, {"xml": ["<rss/>"]}, {"feed": "x"}])
def test_wrong_types_are_rejected(service, body):
    assert post(service, body).status_code == 400


@pytest.mark.parametrize("name", ["entity_bomb.xml", "xxe.xml"])
def test_entity_payloads_are_refused_not_expanded(service, name):
    answer = post(service, {"xml": (FEEDS / name).read_text()})
    assert answer.status_code == 422 and "refused" in answer.json()["error"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [("/missing.xml", 502, "HTTP 404"), ("/slow.xml", 504, "timed out"), ("/huge.xml", 413, "limit")],
)
def test_upstream_failures_map_to_statuses(service, feeds, path, status, words):
    answer = post(service, {"url": local(feeds, path)})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]


def test_service_keeps_answering_after_failures(service):
    assert httpx.get(f"{service.url}/readyz", timeout=5).status_code == 200


def test_cli_path_can_score_through_the_service(service, feeds, tiny_scorer, tmp_path):
    from service.feeds.run import score_feeds
    from service.feeds.scorers import RemoteScorer

    remote = RemoteScorer(service.url, batch_size=2)  # several requests per feed
    try:
        result = score_feeds([feeds.url("/rss2.xml")], db=tmp_path / "db.sqlite3", scorer=remote)
        assert remote.version == tiny_scorer.version
        assert score_feeds([], db=tmp_path / "db.sqlite3", scorer=remote, rescore=True).rescored == 0
    finally:
        remote.close()
    scored = [record for record in result.records if record["score"]]
    assert len(scored) == 3
    assert [r["score"] for r in scored] == [s.to_dict() for s in tiny_scorer.score([r["title"] for r in scored])]


def test_unreachable_scoring_service_fails_the_feeds_not_the_run(feeds, tmp_path):
    from service.feeds.run import FAILED, score_feeds
    from service.feeds.scorers import RemoteScorer

    result = score_feeds([feeds.url("/rss2.xml")], db=tmp_path / "db.sqlite3", scorer=RemoteScorer("http://127.0.0.1:9"))
    assert result.feeds[0].status == FAILED and "scoring failed" in result.feeds[0].error
    assert result.records == []  # nothing half-stored: the items come back on the next run
