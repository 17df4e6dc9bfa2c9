"""API tokens: hashed at rest, scoped, expiring, revocable; disabled users' tokens fail."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.access import (
    add_user,
    authenticate,
    create_token,
    disable_user,
    list_tokens,
    revoke_token,
)
from polestar.access.tokens import NewToken
from polestar.errors import Forbidden, InvalidInput, Unauthorised
from polestar.settings import Settings
from polestar.store.tables import api_tokens
from tests.access.conftest import NOW

ACTOR = "cli:test"


@pytest.fixture
def user(db: Engine, settings: Settings) -> str:
    add_user(db, "c.lawyer", "cps", ["partner-caseworker"], NOW, actor=ACTOR, settings=settings)
    return "c.lawyer"


def test_token_authenticates_as_its_user_with_its_scopes(
    db: Engine, settings: Settings, user: str
) -> None:
    token = create_token(db, user, ["read", "review"], NOW, actor=ACTOR, settings=settings)
    principal = authenticate(db, token.token, NOW + timedelta(days=1))
    assert principal.user == user
    assert principal.organisation == "cps"
    assert principal.roles == frozenset({"partner-caseworker"})
    assert principal.scopes == frozenset({"read", "review"})
    assert principal.token_id == token.id
    viewer = principal.viewer("prosecution", "charging file")
    assert (viewer.user, viewer.organisation, viewer.purpose) == (user, "cps", "prosecution")


def _secret(token: NewToken) -> str:
    return token.token.removeprefix(f"pst_{token.id}_")


def test_only_the_hash_of_the_secret_is_stored(db: Engine, settings: Settings, user: str) -> None:
    token = create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings)
    with db.connect() as conn:
        row = conn.execute(sa.select(api_tokens)).one()
    assert _secret(token) not in " ".join(str(value) for value in row)
    assert row.secret_hash == hashlib.sha256(_secret(token).encode()).hexdigest()


def test_tokens_expire_after_ninety_days_by_default(
    db: Engine, settings: Settings, user: str
) -> None:
    token = create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings)
    assert token.expires_at == NOW + timedelta(days=90)
    authenticate(db, token.token, NOW + timedelta(days=90) - timedelta(seconds=1))
    with pytest.raises(Unauthorised, match="expired"):
        authenticate(db, token.token, NOW + timedelta(days=90))


def test_a_token_can_be_given_its_own_lifetime(db: Engine, settings: Settings, user: str) -> None:
    token = create_token(db, user, ["read"], NOW, days=1, actor=ACTOR, settings=settings)
    with pytest.raises(Unauthorised, match="expired"):
        authenticate(db, token.token, NOW + timedelta(days=1, minutes=1))


def test_revoked_token_fails_at_once(db: Engine, settings: Settings, user: str) -> None:
    token = create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings)
    revoke_token(db, token.id, NOW + timedelta(hours=1), actor=ACTOR, settings=settings)
    with pytest.raises(Unauthorised, match="revoked"):
        authenticate(db, token.token, NOW + timedelta(hours=2))


def test_disabled_users_tokens_fail(db: Engine, settings: Settings, user: str) -> None:
    token = create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings)
    disable_user(db, user, NOW + timedelta(hours=1), actor=ACTOR, settings=settings)
    with pytest.raises(Unauthorised, match="disabled"):
        authenticate(db, token.token, NOW + timedelta(hours=2))


def test_wrong_secret_and_unknown_id_read_the_same(
    db: Engine, settings: Settings, user: str
) -> None:
    token = create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings)
    secret = _secret(token)
    wrong_secret = f"pst_{token.id}_{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
    unknown_id = f"pst_{'0' * 12}_{secret}"
    messages = []
    for candidate in (wrong_secret, unknown_id, "not a token", ""):
        with pytest.raises(Unauthorised) as caught:
            authenticate(db, candidate, NOW)
        messages.append(caught.value.message)
    assert set(messages) == {"invalid token"}
    assert caught.value.status == 401


def test_principal_refuses_a_scope_the_token_lacks(
    db: Engine, settings: Settings, user: str
) -> None:
    principal = authenticate(
        db, create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings).token, NOW
    )
    principal.require("read")
    with pytest.raises(Forbidden, match="'admin'"):
        principal.require("admin")


def test_every_problem_with_a_new_token_is_reported_at_once(db: Engine, settings: Settings) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_token(db, "ghost", ["read", "write"], NOW, days=0, actor=ACTOR, settings=settings)
    assert [error.field for error in caught.value.errors] == ["scope", "expires", "user"]


def test_disabled_user_gets_no_new_token(db: Engine, settings: Settings, user: str) -> None:
    disable_user(db, user, NOW, actor=ACTOR, settings=settings)
    with pytest.raises(InvalidInput, match="cannot create"):
        create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings)


def test_list_shows_status_and_never_a_secret(db: Engine, settings: Settings, user: str) -> None:
    active = create_token(db, user, ["read"], NOW, actor=ACTOR, settings=settings)
    revoked = create_token(
        db, user, ["read"], NOW - timedelta(minutes=1), actor=ACTOR, settings=settings
    )
    expired = create_token(
        db, user, ["admin"], NOW - timedelta(days=2), days=1, actor=ACTOR, settings=settings
    )
    revoke_token(db, revoked.id, NOW, actor=ACTOR, settings=settings)
    listed = {token.id: token.as_dict() for token in list_tokens(db, NOW)}
    assert {token_id: item["status"] for token_id, item in listed.items()} == {
        active.id: "active",
        revoked.id: "revoked",
        expired.id: "expired",
    }
    assert set(listed[active.id]) == {"id", "user", "scopes", "created_at", "expires_at", "status"}
    text = repr(listed)
    for token in (active, revoked, expired):
        assert token.token not in text


def test_revoking_an_unknown_token_is_invalid_input(db: Engine, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="no token"):
        revoke_token(db, "abcdef123456", NOW, actor=ACTOR, settings=settings)
