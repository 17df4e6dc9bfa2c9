"""The back office's guard: a page for roles with an ability (`access.roles.Ability`) answers
404 to everyone else, as if it did not exist (CONVENTIONS.md: never reveal what one may not
see), and only to the home force's users, whose system the back office is.

The navigation hides these pages from the same people (`shell.navigation`); this is the check
that counts. The domain functions the pages call check again, and audit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from polestar.access import Viewer
from polestar.access.organisations import HOME_FORCE
from polestar.access.roles import Ability, abilities
from polestar.errors import NotFound
from polestar.web.sessions import PageViewer


def able(ability: Ability) -> Callable[[Viewer], Viewer]:
    """A dependency: the signed-in viewer (with a purpose) if their roles give `ability`."""

    def check(viewer: PageViewer) -> Viewer:
        if viewer.organisation != HOME_FORCE or ability not in abilities(viewer.roles):
            raise NotFound("there is no such page")
        return viewer

    return check


ReviewerViewer = Annotated[Viewer, Depends(able(Ability.REVIEW))]
RetentionViewer = Annotated[Viewer, Depends(able(Ability.RETENTION))]
OversightViewer = Annotated[Viewer, Depends(able(Ability.OVERSIGHT))]
AdminViewer = Annotated[Viewer, Depends(able(Ability.READ_ADMINISTRATION))]
