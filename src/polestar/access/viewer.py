"""The Viewer: who is looking, for which organisation and roles, why, and with what justification.

Every domain function that returns personal data takes one (ARCHITECTURE.md premise 3) and
turns it into a `Scope` with `access.scope_for`; nothing below the access layer sees a Viewer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from polestar.access.organisations import HOME_FORCE
from polestar.access.roles import UserRole


@dataclass(frozen=True)
class Viewer:
    """A person (or the CLI operator) looking at data.

    Attributes:
        user: the username, or `cli:<os user>` for the local operator; audit entries name it.
        organisation: the slug of the user's organisation, whose agreement applies.
        roles: the user's role slugs (`access.roles.UserRole`).
        purpose: the stated purpose, one of `pole.vocabularies.PURPOSES`; `scope_for` refuses
            a missing one.
        justification: free text saying why, needed for sensitive records while
            `POLESTAR_REQUIRE_JUSTIFICATION` is on.
    """

    user: str
    organisation: str
    roles: frozenset[str]
    purpose: str | None = None
    justification: str | None = None

    def for_purpose(self, purpose: str | None, justification: str | None = None) -> Viewer:
        """The same person looking for another purpose (a new request, a new justification)."""
        return replace(self, purpose=purpose, justification=justification)


def operator(actor: str, purpose: str | None = None, justification: str | None = None) -> Viewer:
    """The local operator of a batch command: a home-force administrator (CONVENTIONS.md).

    Args:
        actor: `cli:<os user>`, as `polestar.cli.app.actor()` names it.
    """
    return Viewer(
        user=actor,
        organisation=HOME_FORCE,
        roles=frozenset({UserRole.ADMINISTRATOR.value}),
        purpose=purpose,
        justification=justification,
    )
