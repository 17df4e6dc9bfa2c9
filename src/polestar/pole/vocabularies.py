"""The fixed vocabularies of the POLE model: kinds, link roles, event types, markers, categories.

Values are the slugs stored and shown in exports; labels are for people.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """The four POLE kinds. Objects carry an `object_type`; events an `event_type`."""

    PERSON = "person"
    OBJECT = "object"
    LOCATION = "location"
    EVENT = "event"


class ObjectType(StrEnum):
    VEHICLE = "vehicle"
    PHONE = "phone"
    WEAPON = "weapon"
    PROPERTY = "property"


class EventType(StrEnum):
    CRIME = "crime"
    INTELLIGENCE = "intelligence"
    INCIDENT = "incident"
    CUSTODY = "custody"
    FIRE_INCIDENT = "fire-incident"
    HEARING = "hearing"
    SUPERVISION = "supervision"


class Role(StrEnum):
    """Typed links. The first kind named is the link's `from` end."""

    # person → event
    VICTIM = "victim"
    SUSPECT = "suspect"
    OFFENDER = "offender"
    WITNESS = "witness"
    REPORTER = "reporter"
    ARRESTED_PERSON = "arrested-person"
    DEFENDANT = "defendant"
    SUBJECT = "subject"
    # person → location
    RESIDES_AT = "resides-at"
    WORKS_AT = "works-at"
    # person → object
    OWNS = "owns"
    USES = "uses"
    KEEPER = "keeper"
    # person → person
    FAMILY = "family"
    ASSOCIATE = "associate"
    # event → location / object
    OCCURRED_AT = "occurred-at"
    INVOLVED = "involved"


class WarningMarker(StrEnum):
    """PNC-style warning markers (REFERENCE.md); shown to officers first."""

    VI = "VI"
    WE = "WE"
    FI = "FI"
    EX = "EX"
    DR = "DR"
    ES = "ES"
    SH = "SH"
    SU = "SU"
    MH = "MH"
    IM = "IM"
    CO = "CO"
    AG = "AG"


MARKER_LABELS: dict[WarningMarker, str] = {
    WarningMarker.VI: "violent",
    WarningMarker.WE: "weapons",
    WarningMarker.FI: "firearms",
    WarningMarker.EX: "explosives",
    WarningMarker.DR: "drugs",
    WarningMarker.ES: "escaper",
    WarningMarker.SH: "self-harm",
    WarningMarker.SU: "suicidal",
    WarningMarker.MH: "mental health",
    WarningMarker.IM: "ailment",
    WarningMarker.CO: "contagious",
    WarningMarker.AG: "alleges",
}

# data.police.uk's street-level categories (REFERENCE.md), plus our own for intelligence.
CRIME_CATEGORIES: tuple[str, ...] = (
    "anti-social-behaviour",
    "bicycle-theft",
    "burglary",
    "criminal-damage-arson",
    "drugs",
    "other-theft",
    "possession-of-weapons",
    "public-order",
    "robbery",
    "shoplifting",
    "theft-from-the-person",
    "vehicle-crime",
    "violent-crime",
    "other-crime",
)

# Purposes an agreement may allow (CONVENTIONS.md).
PURPOSES: tuple[str, ...] = (
    "investigation",
    "intelligence",
    "safeguarding",
    "prosecution",
    "offender-management",
    "fire-safety",
    "court-listing",
    "wanted-check",
)
