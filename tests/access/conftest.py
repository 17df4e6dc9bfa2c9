"""Factories for access tests: demo agreements loaded into the test's store, users made
through the real `add_user`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from polestar.access import Viewer, add_user, load_agreements, viewer_for
from polestar.settings import Settings

ACTOR = "cli:test"

# A client address for sign-ins (TEST-NET-1, reserved for documentation).
ADDRESS = "192.0.2.1"

# Inside every shipped agreement's dates.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

MakeViewer = Callable[..., Viewer]


@pytest.fixture
def agreements(db: Engine, settings: Settings) -> Engine:
    """The store with the shipped demo agreements loaded."""
    load_agreements(db, [], NOW, actor=ACTOR, settings=settings)
    return db


@pytest.fixture
def make_viewer(agreements: Engine, settings: Settings) -> MakeViewer:
    """A Viewer for a new user of `org` holding `roles`, made through the real commands."""
    made = 0

    def make(
        org: str, *roles: str, purpose: str | None = None, justification: str | None = None
    ) -> Viewer:
        nonlocal made
        made += 1
        username = f"{org}-user-{made}"
        add_user(agreements, username, org, list(roles), NOW, actor=ACTOR, settings=settings)
        return viewer_for(agreements, username, purpose, justification)

    return make
