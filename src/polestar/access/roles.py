"""The roles a user may hold; what each may see is data, in the agreements (`agreements/`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    """What a role may do beyond reading under its agreement.

    `ROLE_ABILITIES` is the one table of them: the pages a user is offered (navigation is built
    from it, so an officer or a partner caseworker is never shown a page they would be
    refused), what their session's scopes are (`tokens.scopes_for_roles`), and who may read the
    audit log or administer (`oversight`, `administration`) all read it.
    """

    REVIEW = "review"  # the linkage review queue, merges and splits (scope `review`)
    RETENTION = "retention"  # MoPI retention review: retain or dispose
    OVERSIGHT = "oversight"  # the audit log: who viewed whom
    READ_ADMINISTRATION = "read-administration"  # users, agreements, tokens (scope `admin`)
    ADMINISTER = "administer"  # change them


ROLE_ABILITIES: Mapping[UserRole, frozenset[Ability]] = {
    UserRole.ANALYST: frozenset({Ability.REVIEW}),
    UserRole.SUPERVISOR: frozenset({Ability.REVIEW, Ability.RETENTION}),
    UserRole.DATA_PROTECTION_OFFICER: frozenset({Ability.OVERSIGHT, Ability.READ_ADMINISTRATION}),
    UserRole.ADMINISTRATOR: frozenset(Ability),
}


def abilities(roles: Iterable[str]) -> frozenset[Ability]:
    """What a user holding `roles` may do."""
    return frozenset(
        ability
        for role in roles
        if role in ROLE_ABILITIES
        for ability in ROLE_ABILITIES[UserRole(role)]
    )
