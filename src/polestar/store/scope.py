"""The `Scope` every read of personal data takes: what one viewer may see, as data a query uses.

ARCHITECTURE.md premise 2: access rules become part of the query, never a filter applied to
results afterwards. `access.scope_for` builds a Scope from a Viewer; store, search and graph
functions take the Scope and never see a Viewer. A Scope is plain data so the same rules work
inside a request, in the CLI, and in alert matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from polestar.pole.model import FIELDS
from polestar.pole.vocabularies import Kind


class Category(StrEnum):
    """Restricted categories of record: seen only when the viewer's rules allow the category,
    and (while `POLESTAR_REQUIRE_JUSTIFICATION` is on) only with a justification.

    - `intelligence`: every record of a source record whose event is an intelligence log
      (the log, its subjects, their addresses and vehicles).
    - `sexual-offence-victim`: a person record linked as `victim` to an event whose
      `attributes.sexual_offence` is true — the victim's identity, not the offence.
    - `under-18`: a person record whose date of birth is less than 18 years before `as_of`.
    """

    INTELLIGENCE = "intelligence"
    SEXUAL_OFFENCE_VICTIM = "sexual-offence-victim"
    UNDER_18 = "under-18"


@dataclass(frozen=True)
class Grant:
    """One slice of records a viewer may see, and which of their fields.

    A record matches the grant when every condition that is not `None` holds; `None` means
    "no condition". Conditions on links look at links within the record's own source record.

    Attributes:
        kind: the POLE kind of the records.
        fields: the record's fields that may be shown: names from `pole.model.FIELDS[kind]`,
            `attributes.<name>` for one attribute, or `attributes` for all of them. Every other
            field is absent from what the viewer receives.
        sources: only records from these source systems.
        types: only objects of these object types, or events of these event types.
        roles: only records at one end of a link with one of these roles (`suspect` for a
            person who is a suspect, `resides-at` for a person's home or its occupant).
        flags: person records only: only those flagged `wanted` or `missing`, or carrying
            `markers`.
        entity_in: only records whose golden entity also has a record in one of these sources
            (an event: whose linked person's entity has); `probation` means "supervised
            people".
    """

    kind: Kind
    fields: frozenset[str]
    sources: frozenset[str] | None = None
    types: frozenset[str] | None = None
    roles: frozenset[str] | None = None
    flags: frozenset[str] | None = None
    entity_in: frozenset[str] | None = None


@dataclass(frozen=True)
class Scope:
    """What one viewer may see at one moment, for one purpose.

    A record is visible when at least one grant matches it and it is in no restricted
    category outside `categories`; its visible fields are the union of `fields` over the
    grants that match it. A Scope with no grants matches nothing (Aleph's `authz_query`):
    counts, pages and derived values then see no records at all.

    Attributes:
        organisation: the viewer's organisation.
        purpose: the purpose the viewer stated (one of `pole.vocabularies.PURPOSES`).
        as_of: the time the scope was built for; `under-18` is reckoned from its date.
        grants: what the viewer may see.
        categories: restricted categories the viewer may see; records in any other
            restricted category are invisible, whatever the grants say.
        withheld: what the viewer's rules allow but a missing justification holds back:
            category slugs, and `kind.field` names of fields an agreement marks sensitive.
            Neither appears in `categories` or in a grant's `fields`; a caller may tell
            the viewer that a justification would show more.
        justified: whether a justification was given (or none is required).
    """

    organisation: str
    purpose: str
    as_of: datetime
    grants: tuple[Grant, ...] = ()
    categories: frozenset[Category] = field(default_factory=frozenset)
    withheld: frozenset[str] = field(default_factory=frozenset)
    justified: bool = False

    @property
    def kinds(self) -> frozenset[Kind]:
        """The kinds of record the viewer may see any of."""
        return frozenset(grant.kind for grant in self.grants)

    def grants_for(self, kind: Kind) -> tuple[Grant, ...]:
        """The grants for one kind, for building that kind's WHERE clause."""
        return tuple(grant for grant in self.grants if grant.kind is kind)

    def sees_whole(self, source: str) -> bool:
        """Whether every field of every kind of `source`'s records is granted unconditionally
        (an organisation's own sources, the home force's): only then may raw, unmapped content
        of that source, such as a quarantined record, be shown."""
        return all(
            any(
                (grant.sources is None or source in grant.sources)
                and grant.types is None
                and grant.roles is None
                and grant.flags is None
                and grant.entity_in is None
                and grant.fields >= {*FIELDS[kind], "attributes"}
                for grant in self.grants_for(kind)
            )
            for kind in Kind
        )

    def fields(self, kind: Kind) -> frozenset[str]:
        """Every field of `kind` some grant shows: the most a record of that kind can show."""
        return frozenset().union(*(grant.fields for grant in self.grants_for(kind)))
