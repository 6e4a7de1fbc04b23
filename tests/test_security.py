"""CORS, origin refusal, API keys and rate limits, on the real service over loopback."""

from __future__ import annotations

import httpx
import pytest
from service_server import running_service

from service.security import validate_origins
from service.settings import ConfigError

EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
FIREFOX = "moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
WEB = "https://news.example"
#: One key per concern, so the rate-limit budget of one test never spends another's.
KEYS = {"cors": "k-cors-7f3a", "auth": "k-auth-91bd", "limit_a": "k-limit-a-22", "limit_b": "k-limit-b-58"}
LIMIT = 4
BODY = {"headlines": ["Oil prices fall as inventories rise"]}


@pytest.fixture(scope="module")
def guarded(tiny_artifact, tmp_path_factory):
    """A server with extension and web origins, four API keys and a small rate limit."""
    env = {
        "HEADLINE_LENS_CORS_ORIGINS": f"{EXTENSION},{FIREFOX},{WEB}",
        "HEADLINE_LENS_API_KEYS": ",".join(KEYS.values()),
        "HEADLINE_LENS_RATE_LIMIT": str(LIMIT),
    }
    with running_service(tiny_artifact, tmp_path_factory.mktemp("guarded"), env) as server:
        yield server


@pytest.fixture(scope="module")
def open_server(tiny_artifact, tmp_path_factory):
    """A server with the defaults for CORS and keys (none), and a small rate limit by address."""
    with running_service(tiny_artifact, tmp_path_factory.mktemp("open"), {"HEADLINE_LENS_RATE_LIMIT": "3"}) as server:
        yield server


