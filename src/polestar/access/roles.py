"""The roles a user may hold; what each may see is data, in the agreements (`agreements/`)."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    """A user's job. A user holds one or more; the organisation's agreement says what each
    may do (its `roles:` rules), so adding a rule never needs code."""

    OFFICER = "officer"
    CALL_HANDLER = "call-handler"
    DISPATCHER = "dispatcher"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    PARTNER_CASEWORKER = "partner-caseworker"
    DATA_PROTECTION_OFFICER = "data-protection-officer"
    ADMINISTRATOR = "administrator"


ROLES: tuple[str, ...] = tuple(role.value for role in UserRole)
