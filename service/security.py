"""Access control in front of the scoring API: CORS, origin refusal, API keys, rate limits.

Each job is one ASGI middleware class, stacked by ``add_security_middleware`` in this order
(outermost first):

1. ``CORSMiddleware`` (Starlette's) answers preflights and labels responses for the configured
   origins only: extension origins such as ``chrome-extension://<id>`` / ``moz-extension://<uuid>``
   and any web origins. Nothing is allowed by default.
2. ``OriginGuardMiddleware`` refuses (403) requests whose ``Origin`` header is neither configured
   nor the service's own origin. CORS alone only stops a browser from *reading* an answer; the
   guard also stops a foreign page from making the server do the work.
3. ``APIKeyMiddleware`` answers 401 unless a configured key arrives in ``X-API-Key`` or
   ``Authorization: Bearer``; it is a no-op when no keys are configured.
4. ``RateLimitMiddleware`` answers 429 with ``Retry-After`` past N requests per minute per client
   (the API key when keys are configured, otherwise the client address).

Health probes and ``/metrics`` pass every check except CORS; the demo page (``/`` and its
assets) needs no key, but the ``/score`` calls it makes do.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse

from service.settings import SETTINGS, ConfigError, ServiceConfig

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

#: Probes and scrapers: no origin, key or rate-limit checks (they return no user data).
UNGUARDED_PATHS: tuple[str, ...] = ("/livez", "/healthz", "/readyz", "/metrics")
#: The demo page's assets live under this prefix; with "/" they are public (no data; its API calls are checked).
DEMO_ASSETS_PREFIX = "/demo/"
#: Headers a browser client may send cross-origin besides the CORS-safelisted ones.
ALLOWED_REQUEST_HEADERS: tuple[str, ...] = ("X-API-Key", "Authorization")
#: Where an authenticated client's identity (never the key itself) is left for the rate limiter.
CLIENT_STATE_KEY = "headline_lens_client"
#: Schemes a configured CORS origin may use.
ORIGIN_SCHEMES: tuple[str, ...] = ("http", "https", "chrome-extension", "moz-extension", "safari-web-extension")


def _is_unguarded(path: str) -> bool:
    return path in UNGUARDED_PATHS


def _is_public_page(path: str) -> bool:
    return path == "/" or path.startswith(DEMO_ASSETS_PREFIX)


def validate_origins(origins: Iterable[str]) -> tuple[str, ...]:
    """Check configured CORS origins (``scheme://host[:port]``) and return them without a trailing slash.

    Raises ``ConfigError`` naming the setting and the bad entry: a path, a wildcard or an unknown
    scheme would silently allow nothing (or everything), so they are refused at start-up.
    """
    where = f"setting cors_origins ({SETTINGS['cors_origins']})"
    checked = []
    for raw in origins:
        origin = raw.strip().rstrip("/")
        parts = urlsplit(origin)
        if "*" in origin:
            raise ConfigError(f"{where}: CORS origin {raw!r}: wildcards are not supported; list each origin")
        if parts.scheme not in ORIGIN_SCHEMES or not parts.netloc or parts.path or parts.query or parts.fragment:
            raise ConfigError(
                f"{where}: CORS origin {raw!r} must look like scheme://host[:port] "
                f"with scheme one of {', '.join(ORIGIN_SCHEMES)}"
            )
        checked.append(origin)
    return tuple(checked)


async def _send_json(scope: Scope, receive: Receive, send: Send, status: int, message: str, **headers: str) -> None:
    response = JSONResponse({"error": message}, status_code=status, headers=headers or None)
    await response(scope, receive, send)


class OriginGuardMiddleware:
    """Refuse (403) a request whose ``Origin`` is neither allowed nor the service's own.

    Requests without ``Origin`` (curl, servers, same-origin navigation) pass: CORS is about browsers.
    So do the service's own pages when it is reached by IP address or ``localhost``.
    """

    def __init__(self, app: ASGIApp, allow_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.allow_origins = frozenset(allow_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_unguarded(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or origin in self.allow_origins or self._same_origin(origin, headers):
            await self.app(scope, receive, send)
            return
        await _send_json(
            scope,
            receive,
            send,
            403,
            "origin not allowed: add it to HEADLINE_LENS_CORS_ORIGINS (see the README's CORS section)",
        )

    @staticmethod
    def _same_origin(origin: str, headers: Headers) -> bool:
        """The demo page served at "/" posts to /score from the service's own origin.

        Only the host:port is compared (a TLS-terminating proxy changes the scheme), and only for
        an IP address or ``localhost``: a host *name* may be an attacker's, re-pointed at this
        server by DNS rebinding, so the service's named origins must be configured like others.
        """
        parts = urlsplit(origin)
        if parts.netloc != headers.get("host"):
            return False
        hostname = parts.hostname or ""
        if hostname == "localhost":
            return True
        try:
            ipaddress.ip_address(hostname)
        except ValueError:
            return False
        return True


class APIKeyMiddleware:
    """Answer 401 unless the request carries one of the configured API keys.

    Keys are compared as SHA-256 digests with ``hmac.compare_digest``, so neither the content nor
    the length of a key leaks through timing. CORS preflights never get here: the CORS layer
    answers them, so browsers can ask before sending a key.
    """

    def __init__(self, app: ASGIApp, api_keys: Sequence[str] = ()) -> None:
        self.app = app
        self._digests = [hashlib.sha256(key.encode("utf-8")).digest() for key in api_keys]

    def _client_id(self, presented: str) -> str | None:
        digest = hashlib.sha256(presented.encode("utf-8")).digest()
        matched = None
        for index, known in enumerate(self._digests):
            # No early exit: every key is compared, whichever matches.
            if hmac.compare_digest(digest, known):
                matched = index
        return None if matched is None else f"key#{matched}"

    @staticmethod
    def presented_key(headers: Headers) -> str | None:
        """The key from ``X-API-Key``, or from ``Authorization: Bearer <key>``."""
        if (key := headers.get("x-api-key")) is not None:
            return key.strip()
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if not self._digests or scope["type"] != "http" or _is_unguarded(path) or _is_public_page(path):
            await self.app(scope, receive, send)
            return
        presented = self.presented_key(Headers(scope=scope))
        client = None if presented is None else self._client_id(presented)
        if client is None:
            reason = "missing API key" if presented is None else "invalid API key"
            await _send_json(
                scope,
                receive,
                send,
                401,
                f"{reason}: send it as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'",
                **{"WWW-Authenticate": 'Bearer realm="headline-lens"'},
            )
            return
        scope.setdefault("state", {})[CLIENT_STATE_KEY] = client
        await self.app(scope, receive, send)


class RateLimitMiddleware:
    """Answer 429 with ``Retry-After`` once a client sends more than ``per_minute`` requests in 60 s.

    The client is the API key identity left by ``APIKeyMiddleware``, else the peer address.
    Limits follow exposure: a request that carries no key and comes from a loopback address is
    the machine's owner (a local batch job, the extension on the same machine) and is never
    limited; keyed clients and every other address are. So a service on 127.0.0.1 does not
    refuse its owner's batch job, while one bound beyond loopback, or with API keys, is limited
    per client. The window is a moving one (``limits``' in-memory storage, which expires idle
    clients), so ``Retry-After`` is the number of seconds until the oldest counted request
    leaves it. Counts are per server worker process.
    """

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.per_minute = per_minute
        self._item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage()) if per_minute > 0 else None

    @staticmethod
    def client_of(scope: Scope) -> str:
        """The rate-limit identity of a request."""
        state: dict[str, Any] = scope.get("state") or {}
        if CLIENT_STATE_KEY in state:
            return state[CLIENT_STATE_KEY]
        client = scope.get("client")
        return f"addr:{client[0]}" if client else "addr:unknown"

    @staticmethod
    def is_local_owner(scope: Scope) -> bool:
        """A request without an API key identity from a loopback peer address."""
        if CLIENT_STATE_KEY in (scope.get("state") or {}):
            return False
        peer = scope.get("client")
        try:
            return bool(peer) and ipaddress.ip_address(peer[0]).is_loopback
        except ValueError:  # not an IP address (a Unix socket path): not provably local
            return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (self._limiter is None or scope["type"] != "http" or _is_unguarded(path) or _is_public_page(path)
                or self.is_local_owner(scope)):
            await self.app(scope, receive, send)
            return
        client = self.client_of(scope)
        if self._limiter.hit(self._item, client):
            await self.app(scope, receive, send)
            return
        reset_at, _ = self._limiter.get_window_stats(self._item, client)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        await _send_json(
            scope,
            receive,
            send,
            429,
            f"rate limit exceeded: {self.per_minute} requests per minute per client; retry in {retry_after} s",
            **{"Retry-After": str(retry_after)},
        )


def cors_options(origins: Sequence[str]) -> dict[str, Any]:
    """Keyword arguments of Starlette's ``CORSMiddleware`` for exactly ``origins``."""
    return {
        "allow_origins": list(origins),
        "allow_methods": ["GET", "POST", "OPTIONS"],
        "allow_headers": list(ALLOWED_REQUEST_HEADERS),
        "expose_headers": ["Retry-After"],
        # Chrome's Private Network Access preflight: a configured web origin may call a local backend.
        "allow_private_network": True,
        "max_age": 600,
    }


def add_security_middleware(service: Any, config: ServiceConfig) -> None:
    """Stack the access-control middleware on a BentoML service (``service.add_asgi_middleware``)."""
    origins = validate_origins(config.cors_origins)
    service.add_asgi_middleware(CORSMiddleware, **cors_options(origins))
    service.add_asgi_middleware(OriginGuardMiddleware, allow_origins=origins)
    service.add_asgi_middleware(APIKeyMiddleware, api_keys=list(config.api_keys))
    service.add_asgi_middleware(RateLimitMiddleware, per_minute=config.rate_limit_per_minute)

