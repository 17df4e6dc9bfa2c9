"""Typed audit events: what the domain function that acted records (ARCHITECTURE.md premise 6).

One class per operation that s.62 of the Data Protection Act 2018 names (REFERENCE.md):
collection, alteration, consultation, disclosure, combination and erasure, and one more for
who had access when (sign-in, sign-out, the purpose chosen, failures and lockouts), which the
log must show to verify lawfulness and for the data's security. An event holds
identifiers and metadata only; free text that may hold personal data (a justification, a
search query) is carried apart and stored as a payload the entry names by its hash, so
retention can blank it without breaking the chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypedDict


class Operation(StrEnum):
    """The kinds of processing s.62 requires a log of."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"
    ACCESS = "access"


class Outcome(StrEnum):
    """Whether the action went ahead; a denied attempt is logged as well (issue 4)."""

    ALLOWED = "allowed"
    DENIED = "denied"


def _now() -> datetime:
    return datetime.now(UTC)


class ActorFields(TypedDict):
    actor: str
    organisation: str | None
    role: str | None
    purpose: str | None


@dataclass(frozen=True)
class Actor:
    """Who acts, as every entry they cause names them: a reader of the log, the operator of a
    batch command (`cli:<os user>`), or a signed-in user with their organisation, role and
    purpose."""

    actor: str
    organisation: str | None = None
    role: str | None = None
    purpose: str | None = None

    def entry_fields(self) -> ActorFields:
        """The `AuditEvent` fields that name the actor."""
        return {
            "actor": self.actor,
            "organisation": self.organisation,
            "role": self.role,
            "purpose": self.purpose,
        }


@dataclass(frozen=True, kw_only=True)
class AuditEvent:
    """Fields every entry carries; use the subclass named for the operation.

    Attributes:
        action: what was done, as a dotted name of the domain function: `ingest`, `link`,
            `person.show`, `audit.export`.
        actor: a user name, or `cli:<os user>` for the local operator.
        organisation: the actor's organisation slug, when known.
        role: the role the actor acted in, when known.
        purpose: the stated purpose slug (CONVENTIONS.md), when one was given.
        justification: free text; stored as a payload, never in the entry.
        query: free text such as a search query; stored as a payload, never in the entry.
        entity_ids: golden entities involved (`PER-00000012`).
        record_ids: source records involved (`custody:CU-000123`).
        recipients: who received a disclosure (an organisation, a file, a system).
        run_id: the run of a bulk operation, which every record it touched carries.
        in_results: the ids appeared in a result list rather than being opened one by one.
        outcome: allowed, or denied for a refused attempt.
        details: further metadata (counts, a file name); never personal data.
        occurred_at: when it happened (UTC).
    """

    operation: ClassVar[Operation]

    action: str
    actor: str
    organisation: str | None = None
    role: str | None = None
    purpose: str | None = None
    justification: str | None = None
    query: str | None = None
    entity_ids: tuple[str, ...] = ()
    record_ids: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    run_id: int | None = None
    in_results: bool = False
    outcome: Outcome = Outcome.ALLOWED
    details: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must carry a time zone (store times in UTC)")

    def denied(self) -> AuditEvent:
        """The same event as a refused attempt."""
        return replace(self, outcome=Outcome.DENIED)


@dataclass(frozen=True, kw_only=True)
class Collection(AuditEvent):
    """Records taken into the store, such as an ingest run (one entry names the run)."""

    operation = Operation.COLLECTION


@dataclass(frozen=True, kw_only=True)
class Alteration(AuditEvent):
    """Stored data changed by a person: a review decision, a correction."""

    operation = Operation.ALTERATION


@dataclass(frozen=True, kw_only=True)
class Consultation(AuditEvent):
    """Personal data looked at: a profile opened, or a result list (`in_results=True`)."""

    operation = Operation.CONSULTATION


@dataclass(frozen=True, kw_only=True)
class Disclosure(AuditEvent):
    """Data passed to someone outside the caller: a partner, an export file, a SIEM."""

    operation = Operation.DISCLOSURE

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.recipients:
            raise ValueError("a disclosure names its recipients")


@dataclass(frozen=True, kw_only=True)
class Combination(AuditEvent):
    """Records of different sources joined, such as a linkage run (one entry names the run)."""

    operation = Operation.COMBINATION


@dataclass(frozen=True, kw_only=True)
class Erasure(AuditEvent):
    """Data disposed of; the entry holds who erased what and when, not the data (ICO)."""

    operation = Operation.ERASURE


@dataclass(frozen=True, kw_only=True)
class Access(AuditEvent):
    """A change in who is signed in and why; use the subclass named for it."""

    operation = Operation.ACCESS


@dataclass(frozen=True, kw_only=True)
class SignedIn(Access):
    """A user proved who they are and a session began (`details.method`: password, oidc)."""

    action: str = "session.sign-in"


@dataclass(frozen=True, kw_only=True)
class SignInFailed(Access):
    """A sign-in was refused; `actor` is `anonymous` when no such user exists."""

    action: str = "session.sign-in"
    outcome: Outcome = Outcome.DENIED


@dataclass(frozen=True, kw_only=True)
class LockedOut(Access):
    """Too many failed sign-ins: the account refuses sign-in until `details.until`."""

    action: str = "session.lockout"


@dataclass(frozen=True, kw_only=True)
class SignInThrottled(Access):
    """A sign-in refused unchecked: its client address (`details.address`) had tried too many
    within a minute. `actor` is `anonymous`: no account is looked up for it."""

    action: str = "session.sign-in-throttled"
    outcome: Outcome = Outcome.DENIED


@dataclass(frozen=True, kw_only=True)
class PurposeChosen(Access):
    """The purpose (and any justification) a user chose for the rest of their session."""

    action: str = "session.purpose"


@dataclass(frozen=True, kw_only=True)
class SignedOut(Access):
    """A session ended; `details.reason`: sign-out, user-disabled, password-reset."""

    action: str = "session.sign-out"
