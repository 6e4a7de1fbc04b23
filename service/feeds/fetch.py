"""Download feeds with httpx: bounded concurrency, limits, retries and conditional GET.

Every fetch ends in a :class:`FetchResult`; network trouble, limits and refusals are
recorded in ``error`` instead of raised, so one bad feed never stops a run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from service.feeds.ssrf import AddressGuard, BlockedAddressError, GuardedBackend

USER_AGENT = "headline-lens-feeds/0.1 (+https://github.com/headline-lens)"
ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class FetchLimits:
    """Limits of one feed download; the defaults suit a batch run over public feeds."""

    #: Seconds one attempt may take from connecting to the last byte.
    timeout_s: float = 20.0
    #: Largest body read (after gzip decoding), bytes.
    max_bytes: int = 10 * 1024 * 1024
    #: Redirects followed before giving up.
    max_redirects: int = 5
    #: Extra attempts after a timeout, a connection failure or a 5xx answer.
    retries: int = 2
    #: First pause between attempts, doubled each time, seconds.
    backoff_s: float = 0.5


@dataclass
class FetchResult:
    """The outcome of one download."""

    url: str
    status: int | None = None
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    #: With ``error``: "http" (an error status), "timeout", "too_large", "blocked" (address
    #: guard) or "network" (connection, redirects, bad URL or body).
    kind: str | None = None
    final_url: str | None = None

    @property
    def not_modified(self) -> bool:
        """The server answered 304: nothing changed since the stored ETag/Last-Modified."""
        return self.status == 304


class _TooLarge(Exception):
    pass


class _Retryable(Exception):
    pass


class Fetcher:
    """Fetches feeds concurrently; use as ``async with Fetcher(...) as fetcher``.

    ``guard`` (an :class:`AddressGuard`) refuses private and loopback addresses on every
    connection, redirects included; ``None`` lets a user fetch from their own network.
    """

    def __init__(self, limits: FetchLimits | None = None, guard: AddressGuard | None = None, concurrency: int = 8):
        self.limits = limits or FetchLimits()
        transport = httpx.AsyncHTTPTransport(retries=0)
        if guard is not None:
            # httpx takes no network backend, but its httpcore pool does (public httpcore
            # API): wrap the pool's backend so every dial, redirects included, is checked.
            pool = transport._pool
            pool._network_backend = GuardedBackend(pool._network_backend, guard)
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=True,
            max_redirects=self.limits.max_redirects,
            timeout=httpx.Timeout(self.limits.timeout_s),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
            trust_env=False,  # a proxy from the environment would bypass the address guard
        )
        self._slots = asyncio.Semaphore(concurrency)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """Download ``url``; send the stored validators so an unchanged feed answers 304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._slots:
            delay = self.limits.backoff_s
            for attempt in range(self.limits.retries + 1):
                try:
                    return await asyncio.wait_for(self._attempt(url, headers), self.limits.timeout_s)
                except _Retryable as exc:
                    result = exc.args[0]
                except (asyncio.TimeoutError, httpx.TimeoutException, httpx.TransportError) as exc:
                    result = _failure(url, exc, self.limits)
                    if isinstance(exc, httpx.UnsupportedProtocol):
                        return result
                except (BlockedAddressError, _TooLarge, httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                    # Refusals, limits, redirect loops, bad URLs, undecodable bodies: retrying won't help.
                    return _failure(url, exc, self.limits)
                if attempt < self.limits.retries:
                    await asyncio.sleep(delay)
                    delay *= 2
            return result

    async def _attempt(self, url: str, headers: dict[str, str]) -> FetchResult:
        async with self._client.stream("GET", url, headers=headers) as response:
            result = FetchResult(
                url=url,
                status=response.status_code,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                headers={k: v for k, v in response.headers.items() if k in ("content-type", "content-location")},
                final_url=str(response.url),
            )
            if response.status_code == 304:
                return result
            if response.status_code >= 400:
                result.error, result.kind = f"HTTP {response.status_code} {response.reason_phrase}".strip(), "http"
                if response.status_code >= 500:
                    raise _Retryable(result)
                return result
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.limits.max_bytes:
                raise _TooLarge(int(declared))
            chunks, size = [], 0
            # aiter_bytes decodes gzip/deflate; the limit applies to the decoded size, so a
            # small compressed bomb is stopped as soon as its output passes the limit.
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.limits.max_bytes:
                    raise _TooLarge(size)
                chunks.append(chunk)
            result.body = b"".join(chunks)
            return result


def is_web_url(text: str) -> bool:
    """True for an ``http``/``https`` URL (malformed URLs are not)."""
    try:
        return urlsplit(text).scheme.lower() in ("http", "https")
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def _failure(url: str, exc: BaseException, limits: FetchLimits) -> FetchResult:
    """A failed download with a one-line, user-facing reason and its kind (see ``FetchResult.kind``)."""
    if isinstance(exc, asyncio.TimeoutError | httpx.TimeoutException):
        return FetchResult(url, error=f"timed out after {limits.timeout_s:g} s", kind="timeout")
    if isinstance(exc, _TooLarge):
        return FetchResult(url, error=f"response larger than the limit of {limits.max_bytes} bytes", kind="too_large")
    if isinstance(exc, httpx.TooManyRedirects):
        return FetchResult(url, error=f"more than {limits.max_redirects} redirects", kind="network")
    if isinstance(exc, BlockedAddressError):
        return FetchResult(url, error=str(exc), kind="blocked")
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return FetchResult(url, error=text, kind="network")
