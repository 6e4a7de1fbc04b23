"""The private-address (SSRF) guard: every DNS answer and every redirect hop is checked."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from fixtures.feeds.feed_server import FeedServer

from service.feeds.fetch import Fetcher, FetchLimits
from service.feeds.ssrf import AddressGuard, BlockedAddressError, blocked_reason

LIMITS = FetchLimits(timeout_s=2.0, retries=0)


def fetch(url: str, guard: AddressGuard):
    async def go():
        async with Fetcher(LIMITS, guard=guard) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "private"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.100.100.200", "non-global"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:7f00:1::", "loopback"),
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    assert blocked_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_every_resolved_address_is_checked():
    with pytest.raises(BlockedAddressError, match="10.0.0.5"):
        AddressGuard().check("mixed.example", ["93.184.215.14", "10.0.0.5"])


def test_allowlist_by_host_and_by_network():
    AddressGuard(("feeds.internal",)).check("feeds.internal", ["10.0.0.5"])
    AddressGuard(("10.0.0.0/8",)).check("anything.example", ["10.9.9.9"])
    with pytest.raises(BlockedAddressError):
        AddressGuard(("10.0.0.0/8",)).check("anything.example", ["192.168.1.1"])


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/rss2.xml",
        "http://localhost:{port}/rss2.xml",  # a DNS name resolving to loopback
        "http://[::1]:{port}/rss2.xml",
        "http://10.0.0.1/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:{port}/rss2.xml",
    ],
)
def test_guarded_fetch_refuses_private_targets(server, url):
    server.add_file("/rss2.xml", "rss2.xml")
    port = server.base.rsplit(":", 1)[1]
    result = fetch(url.format(port=port), AddressGuard())
    assert result.kind == "blocked" and "refused" in result.error
    assert server.hits["/rss2.xml"] == 0  # the guard stops before any connection


def test_unguarded_fetch_reaches_loopback(server):
    # The library and CLI default: a user's own server on their own machine is fine.
    url = server.add_file("/rss2.xml", "rss2.xml")
    assert fetch(url, guard=None).error is None


def test_allowlisted_loopback_is_fetched(server):
    url = server.add_file("/rss2.xml", "rss2.xml")
    assert fetch(url, AddressGuard(("127.0.0.1",))).error is None


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/rss2.xml", "http://169.254.169.254/latest/meta-data/"])
def test_each_redirect_hop_is_checked(server, target):
    # The start host is allowlisted by name; the redirect goes to an address that is not.
    port = server.base.rsplit(":", 1)[1]
    server.add_file("/rss2.xml", "rss2.xml")
    server.add("/go", location=target.format(port=port))
    result = fetch(f"http://localhost:{port}/go", AddressGuard(("localhost",)))
    assert result.kind == "blocked"
    assert server.hits["/go"] == 1 and server.hits["/rss2.xml"] == 0
