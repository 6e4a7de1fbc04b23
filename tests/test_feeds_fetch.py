"""Feed downloads against a real HTTP server on 127.0.0.1: limits, retries, gzip, conditional GET."""

from __future__ import annotations

import asyncio

import pytest
from fixtures.feeds.feed_server import LAST_MODIFIED, FeedServer, Route

from service.feeds.fetch import Fetcher, FetchLimits

FAST = FetchLimits(timeout_s=1.0, max_bytes=200_000, max_redirects=3, retries=0, backoff_s=0.01)


def fetch(url: str, limits: FetchLimits = FAST, **validators):
    async def go():
        async with Fetcher(limits) as fetcher:
            return await fetcher.fetch(url, **validators)

    return asyncio.run(go())


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def test_plain_and_gzip_bodies_are_identical(server):
    plain = fetch(server.add_file("/plain.xml", "rss2.xml"))
    zipped = fetch(server.add_file("/zipped.xml", "rss2.xml", gzip=True))
    assert plain.error is None and zipped.error is None
    assert plain.body == zipped.body and b"Harbour Town Courier" in plain.body
    assert zipped.headers["content-type"] == "application/rss+xml"


def test_404_is_an_error_without_retries(server):
    result = fetch(server.url("/nowhere"), FetchLimits(retries=2, backoff_s=0.01))
    assert result.status == 404 and result.error == "HTTP 404 Not Found" and result.kind == "http"
    assert server.hits["/nowhere"] == 1


def test_5xx_is_retried_with_backoff_then_succeeds(server):
    url = server.add("/flaky", Route(body=b"<rss/>", fail_first=2))
    result = fetch(url, FetchLimits(retries=2, backoff_s=0.01))
    assert result.error is None and result.body == b"<rss/>"
    assert server.hits["/flaky"] == 3


def test_5xx_gives_up_after_the_retries(server):
    url = server.add("/down", status=503)
    result = fetch(url, FetchLimits(retries=1, backoff_s=0.01))
    assert result.status == 503 and result.error.startswith("HTTP 503")
    assert server.hits["/down"] == 2


def test_slow_response_times_out_and_is_retried(server):
    url = server.add("/slow", body=b"<rss/>", delay_s=3)
    result = fetch(url, FetchLimits(timeout_s=0.5, retries=1, backoff_s=0.01))
    assert result.kind == "timeout" and result.error == "timed out after 0.5 s"
    assert server.hits["/slow"] == 2


def test_huge_streamed_response_is_cut_at_the_limit(server):
    url = server.add("/huge", body=b"<rss>", stream_bytes=100_000_000)
    result = fetch(url)
    assert result.kind == "too_large" and result.body is None
    assert "200000 bytes" in result.error


def test_declared_length_over_the_limit_is_refused_before_reading(server):
    url = server.add("/big", body=b"x" * 300_000)
    assert fetch(url).kind == "too_large"


def test_gzip_bomb_is_cut_at_the_decoded_limit(server):
    url = server.add("/bomb.gz", body=b"\0" * 50_000_000, gzip=True)  # ~50 kB on the wire
    assert fetch(url).kind == "too_large"


def test_conditional_get_answers_304(server):
    url = server.add_file("/cond.xml", "rss2.xml", etag='"abc"', last_modified=LAST_MODIFIED)
    first = fetch(url)
    assert first.etag == '"abc"' and first.last_modified == LAST_MODIFIED
    assert fetch(url, etag=first.etag).not_modified
    assert fetch(url, last_modified=first.last_modified).not_modified
    assert fetch(url, etag='"old"').status == 200
    assert server.conditional_hits["/cond.xml"] == 2


def test_redirects_are_followed_up_to_the_limit(server):
    target = server.add_file("/final.xml", "atom.xml")
    hop = server.add("/hop1", location=target)
    result = fetch(server.add("/hop0", location=hop))
    assert result.error is None and result.final_url == target
    loop = server.add("/loop", location="/loop")
    assert "redirects" in fetch(loop).error


def test_unreachable_host_is_an_error(server):
    result = fetch("http://127.0.0.1:9/feed.xml", FetchLimits(retries=0))  # the discard port: nothing listens
    assert result.kind == "network" and result.error


def test_concurrency_is_bounded(server):
    urls = [server.add(f"/f{i}", body=b"<rss/>", delay_s=0.2) for i in range(6)]

    async def go():
        async with Fetcher(FetchLimits(timeout_s=5, retries=0), concurrency=2) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    assert all(result.error is None for result in asyncio.run(go()))
    assert server.max_in_flight == 2


@pytest.mark.parametrize("url", ["http://[::1", "http://", "http://exa\x00mple/", "http://no-such-host.invalid/feed"])
def test_bad_urls_are_errors_not_exceptions(url):
    result = fetch(url)
    assert result.kind == "network" and result.error and result.body is None
