"""The JSON API under `/api/v1`, one router per noun."""

from fastapi import APIRouter

from polestar.web.api import (
    admin,
    audit,
    decisions,
    explanations,
    locations,
    map,
    network,
    persons,
    review,
    search,
    vehicles,
)
from polestar.web.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
router.include_router(persons.router)
router.include_router(vehicles.router)
router.include_router(locations.router)
router.include_router(audit.router)
router.include_router(review.router)
router.include_router(decisions.router)
router.include_router(explanations.router)
router.include_router(search.router)
router.include_router(admin.router)
router.include_router(network.router)
router.include_router(map.router)
