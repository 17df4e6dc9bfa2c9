"""The installable app: its manifest, its service worker (served from `/` so it may control
every page) and the offline page it shows when the network is gone. None of these carry
personal data, so they are the only responses besides static files a browser may keep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from polestar.web.pages.shell import templates

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent.with_name("static")

MANIFEST: dict[str, Any] = {
    "name": "Polestar",
    "short_name": "Polestar",
    "description": "People, objects, locations and events, joined up for a stated purpose.",
    "start_url": "/search",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#12284c",
    "icons": [
        {"src": "/static/icons/polestar-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/polestar-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icons/polestar-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": "/static/icons/polestar.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}


@router.get("/manifest.webmanifest")
def manifest() -> JSONResponse:
    return JSONResponse(MANIFEST, media_type="application/manifest+json")


@router.get("/sw.js")
def service_worker() -> FileResponse:
    return FileResponse(STATIC / "sw.js", media_type="text/javascript")


@router.get("/offline", response_class=HTMLResponse)
def offline(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "offline.html")
