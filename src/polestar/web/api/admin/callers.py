"""Who calls an administration route: a token with the `admin` scope, as a `Viewer`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request

from polestar.access import Viewer
from polestar.access.tokens import TokenScope
from polestar.web.deps import Caller, SettingsDep, StoreDep


class AdminViewer:
    """A dependency admitting a request whose token holds the `admin` scope, for `action`.

    The Viewer states no purpose: administration reads accounts, never records.
    """

    def __init__(self, action: str) -> None:
        self._caller = Caller(TokenScope.ADMIN.value, action)

    def __call__(
        self,
        request: Request,
        engine: StoreDep,
        settings: SettingsDep,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Viewer:
        return self._caller(request, engine, settings, authorization).viewer(None)
