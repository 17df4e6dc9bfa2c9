"""audit: the s.62 log — typed events, an append-only HMAC chain, verification and export.

Domain functions record what they did (`record`, or `record_in` inside `transaction` when the
entry must commit with the action); the DPO's questions are `who_viewed`, `by_user` and
`heavy_users`, each itself recorded as a consultation of the log. See docs/audit.md.
"""

from polestar.audit.entries import LogEntry
from polestar.audit.events import (
    Access,
    Actor,
    Alteration,
    AuditEvent,
    Collection,
    Combination,
    Consultation,
    Disclosure,
    Erasure,
    LockedOut,
    Operation,
    Outcome,
    PurposeChosen,
    SignedIn,
    SignedOut,
    SignInFailed,
    SignInThrottled,
)
from polestar.audit.export import export
from polestar.audit.log import record, record_in, transaction
from polestar.audit.payloads import blank_payloads
from polestar.audit.queries import Found, HeavyUser, by_user, heavy_users, who_viewed
from polestar.audit.verify import BadEntry, VerifyReport, verify

__all__ = [
    "Access",
    "Actor",
    "Alteration",
    "AuditEvent",
    "BadEntry",
    "Collection",
    "Combination",
    "Consultation",
    "Disclosure",
    "Erasure",
    "Found",
    "HeavyUser",
    "LockedOut",
    "LogEntry",
    "Operation",
    "Outcome",
    "PurposeChosen",
    "SignInFailed",
    "SignInThrottled",
    "SignedIn",
    "SignedOut",
    "VerifyReport",
    "blank_payloads",
    "by_user",
    "export",
    "heavy_users",
    "record",
    "record_in",
    "transaction",
    "verify",
    "who_viewed",
]
