"""Administration: users, organisations, roles, tokens and agreements, for whom `RIGHTS` lets.

The matrix is data (`RIGHTS`, one row per action, naming the ability it needs; who holds which
is `roles.ROLE_ABILITIES`): administrators may read and change, the data protection officer may
read users, tokens and agreements (and the reference lists) but change nothing, and every other
role may do neither. Only the home force administers: Polestar is the
force's system, so a partner's administrator must not make home-force users. (The API also
wants a token with the `admin` scope: `TokenScope.ADMIN`; the role rule applies on top.)

Each function takes the `Viewer` acting. A refused attempt is recorded as denied; a reading is
recorded as a consultation (accounts hold staff's names: personal data too); a change is
recorded as an alteration by the function it calls (`users.add`, `tokens.revoke`, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import agreements, tokens, users
from polestar.access.organisations import HOME_FORCE, Organisation, organisations
from polestar.access.roles import ROLES, Ability, abilities
from polestar.access.viewer import Viewer
from polestar.errors import Forbidden, NotFound
from polestar.settings import Settings
from polestar.store.accounts import token_row, user_row

_READERS = Ability.READ_ADMINISTRATION
_CHANGERS = Ability.ADMINISTER

# The ability (`roles.ROLE_ABILITIES`, home force only) each administration action needs.
RIGHTS: Mapping[str, Ability] = {
    "admin.users.list": _READERS,
    "admin.users.add": _CHANGERS,
    "admin.users.disable": _CHANGERS,
    "admin.users.reset-password": _CHANGERS,
    "admin.organisations.list": _READERS,
    "admin.roles.list": _READERS,
    "admin.tokens.list": _READERS,
    "admin.tokens.create": _CHANGERS,
    "admin.tokens.revoke": _CHANGERS,
    "admin.agreements.list": _READERS,
    "admin.agreements.show": _READERS,
    "admin.agreements.load": _CHANGERS,
}


def may(viewer: Viewer, action: str) -> bool:
    """Whether `RIGHTS` lets `viewer` take `action`."""
    return viewer.organisation == HOME_FORCE and RIGHTS[action] in abilities(viewer.roles)


def _guard(engine: Engine, settings: Settings, viewer: Viewer, action: str) -> None:
    """Refuse (recorded, 403) an action `RIGHTS` does not give the viewer."""
    if not may(viewer, action):
        audit.record(
            engine,
            replace(viewer.consultation(action), details={"status": 403}).denied(),
            settings,
        )
        raise Forbidden(f"your roles may not take the administration action {action!r}")


def _read(engine: Engine, settings: Settings, viewer: Viewer, action: str, **details: str) -> None:
    """Guard a reading, then record it as a consultation."""
    _guard(engine, settings, viewer, action)
    audit.record(engine, replace(viewer.consultation(action), details=details), settings)


Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list, and the cursor of the next (None on the last)."""

    items: list[Item]
    next_cursor: int | None


def _page(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    action: str,
    read: Callable[[int, int], list[Item]],
    limit: int,
    cursor: int,
) -> Page[Item]:
    """Guard a listing, record the consultation of the page and read it (`read(count,
    offset)`)."""
    _read(engine, settings, viewer, action, offset=str(cursor), limit=str(limit))
    found = read(limit + 1, cursor)
    return Page(found[:limit], cursor + limit if len(found) > limit else None)


def list_users(
    engine: Engine, settings: Settings, viewer: Viewer, limit: int, cursor: int = 0
) -> Page[users.User]:
    """A page of users, disabled ones included, by organisation then name."""
    return _page(
        engine,
        settings,
        viewer,
        "admin.users.list",
        lambda count, offset: users.list_users(engine, count, offset),
        limit,
        cursor,
    )


def add_user(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    now: datetime,
    username: str,
    organisation: str,
    roles: Sequence[str],
    full_name: str | None = None,
) -> users.User:
    """Add a user (see `users.add_user`)."""
    _guard(engine, settings, viewer, "admin.users.add")
    return users.add_user(
        engine, username, organisation, roles, now, full_name, actor=viewer.user, settings=settings
    )