def _score(server, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/score", json=BODY, headers=headers, timeout=30)


def _preflight(server, origin: str, headers: str = "content-type,x-api-key") -> httpx.Response:
    return httpx.options(
        f"{server.url}/score",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": headers},
        timeout=10,
    )


# --- CORS -----------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [EXTENSION, FIREFOX, WEB])
def test_configured_origins_get_cors_headers(guarded, origin):
    response = _score(guarded, {"Origin": origin, "X-API-Key": KEYS["cors"]})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "Origin" in response.headers["vary"]


@pytest.mark.parametrize("origin", ["https://evil.example", "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba", "null"])
def test_other_origins_are_refused(guarded, origin):
    response = _score(guarded, {"Origin": origin, "X-API-Key": KEYS["cors"]})
    assert response.status_code == 403
    assert "HEADLINE_LENS_CORS_ORIGINS" in response.json()["error"]
    assert "access-control-allow-origin" not in response.headers


def test_preflight_works_without_a_key(guarded):
    response = _preflight(guarded, EXTENSION)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == EXTENSION
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "x-api-key" in allowed and "authorization" in allowed


def test_preflight_from_another_origin_is_not_allowed(guarded):
    response = _preflight(guarded, "https://evil.example")
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_nothing_is_allowed_by_default(open_server):
    assert _preflight(open_server, EXTENSION).status_code == 400
    refused = _score(open_server, {"Origin": EXTENSION})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_the_services_own_origin_and_origin_less_clients_pass(open_server):
    # The demo page posts from the service's own origin; curl and servers send no Origin.
    assert _score(open_server, {"Origin": open_server.url}).status_code == 200
    port = open_server.url.rsplit(":", 1)[1]
    assert _score(open_server, {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"}).status_code == 200


def test_a_rebound_host_name_is_not_the_services_own_origin(open_server):
    # DNS rebinding: a page on attacker.example, re-pointed at 127.0.0.1, is same-origin with
    # itself; only configured origins and IP/localhost hosts count as the service's own.
    port = open_server.url.rsplit(":", 1)[1]
    rebound = f"attacker.example:{port}"
    response = _score(open_server, {"Origin": f"http://{rebound}", "Host": rebound})
    assert response.status_code == 403


def test_bad_origin_settings_are_refused_at_start():
    assert validate_origins([f"{EXTENSION}/", WEB]) == (EXTENSION, WEB)
    for bad in ["*", "https://*.example", "news.example", "https://news.example/path", "ftp://news.example"]:
        with pytest.raises(ConfigError, match="HEADLINE_LENS_CORS_ORIGINS"):
            validate_origins([bad])


# --- API keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "k-auth-91bX"}, {"X-API-Key": ""}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic k-auth-91bd"}],
)
def test_requests_without_a_valid_key_get_401(guarded, headers):
    response = _score(guarded, headers)
    assert response.status_code == 401
    assert "API key" in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers", [{"X-API-Key": KEYS["auth"]}, {"Authorization": f"Bearer {KEYS['auth']}"}, {"authorization": f"bearer {KEYS['auth']}"}]
)
def test_a_valid_key_is_accepted(guarded, headers):
    response = _score(guarded, headers)
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == BODY["headlines"][0]


def test_model_info_needs_a_key_but_probes_and_the_demo_page_do_not(guarded):
    assert httpx.get(f"{guarded.url}/model", timeout=10).status_code == 401
    for path in ("/livez", "/readyz", "/metrics", "/", "/demo/demo.js"):
        assert httpx.get(f"{guarded.url}{path}", timeout=10).status_code == 200, path


def test_a_401_still_carries_cors_headers_for_an_allowed_origin(guarded):
    # So the extension or a web client can read why it was refused.
    response = _score(guarded, {"Origin": WEB})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == WEB


# --- rate limit -------------------------------------------------------------------------------


def _spend(server, headers: dict[str, str], budget: int) -> list[int]:
    """Send ``budget`` requests (a bounded loop) and return their status codes."""
    return [_score(server, headers).status_code for _ in range(budget)]


def test_rate_limit_per_key_answers_429_with_retry_after(guarded):
    statuses = _spend(guarded, {"X-API-Key": KEYS["limit_a"]}, LIMIT + 1)
    assert statuses == [200] * LIMIT + [429]
    response = _score(guarded, {"X-API-Key": KEYS["limit_a"], "Origin": EXTENSION})
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "rate limit" in response.json()["error"]
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()
    # Another key from the same address has its own budget; probes are never limited.
    assert _score(guarded, {"X-API-Key": KEYS["limit_b"]}).status_code == 200
    assert httpx.get(f"{guarded.url}/livez", timeout=10).status_code == 200


def test_the_local_owner_is_not_rate_limited_without_keys(open_server):
    # A service on loopback without API keys must not refuse its owner's batch job.
    assert _spend(open_server, {}, 8) == [200] * 8


def _asgi_statuses(peer: str, requests: int, per_minute: int = 3, key: str | None = None) -> list[int]:
    """Drive ``RateLimitMiddleware`` directly with a given peer address (and key identity)."""
    import asyncio

    from service.security import CLIENT_STATE_KEY, RateLimitMiddleware

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    middleware = RateLimitMiddleware(app, per_minute=per_minute)

    async def one() -> int:
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        state = {CLIENT_STATE_KEY: f"key:{key}"} if key else {}
        scope = {"type": "http", "path": "/score", "method": "POST", "headers": [], "client": (peer, 5000),
                 "state": state}
        await middleware(scope, receive, send)
        return sent[0]["status"]

    async def run() -> list[int]:
        return [await one() for _ in range(requests)]

    return asyncio.run(run())


def test_rate_limit_by_address_beyond_loopback():
    assert _asgi_statuses("203.0.113.7", 5) == [200, 200, 200, 429, 429]
    assert _asgi_statuses("2001:db8::7", 4) == [200, 200, 200, 429]
    assert _asgi_statuses("127.0.0.1", 5) == [200] * 5
    assert _asgi_statuses("::1", 5) == [200] * 5


def test_keyed_clients_are_limited_even_on_loopback():
    assert _asgi_statuses("127.0.0.1", 4, key="k1") == [200, 200, 200, 429]
