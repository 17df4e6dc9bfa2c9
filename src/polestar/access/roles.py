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


class Ability(StrEnum):
    """What a role may do beyond reading under its agreement: the pages a user is offered.

    Navigation is built from these, so an officer or a partner caseworker is never shown a
    page they would be refused; the page itself still checks (a hidden link is not a guard).
    """

    REVIEW = "review"  # the linkage review queue
    RETENTION = "retention"  # MoPI retention review
    OVERSIGHT = "oversight"  # who viewed whom; audit verification
    ADMINISTER = "administer"  # users, agreements, tokens (the DPO reads them)


_ABILITIES: dict[Ability, frozenset[UserRole]] = {
    Ability.REVIEW: frozenset({UserRole.ANALYST, UserRole.SUPERVISOR, UserRole.ADMINISTRATOR}),
    Ability.RETENTION: frozenset({UserRole.SUPERVISOR, UserRole.ADMINISTRATOR}),
    Ability.OVERSIGHT: frozenset({UserRole.DATA_PROTECTION_OFFICER}),
    Ability.ADMINISTER: frozenset({UserRole.ADMINISTRATOR, UserRole.DATA_PROTECTION_OFFICER}),
}


def abilities(roles: frozenset[str]) -> frozenset[Ability]:
    """What a user holding `roles` may do."""
    return frozenset(ability for ability, holders in _ABILITIES.items() if roles & holders)
