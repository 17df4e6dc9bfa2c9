"""A store with the demo users, and browsers signed in as them, for the back-office pages."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access.demo import demo_users
from polestar.settings import Settings
from tests.access.conftest import ACTOR, NOW
from tests.web.sessions import signed_in_as

READER = audit.Actor("test-dpo")
SignedIn = Callable[[str], AbstractContextManager[tuple[TestClient, str]]]


@pytest.fixture
def demo_store(db: Engine, settings: Settings) -> Engine:
    """The test's store with the shipped agreements and every demo user."""
    demo_users(db, NOW, actor=ACTOR, settings=settings)
    return db


@pytest.fixture
def signed_in(demo_store: Engine, settings: Settings) -> SignedIn:
    """Open a browser signed in as a demo user with their purpose: (client, CSRF token)."""
    return partial(signed_in_as, demo_store, settings)


def entries_of(engine: Engine, settings: Settings, user: str) -> list[audit.Found]:
    """What the log holds of `user`, oldest first."""
    return audit.by_user(engine, user, reader=READER, settings=settings)


def actions_of(engine: Engine, settings: Settings, user: str) -> list[str]:
    return [found.entry.action for found in entries_of(engine, settings, user)]
