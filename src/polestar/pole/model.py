"""The POLE model declared as data: which fields each kind of record has, and what they hold.

Like FollowTheMoney's schema files, the model is a table rather than code, so the mapping
engine can check a mapping file against it and the store's typed columns can be checked
against it by a test. Anything a source holds that is not here lands in `attributes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from polestar.pole.vocabularies import EventType, Kind, ObjectType


@dataclass(frozen=True)
class Field:
    """One field of a POLE record.

    Attributes:
        value_type: the normaliser that cleans it (see `polestar.sources.values`).
        matchable: whether linkage and search may use it. Free text is never matchable.
        doc: what the field holds, for people reading the model.
    """

    value_type: str
    matchable: bool
    doc: str


PERSON: dict[str, Field] = {
    "forename": Field("name", True, "First forename; initials are kept as the initial."),
    "middle_names": Field("name", True, "Further forenames, space-separated."),
    "surname": Field("name", True, "Family name, hyphenated or double-barrelled as written."),
    "dob": Field("date", True, "Date of birth."),
    "gender": Field("gender", True, "M, F, X or U."),
    "pnc_id": Field("pnc_id", True, "Police National Computer id, YYYY/NNNNNNNL."),
    "cro_number": Field("cro_number", True, "Criminal Records Office number."),
    "ni_number": Field("ni_number", True, "National Insurance number."),
    "crn": Field("crn", True, "Probation case reference number."),
    "driving_licence": Field("text", True, "Driving licence number."),
    "wanted": Field("bool", False, "Flagged as wanted by the source."),
    "missing": Field("bool", False, "Flagged as missing by the source."),
    # Lists kept as JSON: several per person, shown with the record, matched as a set.
    "aliases": Field("aliases", True, "Other names the source holds for the person."),
    "markers": Field("markers", False, "Warning markers (code and date) held by the source."),
}

OBJECT: dict[str, Field] = {
    "vrm": Field("vrm", True, "Vehicle registration mark, compact upper case."),
    "make": Field("text", True, "Vehicle make."),
    "model": Field("text", True, "Vehicle model."),
    "colour": Field("text", True, "Vehicle colour."),
    "phone_number": Field("phone", True, "Phone number in E.164."),
    "description": Field("text", False, "Free-text description (weapons, property)."),
}

LOCATION: dict[str, Field] = {
    "lines": Field("lines", True, "Address lines before the town."),
    "town": Field("text", True, "Post town, as written."),
    "postcode": Field("postcode", True, "UK postcode, upper case with one space."),
    "uprn": Field("uprn", True, "Unique Property Reference Number, when the source knows it."),
    "easting": Field("float", False, "British National Grid easting (metres)."),
    "northing": Field("float", False, "British National Grid northing (metres)."),
    "latitude": Field("float", False, "WGS84 latitude."),
    "longitude": Field("float", False, "WGS84 longitude."),
    "description": Field("text", False, "A free-text location as recorded (o/s 12 Mill Lane)."),
}

EVENT: dict[str, Field] = {
    "occurred_at": Field("datetime", False, "When it happened (or began), UTC."),
    "ended_at": Field("datetime", False, "When it ended, UTC."),
    "day_only": Field(
        "bool", False, "The source gave the day it happened, not the time: shown as the day."
    ),
    "category": Field("text", False, "Crime category slug or the source's incident type."),
    "offence": Field("text", False, "Offence or charge as the source words it."),
    "outcome": Field("text", False, "Outcome or result."),
    "grade": Field("text", False, "Call grade (1–4) or intelligence grading."),
    "summary": Field("text", False, "Free-text summary."),
}

# A time a source may give only to the day, and the field that then says so: set by the
# mapping engine, and shown wherever the time is (`access.agreements`), so that the midnight
# such a time is stored at is never read as the time it happened.
DAY_ONLY: dict[str, str] = {"occurred_at": "day_only"}

FIELDS: dict[Kind, dict[str, Field]] = {
    Kind.PERSON: PERSON,
    Kind.OBJECT: OBJECT,
    Kind.LOCATION: LOCATION,
    Kind.EVENT: EVENT,
}

OBJECT_TYPES: frozenset[str] = frozenset(t.value for t in ObjectType)
EVENT_TYPES: frozenset[str] = frozenset(t.value for t in EventType)


def record_kind(kind: Kind, subtype: str | None) -> str:
    """The kind that names a record to people and in truth files: objects by their type.

    A custody row yields a person, a location and a phone all keyed by the row's key; the
    record kind (`person`, `phone`, `vehicle`, …) is what tells them apart.
    """
    if kind is Kind.OBJECT and subtype:
        return subtype
    return kind.value
