"""Security headers on every answer (API, dashboard, docs).

``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` (no page of idic may be framed:
clickjacking), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (URLs
holding customer ids do not leak to other sites). A header a route set itself is kept.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = ((b"x-frame-options", b"DENY"),
           (b"content-security-policy", b"frame-ancestors 'none'"),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"))


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in HEADERS if k not in have)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
