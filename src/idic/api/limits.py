"""Request bodies: size limits enforced while the body streams in, and gzip inflation.

``Content-Length`` is not trusted (chunked uploads have none): the bytes are counted as they
arrive and the request is answered 413 as soon as it passes the route's limit, before it is
parsed or held in full. A gzip body is inflated incrementally under the same limit (no zip
bombs). Collection routes have ``max_body_bytes`` (Segment's own limit is 500 KB); every other
route ``max_request_bytes``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TooLarge(Exception):
    pass


async def _answer(send: Send, status: int, detail: str, hint: str | None = None) -> None:
    body = json.dumps({"detail": detail, "hint": hint}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: read the body under ``limit_for(path)`` bytes (raw and inflated)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope.get("headers") or [])
        too_big = f"request body above {limit} bytes"
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _answer(send, 413, too_big, "send smaller batches")
            return
        gz = headers.get(b"content-encoding", b"").strip().lower() == b"gzip"
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gz else None
        parts: list[bytes] = []
        size = raw = 0
        try:
            more = True
            while more:
                msg = await receive()
                if msg["type"] != "http.request":  # the client went away
                    return
                chunk = msg.get("body", b"")
                more = msg.get("more_body", False)
                raw += len(chunk)
                if raw > limit:
                    raise TooLarge
                if inflate is not None:
                    chunk = inflate.decompress(chunk, limit + 1 - size)
                    if inflate.unconsumed_tail:
                        raise TooLarge
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                parts.append(chunk)
            if inflate is not None and not inflate.eof:
                raise zlib.error("truncated gzip stream")
        except TooLarge:
            await _answer(send, 413, too_big + (" (inflated)" if gz else ""),
                          "send smaller batches")
            return
        except zlib.error:
            await _answer(send, 400, "the body is not valid gzip (Content-Encoding: gzip)")
            return
        body = b"".join(parts)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # (disconnect detection)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        if gz or declared is None:
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope["headers"]
                                if k not in (b"content-encoding", b"content-length",
                                             b"transfer-encoding")]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        await self.app(scope, replay, send)
