"""Password sign-in and lockout: every refusal reads the same; the log says which it was."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import add_user, disable_user, resume_session, sign_in
from polestar.access.sign_in import REFUSED
from polestar.access.users import reset_password
from polestar.errors import TooManyRequests, Unauthorised
from polestar.settings import Settings
from polestar.store.accounts import user_row
from tests.access.conftest import ACTOR, ADDRESS, NOW

DPO = audit.Actor(ACTOR)
USER = "sam.officer"
# The module, which `polestar.access.sign_in` (its function, re-exported) hides.
signing = importlib.import_module("polestar.access.sign_in")


@pytest.fixture
def password(agreements: Engine, settings: Settings) -> str:
    add_user(agreements, USER, "home-force", ["officer"], NOW, actor=ACTOR, settings=settings)
    return reset_password(agreements, USER, NOW, actor=ACTOR, settings=settings).password


def _refused(engine: Engine, settings: Settings, user: str, password: str, minutes: float) -> str:
    with pytest.raises(Unauthorised) as refused:
        sign_in(engine, settings, user, password, NOW + timedelta(minutes=minutes), address=ADDRESS)
    return refused.value.message


def _log(engine: Engine, settings: Settings, user: str) -> list[tuple[str, str, object]]:
    return [
        (found.entry.action, found.entry.outcome, found.entry.details.get("reason"))
        for found in audit.by_user(engine, user, reader=DPO, settings=settings)
    ]


def test_the_right_password_opens_a_session(
    agreements: Engine, settings: Settings, password: str
) -> None:
    opened = sign_in(agreements, settings, " Sam.Officer ", password, NOW, address=ADDRESS)
    assert resume_session(agreements, settings, opened.cookie_value, NOW) is not None


def test_a_wrong_password_an_unknown_user_and_a_disabled_user_read_the_same(
    agreements: Engine, settings: Settings, password: str
) -> None:
    add_user(
        agreements, "no.password", "home-force", ["officer"], NOW, actor=ACTOR, settings=settings
    )
    messages = {
        _refused(agreements, settings, USER, "wrong" + password, 0),
        _refused(agreements, settings, "nobody.here", password, 0),
        _refused(agreements, settings, "no.password", "", 0),
    }
    disable_user(agreements, USER, NOW, actor=ACTOR, settings=settings)
    messages.add(_refused(agreements, settings, USER, password, 0))
    assert messages == {REFUSED}
    assert _log(agreements, settings, USER)[-1] == ("session.sign-in", "denied", "disabled")
    anonymous = _log(agreements, settings, "anonymous")
    assert anonymous == [("session.sign-in", "denied", "unknown-user")]


def test_five_failures_in_15_minutes_lock_the_account_for_15_minutes(
    agreements: Engine, settings: Settings, password: str
) -> None:
    for minute in range(5):
        assert _refused(agreements, settings, USER, "not it", minute * 3) == REFUSED
    log = _log(agreements, settings, USER)
    assert log[-1] == ("session.lockout", "allowed", None)
    assert [entry[2] for entry in log[-6:-1]] == ["wrong-password"] * 5
    # Locked at minute 12: the right password is refused, in the same words, until minute 27.
    assert _refused(agreements, settings, USER, password, 13) == REFUSED
    assert _refused(agreements, settings, USER, password, 26.9) == REFUSED
    assert _log(agreements, settings, USER)[-1] == ("session.sign-in", "denied", "locked")
    sign_in(agreements, settings, USER, password, NOW + timedelta(minutes=27), address=ADDRESS)
    assert audit.verify(agreements, settings).ok  # access entries chain like any other


def test_failures_spread_beyond_the_window_do_not_lock(
    agreements: Engine, settings: Settings, password: str
) -> None:
    for minute in (0, 5, 10, 15, 20, 25):  # never five within 15 minutes
        _refused(agreements, settings, USER, "not it", minute)
    sign_in(agreements, settings, USER, password, NOW + timedelta(minutes=26), address=ADDRESS)
    assert "session.lockout" not in [entry[0] for entry in _log(agreements, settings, USER)]


def test_a_successful_sign_in_forgets_earlier_failures(
    agreements: Engine, settings: Settings, password: str
) -> None:
    for minute in range(4):
        _refused(agreements, settings, USER, "not it", minute)
    sign_in(agreements, settings, USER, password, NOW + timedelta(minutes=4), address=ADDRESS)
    _refused(agreements, settings, USER, "not it", 5)
    sign_in(agreements, settings, USER, password, NOW + timedelta(minutes=6), address=ADDRESS)


def test_a_password_reset_lifts_a_lockout(
    agreements: Engine, settings: Settings, password: str
) -> None:
    for minute in range(5):
        _refused(agreements, settings, USER, "not it", minute)
    new = reset_password(agreements, USER, NOW, actor=ACTOR, settings=settings).password
    assert new != password
    sign_in(agreements, settings, USER, new, NOW + timedelta(minutes=5), address=ADDRESS)


def test_a_hash_made_at_another_cost_is_replaced_at_sign_in(
    agreements: Engine, settings: Settings, password: str
) -> None:
    standard = settings.model_copy(update={"password_hash_profile": "standard"})
    sign_in(agreements, standard, USER, password, NOW, address=ADDRESS)
    with agreements.connect() as conn:
        stored = user_row(conn, USER)
    assert stored is not None
    assert stored.password_hash is not None
    assert "$m=65536,t=3,p=4$" in stored.password_hash
    # The new hash verifies the same password.
    sign_in(agreements, standard, USER, password, NOW, address=ADDRESS)


def test_an_address_over_its_limit_is_refused_before_any_password_is_checked(
    agreements: Engine, settings: Settings, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    few = settings.model_copy(update={"sign_in_per_address_per_minute": 2})
    checked: list[str] = []
    verify = signing.verify_password

    def counted(*args: object) -> bool:
        checked.append("hash")
        return verify(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(signing, "verify_password", counted)
    _refused(agreements, few, USER, "not it", 0)
    _refused(agreements, few, "nobody.here", "not it", 0.1)
    with pytest.raises(TooManyRequests) as throttled:
        sign_in(agreements, few, USER, password, NOW + timedelta(seconds=12), address=ADDRESS)
    assert checked == ["hash", "hash"]  # none for the third attempt
    assert throttled.value.retry_after == 49  # this window ends at 60 s; then 2 x 59/60 < 2
    assert "try again in 49 s" in throttled.value.message
    # Another address is not held back, and this one may try again when told.
    sign_in(agreements, few, USER, password, NOW + timedelta(seconds=12), address="192.0.2.2")
    sign_in(agreements, few, USER, password, NOW + timedelta(seconds=12 + 49), address=ADDRESS)
    entries = [
        found.entry
        for found in audit.by_user(agreements, "anonymous", reader=DPO, settings=settings)
    ]
    throttled_entries = [e for e in entries if e.action == "session.sign-in-throttled"]
    assert [(e.outcome, e.details) for e in throttled_entries] == [
        ("denied", {"address": ADDRESS, "limit": 2})
    ]
