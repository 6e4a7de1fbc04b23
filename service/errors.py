"""Make BentoML's validation errors say what is wrong in their top-level ``error``.

BentoML answers a request that fails validation with ``400`` and
``{"error": "1 validation error for ScoreRequestIODescriptor", "detail": [...]}``; the
useful part (which field, which limit) is buried in ``detail``. This middleware puts it
in ``error`` too, e.g. ``"headlines: too many headlines: 300; the limit is 256 per request"``,
and keeps ``detail`` as it is.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def summarize(detail: list[dict[str, Any]]) -> str:
    """One line per validation error: ``field.path: message``."""
    parts = []
    for error in detail:
        where = ".".join(str(part) for part in error.get("loc") or [])
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


class ValidationMessageMiddleware:
    """Rewrite the ``error`` of 400 validation answers; everything else passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] == 400:
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = _rewrite(b"".join(chunks))
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def _rewrite(body: bytes) -> bytes:
    try:
        payload = json.loads(body)
    except ValueError:
        return body
    if isinstance(payload, dict) and isinstance(payload.get("detail"), list) and payload["detail"]:
        payload["error"] = summarize(payload["detail"])
        return json.dumps(payload).encode()
    return body
