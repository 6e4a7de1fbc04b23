"""Make BentoML's validation errors say what is wrong in their top-level ``error``.

BentoML answers a request that fails validation with ``400`` and
``{"error": "1 validation error for ScoreRequestIODescriptor", "detail": [...]}``; the
useful part (which field, which limit) is buried in ``detail``, a list, although BentoML's
own OpenAPI spec documents ``detail`` as a string. This middleware puts the summary in
``error``, e.g. ``"headlines: too many headlines: 300; the limit is 256 per request"``, and
turns ``detail`` into the documented string: one ``field: message`` line per error.

Two more gaps between BentoML's answers and its spec are closed here too: a form or
multipart body (BentoML fails on it with a 500) gets a 400 saying the body must be JSON,
and ``/docs.json`` marks every request body as required (BentoML leaves that out, although
an endpoint without a body answers 400).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def summarize(detail: list[dict[str, Any]], separator: str = "; ") -> str:
    """Each validation error as ``field.path: message``, joined by ``separator``."""
    parts = []
    for error in detail:
        where = ".".join(str(part) for part in error.get("loc") or [])
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return separator.join(parts)


#: Body types BentoML would parse as a form; every endpoint of this service takes JSON.
_FORM_TYPES = (b"multipart/form-data", b"application/x-www-form-urlencoded")


class ValidationMessageMiddleware:
    """Rewrite 400 validation answers and ``/docs.json`` as described above; the rest passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "POST":
            content_type = dict(scope.get("headers") or []).get(b"content-type", b"").lower()
            if content_type.startswith(_FORM_TYPES):
                media_type = content_type.split(b";")[0].decode("latin-1")
                error = {"error": f"the request body must be JSON (Content-Type: application/json), not {media_type}"}
                await JSONResponse(error, status_code=400)(scope, receive, send)
                return
            await self._rewritten(scope, receive, send, 400, _rewrite)
        elif scope.get("method") == "GET" and scope.get("path") == "/docs.json":
            await self._rewritten(scope, receive, send, 200, _require_request_bodies)
        else:
            await self.app(scope, receive, send)

    async def _rewritten(
        self, scope: Scope, receive: Receive, send: Send, status: int, rewrite: Callable[[bytes], bytes]
    ) -> None:
        """Pass the answer through ``rewrite`` when it has ``status``."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] == status:
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = rewrite(b"".join(chunks))
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
        payload["detail"] = summarize(payload["detail"], separator="\n")
        return json.dumps(payload).encode()
    return body


#: Answers BentoML's spec leaves out: the access checks' (any operation), and each endpoint's own.
_EXTRA_STATUSES = {
    "*": {401: "Unauthorized (API key)", 403: "Forbidden (origin)", 429: "Too Many Requests"},
    "/feedback": {503: "Feedback database locked or read-only"},
    "/score_feed": {413: "Feed too large", 422: "Not a usable feed", 502: "Feed fetch failed", 504: "Feed timeout"},
}
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
}


def _require_request_bodies(body: bytes) -> bytes:
    """Mark request bodies required and add the undocumented error statuses."""
    try:
        spec = json.loads(body)
    except ValueError:
        return body
    for path, operations in (spec.get("paths") or {}).items():
        extra = {**_EXTRA_STATUSES["*"], **_EXTRA_STATUSES.get(path, {})}
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
            for status, description in extra.items():
                operation["responses"].setdefault(
                    str(status), {"description": description, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
                )
    return json.dumps(spec).encode()
