"""Server-rendered pages (Jinja2 + HTMX), one module per page or noun; `templates` is the one
template environment every page, the sign-in pages included, renders through."""

from fastapi import APIRouter

from polestar.web.pages import (
    administration,
    home,
    map,
    network,
    oversight,
    profiles,
    pwa,
    retention,
    review,
    search,
)
from polestar.web.pages.shell import templates

router = APIRouter(include_in_schema=False)
router.include_router(home.router)
router.include_router(pwa.router)
router.include_router(search.router)
router.include_router(profiles.router)
router.include_router(review.router)
router.include_router(retention.router)
router.include_router(oversight.router)
router.include_router(administration.router)
router.include_router(network.router)
router.include_router(map.router)

__all__ = ["router", "templates"]
