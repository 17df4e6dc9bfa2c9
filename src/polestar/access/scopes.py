"""Building a viewer's `Scope`: their organisation's agreement, their roles, purpose and
justification, and the time of the lookup (see `store.scope` for what a Scope means).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from polestar.access.agreements import Agreement, all_fields, current_agreement
from polestar.access.organisations import organisations
from polestar.access.viewer import Viewer
from polestar.errors import FieldError, InvalidInput
from polestar.pole.vocabularies import PURPOSES, Kind
from polestar.store.scope import Category, Grant, Scope


def _rules(agreement: Agreement, roles: frozenset[str]) -> tuple[list[str], frozenset[Category]]:
    """The purposes and restricted categories the viewer's roles give them under `agreement`."""
    if agreement.roles is None:
        return agreement.purposes, frozenset(agreement.categories)
    purposes: list[str] = []
    categories: set[Category] = set()
    for role in sorted(roles & agreement.roles.keys()):
        rule = agreement.roles[role]
        purposes.extend(p for p in rule.purposes or agreement.purposes if p not in purposes)
        categories.update(rule.categories)
    return purposes, frozenset(categories)


def _own_grants(sources: tuple[str, ...]) -> tuple[Grant, ...]:
    """An organisation sees every field of the records its own sources hold."""
    if not sources:
        return ()
    return tuple(Grant(kind, all_fields(kind), sources=frozenset(sources)) for kind in Kind)


def _purpose_error(message: str, allowed: list[str]) -> InvalidInput:
    hint = f"allowed: {', '.join(allowed)}" if allowed else "no purpose is allowed"
    return InvalidInput(message, [FieldError("purpose", hint)])


def purposes_for(db: Engine | Connection, organisation: str, roles: frozenset[str]) -> list[str]:
    """The purposes a user of `organisation` holding `roles` may state (none: no agreement)."""
    if isinstance(db, Engine):
        with db.connect() as conn:
            return purposes_for(conn, organisation, roles)
    agreement = current_agreement(db, organisation)
    return [] if agreement is None else _rules(agreement, roles)[0]


def scope_for(
    db: Engine | Connection,
    viewer: Viewer,
    now: datetime,
    *,
    require_justification: bool = True,
) -> Scope:
    """What `viewer` may see at `now`, as a Scope for store, search and graph functions.

    The purpose must be one the viewer's organisation's agreement lists and, where the
    agreement has role rules, one the viewer's roles allow. An agreement outside its dates
    grants nothing (an empty Scope). Restricted categories the roles allow, and fields the
    agreement marks sensitive, are withheld (listed in `Scope.withheld`) unless a
    justification is given or `require_justification` is off.

    Args:
        db: an engine, or a connection already open in the caller's transaction.
        require_justification: pass `settings.require_justification`.

    Raises:
        InvalidInput: (HTTP 422) no purpose, an unknown one, or one the agreement or the
            viewer's roles do not allow; no agreement loaded for the organisation.
    """
    if isinstance(db, Engine):
        with db.connect() as conn:
            return scope_for(conn, viewer, now, require_justification=require_justification)
    purpose = viewer.purpose
    if not purpose:
        raise _purpose_error("a purpose is required", list(PURPOSES))
    if purpose not in PURPOSES:
        raise _purpose_error(f"no purpose {purpose!r}", list(PURPOSES))
    agreement = current_agreement(db, viewer.organisation)
    if agreement is None:
        raise _purpose_error(f"{viewer.organisation} has no sharing agreement loaded", [])
    purposes, allowed_categories = _rules(agreement, viewer.roles)
    if purpose not in purposes:
        raise _purpose_error(
            f"purpose {purpose!r} is not in {viewer.organisation}'s agreement for "
            f"{', '.join(sorted(viewer.roles)) or 'a user without roles'}",
            purposes,
        )
    justified = not require_justification or bool((viewer.justification or "").strip())
    scope = Scope(viewer.organisation, purpose, now, justified=justified)
    if not agreement.in_force(now):
        return scope
    organisation = organisations(db)[viewer.organisation]
    sensitive: dict[Kind, set[str]] = {}
    for name in agreement.sensitive:
        kind, _, field = name.partition(".")
        sensitive.setdefault(Kind(kind), set()).add(field)
    shared = [spec.grant() for spec in agreement.grants]
    if not justified:
        shared = [replace(g, fields=g.fields - sensitive.get(g.kind, set())) for g in shared]
    withheld: set[str] = set()
    if not justified:
        withheld.update(category.value for category in allowed_categories)
        withheld.update(
            f"{g.kind.value}.{field}"
            for g in agreement.grants
            for field in g.field_names() & sensitive.get(g.kind, set())
        )
    return replace(
        scope,
        grants=(*_own_grants(organisation.sources), *(g for g in shared if g.fields)),
        categories=allowed_categories if justified else frozenset(),
        withheld=frozenset(withheld),
    )
