"""The page shell every template extends (`base.html`): who is signed in, for which
organisation and purpose, and the navigation their roles allow.

The session dependencies (`web/sessions.py`) set `request.state.viewer` and the shell reads
it, or the session itself on pages anyone may open (home, errors), so every page a signed-in
user sees carries the same header. Navigation lists only pages that exist
in this app and that the viewer's roles may use (`access.roles.Ability`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.routing import Match

from polestar.access import Viewer
from polestar.access.roles import Ability, abilities
from polestar.linkage.grounds import GROUNDS
from polestar.pole.times import wall_clock
from polestar.web.privacy import CACHEABLE_PATHS
from polestar.web.sessions import SIGN_IN

SIGN_OUT = "/sign-out"


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    ability: Ability | None = None


# In the order the header shows them; a page another module adds appears once it is routed.
NAVIGATION = (
    NavItem("Search", "/search"),
    NavItem("Map", "/map"),
    NavItem("Review queue", "/review", Ability.REVIEW),
    NavItem("Retention", "/retention", Ability.RETENTION),
    NavItem("Oversight", "/oversight", Ability.OVERSIGHT),
    NavItem("Administration", "/admin", Ability.READ_ADMINISTRATION),
)


def _routed(request: Request, path: str, method: str = "GET") -> bool:
    """Whether the app answers `method path` (routers may nest, so ask each route)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def navigation(request: Request, viewer: Viewer) -> list[NavItem]:
    """The pages `viewer` may use that this app serves."""
    allowed = abilities(viewer.roles)
    return [
        item
        for item in NAVIGATION
        if (item.ability is None or item.ability in allowed) and _routed(request, item.path)
    ]


def _shell(request: Request) -> dict[str, Any]:
    if request.url.path in CACHEABLE_PATHS:
        # A page the service worker keeps must not keep who was signed in, nor their token.
        return {"viewer": None, "nav": [], "sign_in": None, "sign_out": None, "csrf_token": None}
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    session = getattr(request.state, "session", None)
    if viewer is None and session is not None:  # a page anyone may see, seen signed in
        viewer = session.viewer()
    return {
        "viewer": viewer,
        "nav": navigation(request, viewer) if viewer else [],
        # Offered to a visitor on every page but its own: the home page is open to anyone.
        "sign_in": SIGN_IN
        if viewer is None and request.url.path != SIGN_IN and _routed(request, SIGN_IN)
        else None,
        "sign_out": SIGN_OUT if _routed(request, SIGN_OUT, "POST") else None,
        "csrf_token": getattr(request.state, "csrf_token", None),
    }


templates = Jinja2Templates(
    directory=Path(__file__).parent.with_name("templates"), context_processors=[_shell]
)


templates.env.filters["london"] = wall_clock
# Why a review item was queued, in words (a profile's records under review say it).
templates.env.globals["grounds"] = GROUNDS
