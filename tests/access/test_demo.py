"""The demo's users: one per role and organisation that makes sense, each with a working token."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from polestar.access import authenticate, list_agreements, list_users, scope_for
from polestar.access.demo import DEMO_USERS, demo_users
from polestar.access.roles import ROLES
from polestar.settings import Settings
from tests.access.conftest import NOW

ACTOR = "cli:test"

# A purpose every demo user of the organisation may state.
PURPOSES = {
    "home-force": "safeguarding",
    "neighbour-force": "wanted-check",
    "fire": "fire-safety",
    "cps": "prosecution",
    "courts": "court-listing",
    "probation": "offender-management",
}


def test_demo_users_cover_every_home_force_role_and_every_partner(
    db: Engine, settings: Settings
) -> None:
    demo_users(db, NOW, actor=ACTOR, settings=settings)
    users = list_users(db)
    home_roles = {
        role for user in users if user.organisation == "home-force" for role in user.roles
    }
    assert home_roles == set(ROLES) - {"partner-caseworker"}
    assert {user.organisation for user in users} == {
        "home-force",
        "neighbour-force",
        "fire",
        "cps",
        "courts",
        "probation",
    }
    assert len(list_agreements(db)) == 6


def test_every_demo_token_authenticates_and_reaches_a_scope(db: Engine, settings: Settings) -> None:
    tokens = demo_users(db, NOW, actor=ACTOR, settings=settings)
    assert [token.username for token in tokens] == [demo.username for demo in DEMO_USERS]
    for token in tokens:
        principal = authenticate(db, token.token, NOW)
        viewer = principal.viewer(PURPOSES[principal.organisation], "demo")
        assert scope_for(db, viewer, NOW).grants, token.username


def test_running_the_demo_again_keeps_its_users_and_makes_new_tokens(
    db: Engine, settings: Settings
) -> None:
    first = demo_users(db, NOW, actor=ACTOR, settings=settings)
    second = demo_users(db, NOW, actor=ACTOR, settings=settings)
    assert len(list_users(db)) == len(DEMO_USERS)
    assert {t.token for t in first}.isdisjoint({t.token for t in second})
    authenticate(db, first[0].token, NOW)
