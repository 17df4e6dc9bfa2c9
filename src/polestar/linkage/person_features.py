"""A person record's features in Python, as `people.FEATURES_SQL` derives them in DuckDB.

The duplicate check at entry derives one record's features; in DuckDB that is a statement
planned anew on every call (about 8 ms, see `sql_python`). This mirrors the SQL value for
value — DuckDB's `strip_accents` is a canonical decomposition without its marks, its `upper`
maps one character to one — and a test derives every record of a county both ways and
compares them, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

_NOT_LETTER = re.compile(r"[^A-Za-z]")
_NOT_UPPER = re.compile(r"[^A-Z]")
_SURNAME_BREAK = re.compile(r"[- ]+")


def _strip_accents(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.category(c).startswith("M")
    )


def upper(text: str) -> str:
    """One character to one, as DuckDB maps case (`ß` stays one letter, never `SS`)."""
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


def name_key(value: str | None) -> str | None:
    """`_KEY` of FEATURES_SQL: letters only, upper case, NULL when none are left."""
    return upper(_NOT_LETTER.sub("", _strip_accents(value or ""))) or None


def surname_parts(surname: str | None) -> list[str]:
    parts = _SURNAME_BREAK.split(upper(_strip_accents(surname or "")))
    return [p for p in (_NOT_UPPER.sub("", part) for part in parts) if len(p) > 1]


def _dob_swapped(dob: date) -> str | None:
    if dob.day <= 12 and dob.day != dob.month:
        return date(dob.year, dob.day, dob.month).isoformat()
    return None


def person_features(
    person: Mapping[str, Any],
    postcode: str | None,
    phone: str | None,
    forms: Mapping[str, list[str]],
    places: Iterable[str] = (),
) -> dict[str, Any]:
    """The features of one person row (`linkable.person_batches` columns) with its home
    postcode and phone (the least, as FEATURES_SQL takes them), the name forms table and the
    keys of its places (`locations.address_keys`)."""
    dob: date | None = person["dob"]
    fn = name_key(person["forename"])
    outcode = postcode.split(" ")[0] if postcode is not None else None
    sector = None
    if postcode is not None:
        second = postcode.split(" ")[1] if " " in postcode else ""
        sector = f"{outcode} {second[:1]}"
    return {
        "unique_id": person["unique_id"],
        "record_id": person["record_id"],
        "source": person["source"],
        "source_key": person["source_key"],
        "fn": fn,
        "sn": name_key(person["surname"]),
        "sn_parts": surname_parts(person["surname"]),
        "dob": dob.isoformat() if dob is not None else None,
        "yob": dob.year if dob is not None else None,
        "dob_md": f"{dob.month:02d}-{dob.day:02d}" if dob is not None else None,
        "dob_swapped": _dob_swapped(dob) if dob is not None else None,
        "gender": person["gender"] if person["gender"] in ("M", "F") else None,
        "postcode": postcode,
        "outcode": outcode,
        "sector": sector,
        "phone": phone,
        "places": sorted(set(places)) or None,
        "pnc_id": person["pnc_id"],
        "crn": person["crn"],
        "ni_number": person["ni_number"],
        "fn_initial": fn[:1] if fn is not None else None,
        "fn_forms": sorted({*forms.get(fn, []), fn}) if fn is not None else None,
    }
