"""The demo's people: one user per role and organisation that makes sense, each with a
password to sign in with and an API token.

`polestar demo users` (and `make demo`) runs this. Home-force staff hold every home-force role;
each partner has a caseworker, and the neighbouring force an officer. Passwords and tokens are
made at run time and printed once, never committed anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from polestar.access.agreements import load_agreements
from polestar.access.roles import UserRole
from polestar.access.tokens import NewToken, create_token, scopes_for_roles
from polestar.access.users import add_user, list_users, reset_password
from polestar.settings import Settings


@dataclass(frozen=True)
class DemoUser:
    username: str
    organisation: str
    role: UserRole
    full_name: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("home-officer", "home-force", UserRole.OFFICER, "Demo Officer"),
    DemoUser("home-call-handler", "home-force", UserRole.CALL_HANDLER, "Demo Call Handler"),
    DemoUser("home-dispatcher", "home-force", UserRole.DISPATCHER, "Demo Dispatcher"),
    DemoUser("home-analyst", "home-force", UserRole.ANALYST, "Demo Analyst"),
    DemoUser("home-supervisor", "home-force", UserRole.SUPERVISOR, "Demo Supervisor"),
    DemoUser(
        "home-dpo",
        "home-force",
        UserRole.DATA_PROTECTION_OFFICER,
        "Demo Data Protection Officer",
    ),
    DemoUser(
        "home-admin",
        "home-force",
        UserRole.ADMINISTRATOR,
        "Demo Administrator",
    ),
    DemoUser("neighbour-officer", "neighbour-force", UserRole.OFFICER, "Demo Neighbour"),
    DemoUser("fire-caseworker", "fire", UserRole.PARTNER_CASEWORKER, "Demo Fire Officer"),
    DemoUser("cps-caseworker", "cps", UserRole.PARTNER_CASEWORKER, "Demo Prosecutor"),
    DemoUser("courts-caseworker", "courts", UserRole.PARTNER_CASEWORKER, "Demo Listing"),
    DemoUser(
        "probation-caseworker",
        "probation",
        UserRole.PARTNER_CASEWORKER,
        "Demo Probation Officer",
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo user as `demo users` prints them: how to sign in, and an API token."""

    user: DemoUser
    password: str
    api_token: NewToken

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def token(self) -> str:
        return self.api_token.token

    def as_dict(self) -> dict[str, Any]:
        """One item of `demo users --json`'s `users` list."""
        return {
            "username": self.user.username,
            "organisation": self.user.organisation,
            "role": self.user.role.value,
            "password": self.password,
            "token": self.api_token.token,
        }


def demo_users(
    engine: Engine, now: datetime, *, actor: str, settings: Settings
) -> list[DemoAccount]:
    """Load the shipped agreements, add any demo user missing, and give each a new generated
    password and a new token, with the scopes their role gives a signed-in session.

    Safe to run again: agreements and users already there are left as they are; every run
    makes fresh passwords (ending the users' sessions) and fresh tokens (earlier ones keep
    working until they expire or are revoked).
    """
    load_agreements(engine, [], now, actor=actor, settings=settings)
    existing = {user.username for user in list_users(engine)}
    accounts = []
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
                settings=settings,
            )
        password = reset_password(
            engine, demo.username, now, actor=actor, settings=settings
        ).password
        scopes = scopes_for_roles([demo.role])
        token = create_token(engine, demo.username, scopes, now, actor=actor, settings=settings)
        accounts.append(DemoAccount(demo, password, token))
    return accounts
