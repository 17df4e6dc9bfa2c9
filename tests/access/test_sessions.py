"""Sessions: opened, resumed, timed out (idle and absolute), ended by sign-out, by disabling
the user and by a password reset; the purpose chosen for one; every step audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import add_user, disable_user, open_session, resume_session
from polestar.access.sessions import choose_purpose, sign_out
from polestar.access.users import reset_password
from polestar.errors import InvalidInput, Unauthorised
from polestar.settings import Settings
from tests.access.conftest import ACTOR, NOW

DPO = audit.Actor(ACTOR)
USER = "sam.officer"


@pytest.fixture
def user(agreements: Engine, settings: Settings) -> str:
    add_user(agreements, USER, "home-force", ["officer"], NOW, actor=ACTOR, settings=settings)
    return USER


def _log(engine: Engine, settings: Settings, user: str) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (found.entry.action, found.entry.outcome, dict(found.entry.details))
        for found in audit.by_user(engine, user, reader=DPO, settings=settings)
    ]


def test_an_opened_session_resumes_as_its_user_and_stores_no_cookie_value(
    agreements: Engine, settings: Settings, user: str
) -> None:
    opened = open_session(agreements, user, NOW, settings)
    session = resume_session(agreements, settings, opened.cookie_value, NOW)
    assert session is not None
    assert (session.username, session.organisation, session.roles) == (
        USER,
        "home-force",
        frozenset({"officer"}),
    )
    assert session.purpose is None
    assert session.csrf_token == opened.csrf_token
    assert session.scopes == frozenset({"read"})
    assert opened.expires_at == NOW + timedelta(hours=settings.session_absolute_hours)
    with agreements.connect() as conn:
        stored = conn.execute(sa.text("SELECT id_hash FROM sessions")).scalars().all()
    assert len(stored) == 1
    assert opened.cookie_value not in stored[0]
    assert _log(agreements, settings, user)[-1] == (
        "session.sign-in",
        "allowed",
        {"method": "password"},
    )


def test_an_unknown_cookie_or_a_disabled_user_has_no_session(
    agreements: Engine, settings: Settings, user: str
) -> None:
    assert resume_session(agreements, settings, "made-up", NOW) is None
    with pytest.raises(Unauthorised):
        open_session(agreements, "nobody", NOW, settings)
    disable_user(agreements, user, NOW, actor=ACTOR, settings=settings)
    with pytest.raises(Unauthorised):
        open_session(agreements, user, NOW, settings, method="oidc")


def test_the_idle_timeout_ends_a_session_not_used_for_30_minutes(
    agreements: Engine, settings: Settings, user: str
) -> None:
    idle = timedelta(minutes=settings.session_idle_minutes)
    cookie = open_session(agreements, user, NOW, settings).cookie_value
    # Used 20 minutes in, so still alive 45 minutes in: the idle clock restarted at 20.
    assert resume_session(agreements, settings, cookie, NOW + timedelta(minutes=20))
    assert resume_session(agreements, settings, cookie, NOW + timedelta(minutes=45))
    assert resume_session(agreements, settings, cookie, NOW + timedelta(minutes=45) + idle) is None
    # Ended for good: an earlier clock does not bring it back.
    assert resume_session(agreements, settings, cookie, NOW + timedelta(minutes=46)) is None
    assert _log(agreements, settings, user)[-1] == (
        "session.sign-out",
        "allowed",
        {"reason": "idle"},
    )


def test_the_absolute_timeout_ends_a_busy_session_after_10_hours(
    agreements: Engine, settings: Settings, user: str
) -> None:
    cookie = open_session(agreements, user, NOW, settings).cookie_value
    moment = NOW
    end = NOW + timedelta(hours=settings.session_absolute_hours)
    while moment + timedelta(minutes=20) < end:
        moment += timedelta(minutes=20)
        assert resume_session(agreements, settings, cookie, moment), moment
    assert resume_session(agreements, settings, cookie, end) is None
    assert _log(agreements, settings, user)[-1] == (
        "session.sign-out",
        "allowed",
        {"reason": "absolute"},
    )


def test_sign_out_ends_only_that_session(agreements: Engine, settings: Settings, user: str) -> None:
    phone = open_session(agreements, user, NOW, settings).cookie_value
    desk = open_session(agreements, user, NOW, settings).cookie_value
    sign_out(agreements, settings, phone, NOW)
    assert resume_session(agreements, settings, phone, NOW) is None
    assert resume_session(agreements, settings, desk, NOW) is not None
    assert _log(agreements, settings, user)[-1] == (
        "session.sign-out",
        "allowed",
        {"reason": "sign-out"},
    )


@pytest.mark.parametrize("ending", ["disable", "reset"])
def test_disabling_a_user_or_resetting_their_password_ends_every_session_at_once(
    agreements: Engine, settings: Settings, user: str, ending: str
) -> None:
    cookies = [open_session(agreements, user, NOW, settings).cookie_value for _ in range(2)]
    if ending == "disable":
        disable_user(agreements, user, NOW, actor=ACTOR, settings=settings)
        reason = "user-disabled"
    else:
        reset_password(agreements, user, NOW, actor=ACTOR, settings=settings)
        reason = "password-reset"
    assert [resume_session(agreements, settings, c, NOW) for c in cookies] == [None, None]
    assert _log(agreements, settings, user)[-1] == (
        "session.sign-out",
        "allowed",
        {"reason": reason, "sessions": 2},
    )


def test_a_purpose_the_agreement_allows_is_kept_for_the_session_and_audited(
    agreements: Engine, settings: Settings, user: str
) -> None:
    cookie = open_session(agreements, user, NOW, settings).cookie_value
    chosen = choose_purpose(agreements, settings, cookie, "safeguarding", " a child at risk ", NOW)
    assert (chosen.purpose, chosen.justification) == ("safeguarding", "a child at risk")
    session = resume_session(agreements, settings, cookie, NOW)
    assert session is not None
    assert session.viewer().purpose == "safeguarding"
    entry = audit.by_user(agreements, user, reader=DPO, settings=settings)[-1].entry
    assert (entry.action, entry.purpose) == ("session.purpose", "safeguarding")


def test_a_purpose_the_agreement_does_not_allow_is_refused(
    agreements: Engine, settings: Settings
) -> None:
    add_user(
        agreements, "fay.fire", "fire", ["partner-caseworker"], NOW, actor=ACTOR, settings=settings
    )
    cookie = open_session(agreements, "fay.fire", NOW, settings).cookie_value
    with pytest.raises(InvalidInput) as refused:
        choose_purpose(agreements, settings, cookie, "intelligence", None, NOW)
    assert "fire-safety" in refused.value.errors[0].message
    session = resume_session(agreements, settings, cookie, NOW)
    assert session is not None
    assert session.purpose is None
