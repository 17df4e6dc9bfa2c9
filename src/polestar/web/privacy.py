"""Keeping personal data out of caches and logs at the edge (CONVENTIONS.md, HTTP API).

Every response is `Cache-Control: no-store`, errors included, except the few that can never
hold personal data: static files and the installable app's shell (manifest, service worker,
offline page). Listing what may be kept, rather than what may not, means a new page is safe
before anyone thinks about it. The access log never records a
query string: Polestar never puts personal data in one, and a client that does anyway must not
leave it in the server's logs. Paths carry ids only (`PER-…`, `SOURCE:KEY`, user names).
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api/"
# Paths a browser or the service worker may keep: they never carry personal data.
CACHEABLE_PREFIXES = ("/static/",)
CACHEABLE_PATHS = frozenset({"/sw.js", "/manifest.webmanifest", "/offline"})


class NoStore:
    """ASGI middleware: `Cache-Control: no-store` on every response but the cacheable ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or path in CACHEABLE_PATHS
            or path.startswith(CACHEABLE_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"cache-control"
                ]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        await self.app(scope, receive, send_no_store)


class WithoutQuery(logging.Filter):
    """Drops the query string from uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def quiet_logs() -> None:
    """Install the access-log filter once (the app factory may run more than once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutQuery) for f in access.filters):
        access.addFilter(WithoutQuery())
