"""The Viewer: who is looking, for which organisation and roles, why, and with what justification.

Every domain function that returns personal data takes one (ARCHITECTURE.md premise 3) and
turns it into a `Scope` with `access.scope_for`; nothing below the access layer sees a Viewer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from polestar.access.organisations import HOME_FORCE
from polestar.access.roles import UserRole
from polestar.audit.events import Actor, Consultation
from polestar.pole.vocabularies import PURPOSES


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

    @property
    def role(self) -> str | None:
        """The roles the viewer acts in, as one audit column (comma-separated)."""
        return ",".join(sorted(self.roles))[:32] or None

    @property
    def actor(self) -> Actor:
        """The viewer as audit entries name them.

        A purpose that is not a known slug is left out: it is free text the caller typed, and
        the denial the lookup records says the purpose was refused.
        """
        purpose = self.purpose if self.purpose in PURPOSES else None
        return Actor(self.user, self.organisation, self.role, purpose)

    def consultation(self, action: str) -> Consultation:
        """The consultation entry a lookup by this viewer writes, before its outcome is known."""
        return Consultation(
            action=action, justification=self.justification, **self.actor.entry_fields()
        )


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
