"""What route handlers depend on: the settings, the store's engine, and who is asking.

ARCHITECTURE.md premise 3: a handler gets a `Viewer` (or the `Principal` behind it) and the
settings, never a database session; the engine is only handed on to domain functions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request

from polestar.access import Principal, Viewer
from polestar.access.admission import admit
from polestar.settings import Settings
from polestar.store.engine import Engine


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[Engine, Depends(_engine)]


class Caller:
    """A dependency admitting a request whose token holds `scope`, for the domain `action`."""

    def __init__(self, scope: str, action: str) -> None:
        self.scope = scope
        self.action = action

    def __call__(
        self,
        engine: StoreDep,
        settings: SettingsDep,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Principal:
        return admit(engine, settings, authorization, self.scope, self.action, datetime.now(UTC))


def viewer_of(principal: Principal, purpose: str | None, justification: str | None) -> Viewer:
    """The request's Viewer: the caller, with the purpose and justification its headers state."""
    return principal.viewer(purpose or None, justification or None)


Purpose = Annotated[
    str | None, Header(alias="X-Polestar-Purpose", description="Why you are looking: a slug.")
]
Justification = Annotated[
    str | None,
    Header(
        alias="X-Polestar-Justification", description="Free text; needed for sensitive records."
    ),
]
