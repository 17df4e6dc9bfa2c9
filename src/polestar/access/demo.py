"""The demo's people: one user per role and organisation that makes sense, each with a token.

`polestar demo users` (and `make demo`) runs this. Home-force staff hold every home-force role;
each partner has a caseworker, and the neighbouring force an officer. Tokens are made at run
time and printed once, never committed anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from polestar.access.agreements import load_agreements
from polestar.access.roles import UserRole
from polestar.access.tokens import NewToken, TokenScope, create_token
from polestar.access.users import add_user, list_users

_READ = (TokenScope.READ,)
_REVIEW = (TokenScope.READ, TokenScope.REVIEW)


@dataclass(frozen=True)
class DemoUser:
    username: str
    organisation: str
    role: UserRole
    full_name: str
    scopes: tuple[TokenScope, ...]


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("home-officer", "home-force", UserRole.OFFICER, "Demo Officer", _READ),
    DemoUser("home-call-handler", "home-force", UserRole.CALL_HANDLER, "Demo Call Handler", _READ),
    DemoUser("home-dispatcher", "home-force", UserRole.DISPATCHER, "Demo Dispatcher", _READ),
    DemoUser("home-analyst", "home-force", UserRole.ANALYST, "Demo Analyst", _REVIEW),
    DemoUser("home-supervisor", "home-force", UserRole.SUPERVISOR, "Demo Supervisor", _REVIEW),
    DemoUser(
        "home-dpo",
        "home-force",
        UserRole.DATA_PROTECTION_OFFICER,
        "Demo Data Protection Officer",
        (TokenScope.READ, TokenScope.ADMIN),
    ),
    DemoUser(
        "home-admin",
        "home-force",
        UserRole.ADMINISTRATOR,
        "Demo Administrator",
        (TokenScope.READ, TokenScope.REVIEW, TokenScope.ADMIN),
    ),
    DemoUser("neighbour-officer", "neighbour-force", UserRole.OFFICER, "Demo Neighbour", _READ),
    DemoUser("fire-caseworker", "fire", UserRole.PARTNER_CASEWORKER, "Demo Fire Officer", _READ),
    DemoUser("cps-caseworker", "cps", UserRole.PARTNER_CASEWORKER, "Demo Prosecutor", _READ),
    DemoUser("courts-caseworker", "courts", UserRole.PARTNER_CASEWORKER, "Demo Listing", _READ),
    DemoUser(
        "probation-caseworker",
        "probation",
        UserRole.PARTNER_CASEWORKER,
        "Demo Probation Officer",
        _READ,
    ),
)


def demo_users(engine: Engine, now: datetime, *, actor: str) -> list[NewToken]:
    """Load the shipped agreements, add any demo user missing, and make each a new token.

    Safe to run again: agreements and users already there are left as they are; every run
    makes fresh tokens (earlier ones keep working until they expire or are revoked).
    """
    load_agreements(engine, [], now, actor=actor)
    existing = {user.username for user in list_users(engine)}
    tokens = []
    for demo in DEMO_USERS:
        if demo.username not in existing:
            add_user(
                engine,
                demo.username,
                demo.organisation,
                [demo.role],
                now,
                demo.full_name,
                actor=actor,
            )
        tokens.append(create_token(engine, demo.username, demo.scopes, now, actor=actor))
    return tokens
