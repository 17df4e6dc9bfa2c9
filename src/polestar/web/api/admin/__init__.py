"""`/api/v1/admin/…`: users, organisations, roles, tokens and agreements, one router per noun.

Every route wants a token with the `admin` scope; what each role may then do is
`access.administration.RIGHTS` (administrators change, the data protection officer reads).
"""

from fastapi import APIRouter

from polestar.web.api.admin import agreements, organisations, tokens, users

router = APIRouter(prefix="/admin")
router.include_router(users.router)
router.include_router(organisations.router)
router.include_router(tokens.router)
router.include_router(agreements.router)