def disable_user(
    engine: Engine, settings: Settings, viewer: Viewer, now: datetime, username: str
) -> users.User:
    """Disable a user (see `users.disable_user`); an unknown name is a 404."""
    _guard(engine, settings, viewer, "admin.users.disable")
    _known_user(engine, username)
    return users.disable_user(engine, username, now, actor=viewer.user, settings=settings)


def reset_password(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    now: datetime,
    username: str,
    password: str | None = None,
) -> users.NewPassword:
    """Set a user's password — `password`, held to the rules, or a generated one returned
    once — and end their sessions (see `users.reset_password`); an unknown name is a 404."""
    _guard(engine, settings, viewer, "admin.users.reset-password")
    _known_user(engine, username)
    return users.reset_password(
        engine, username, now, actor=viewer.user, settings=settings, password=password
    )


def _known_user(engine: Engine, username: str) -> None:
    with engine.connect() as conn:
        if user_row(conn, username) is None:
            raise NotFound(f"no user named {username!r}")


def list_organisations(engine: Engine, settings: Settings, viewer: Viewer) -> list[Organisation]:
    """Every organisation and the sources it owns."""
    _read(engine, settings, viewer, "admin.organisations.list")
    with engine.connect() as conn:
        return list(organisations(conn).values())


def list_roles(engine: Engine, settings: Settings, viewer: Viewer) -> list[str]:
    """Every role a user may hold."""
    _read(engine, settings, viewer, "admin.roles.list")
    return list(ROLES)


def list_tokens(
    engine: Engine, settings: Settings, viewer: Viewer, now: datetime, limit: int, cursor: int = 0
) -> Page[tokens.TokenInfo]:
    """A page of tokens, newest first, with their status at `now`; never a secret."""
    return _page(
        engine,
        settings,
        viewer,
        "admin.tokens.list",
        lambda count, offset: tokens.list_tokens(engine, now, count, offset),
        limit,
        cursor,
    )


def create_token(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    now: datetime,
    username: str,
    scopes: Sequence[str],
    days: int = tokens.DEFAULT_DAYS,
) -> tokens.NewToken:
    """Create a token for a user (see `tokens.create_token`); its secret is returned once."""
    _guard(engine, settings, viewer, "admin.tokens.create")
    return tokens.create_token(
        engine, username, scopes, now, days, actor=viewer.user, settings=settings
    )


def revoke_token(
    engine: Engine, settings: Settings, viewer: Viewer, now: datetime, token_id: str
) -> tokens.TokenInfo:
    """Revoke a token by its id; an unknown id is a 404."""
    _guard(engine, settings, viewer, "admin.tokens.revoke")
    with engine.connect() as conn:
        if token_row(conn, token_id.removeprefix("pst_")) is None:
            raise NotFound(f"no token {token_id!r}")
    return tokens.revoke_token(engine, token_id, now, actor=viewer.user, settings=settings)


def list_agreements(
    engine: Engine, settings: Settings, viewer: Viewer
) -> list[agreements.StoredAgreement]:
    """Every organisation's current agreement."""
    _read(engine, settings, viewer, "admin.agreements.list")
    return agreements.list_agreements(engine)


def show_agreement(
    engine: Engine, settings: Settings, viewer: Viewer, organisation: str
) -> agreements.StoredAgreement:
    """An organisation's current agreement, whole; 404 if it has none."""
    _read(engine, settings, viewer, "admin.agreements.show", organisation=organisation)
    for stored in agreements.list_agreements(engine):
        if stored.agreement.organisation == organisation:
            return stored
    raise NotFound(f"{organisation!r} has no agreement loaded")


def load_agreement(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    now: datetime,
    organisation: str,
    text: str,
) -> agreements.LoadedAgreement:
    """Check an organisation's agreement, as YAML text, and make it the current one
    (see `agreements.load_agreement_text`); unchanged text stores and records nothing."""
    _guard(engine, settings, viewer, "admin.agreements.load")
    return agreements.load_agreement_text(
        engine,
        text,
        f"api:{viewer.user}",
        now,
        organisation=organisation,
        actor=viewer.user,
        settings=settings,
    )
