"""Users: added to one organisation with roles, listed, disabled; every problem at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from polestar.access import add_user, disable_user, list_users, viewer_for
from polestar.errors import InvalidInput, Unauthorised
from polestar.settings import Settings
from tests.access.conftest import NOW

ACTOR = "cli:test"


def test_added_user_is_listed_with_organisation_and_roles(db: Engine, settings: Settings) -> None:
    add_user(
        db,
        "a.khan",
        "home-force",
        ["analyst", "supervisor"],
        NOW,
        full_name="Aisha Khan",
        actor=ACTOR,
        settings=settings,
    )
    [user] = list_users(db)
    assert user.as_dict() == {
        "username": "a.khan",
        "full_name": "Aisha Khan",
        "organisation": "home-force",
        "roles": ["analyst", "supervisor"],
        "created_at": NOW.isoformat(),
        "disabled": False,
    }


def test_every_problem_with_a_new_user_is_reported_at_once(db: Engine, settings: Settings) -> None:
    with pytest.raises(InvalidInput) as caught:
        add_user(
            db,
            "Bad Name",
            "fire-brigade",
            ["officer", "chief"],
            NOW,
            actor=ACTOR,
            settings=settings,
        )
    fields = [error.field for error in caught.value.errors]
    assert fields == ["username", "org", "role"], caught.value.errors
    assert "known: courts, cps, fire, home-force" in caught.value.errors[1].message


def test_a_user_needs_a_role(db: Engine, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="cannot add"):
        add_user(db, "noroles", "fire", [], NOW, actor=ACTOR, settings=settings)


def test_a_username_is_taken_once(db: Engine, settings: Settings) -> None:
    add_user(db, "j.smith", "fire", ["partner-caseworker"], NOW, actor=ACTOR, settings=settings)
    with pytest.raises(InvalidInput) as caught:
        add_user(db, "j.smith", "cps", ["partner-caseworker"], NOW, actor=ACTOR, settings=settings)
    assert caught.value.errors[0].message == "'j.smith' is taken"


def test_disabled_user_stays_listed_and_cannot_act(db: Engine, settings: Settings) -> None:
    add_user(db, "j.smith", "fire", ["partner-caseworker"], NOW, actor=ACTOR, settings=settings)
    disabled = disable_user(db, "j.smith", NOW + timedelta(days=1), actor=ACTOR, settings=settings)
    assert disabled.disabled_at == NOW + timedelta(days=1)
    assert (
        disable_user(
            db, "j.smith", NOW + timedelta(days=2), actor=ACTOR, settings=settings
        ).disabled_at
        == disabled.disabled_at
    )
    assert [user.as_dict()["disabled"] for user in list_users(db)] == [True]
    with pytest.raises(Unauthorised):
        viewer_for(db, "j.smith", "fire-safety")


def test_viewer_for_a_user_carries_organisation_roles_and_purpose(
    db: Engine, settings: Settings
) -> None:
    add_user(
        db, "p.jones", "probation", ["partner-caseworker"], NOW, actor=ACTOR, settings=settings
    )
    viewer = viewer_for(db, "p.jones", "offender-management", "breach review")
    assert (viewer.user, viewer.organisation, viewer.roles) == (
        "p.jones",
        "probation",
        frozenset({"partner-caseworker"}),
    )
    assert (viewer.purpose, viewer.justification) == ("offender-management", "breach review")


def test_unknown_user_is_invalid_input(db: Engine, settings: Settings) -> None:
    with pytest.raises(InvalidInput, match="no user named 'ghost'"):
        disable_user(db, "ghost", NOW, actor=ACTOR, settings=settings)
