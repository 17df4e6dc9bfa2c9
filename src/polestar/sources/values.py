"""The value types a mapping file may name (`type: postcode`), each backed by a POLE normaliser.

A value type turns a raw value into a clean one or raises `InvalidValue`; the engine then
keeps the raw value with a field warning instead of losing the record. A composite type
(`full_name`, `address`, `grid`, …) fills several model fields from one or more values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from polestar.errors import InvalidValue
from polestar.pole.dates import DateValue
from polestar.pole.genders import Gender
from polestar.pole.grid import bng_to_wgs84
from polestar.pole.identifiers import CroNumber, NiNumber, PncId, ProbationCrn, Uprn
from polestar.pole.names import PersonName, parse_full, split_forenames
from polestar.pole.phones import Phone
from polestar.pole.postcodes import ForeignPostcode, Postcode
from polestar.pole.times import LocalTime
from polestar.pole.vocabularies import WarningMarker
from polestar.pole.vrms import ForeignVrm, Vrm

_SPACES = re.compile(r"\s+")
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@dataclass(frozen=True)
class Options:
    """What a field spec tells its value type beyond the raw value."""

    formats: Sequence[str] | None = None
    order: str = "auto"
    split: str | None = None
    zone: str = "Europe/London"


@dataclass(frozen=True)
class Noted:
    """A clean value the engine keeps, with a note it records as a field warning."""

    value: Any
    note: str


@dataclass(frozen=True)
class Day:
    """A time its source gave only to the day: stored at the start of that day, and known as
    the day (`pole.model.DAY_ONLY`)."""

    start: datetime
    day: date


def _text(raw: Any) -> str:
    if isinstance(raw, dict | list):
        raise InvalidValue(f"expected a single value, got {type(raw).__name__}")
    value = _SPACES.sub(" ", str(raw)).strip()
    if not value:
        raise InvalidValue("empty value")
    return value


def _items(raw: Any, options: Options) -> list[Any]:
    """A list value: a JSON/XML list as is, or text split on the spec's separator."""
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict):
        return [raw]
    return [item for item in str(raw).split(options.split or ";") if item.strip()]


def _date(raw: Any, options: Options) -> date:
    return DateValue.clean(_text(raw), formats=options.formats or ("%Y-%m-%d",))


def _datetime(raw: Any, options: Options) -> Any:
    result = LocalTime.clean(
        _text(raw), formats=options.formats or ("%Y-%m-%dT%H:%M:%S",), zone=options.zone
    )
    moment: datetime | Day = result.utc
    if result.day_only:
        moment = Day(result.utc, result.utc.astimezone(ZoneInfo(options.zone)).date())
    if result.flag == "ambiguous":
        return Noted(
            moment,
            f"{raw!r} is in the repeated hour at a clock change: read as the first occurrence",
        )
    if result.flag == "nonexistent":
        return Noted(moment, f"{raw!r} is in the hour skipped at a clock change: moved forward")
    return moment


def _bool(raw: Any, _options: Options) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(f"{raw!r} is not yes or no")


def _number(convert: Callable[[str], Any]) -> Callable[[Any, Options], Any]:
    def clean(raw: Any, _options: Options) -> Any:
        try:
            return convert(_text(raw))
        except ValueError:
            raise InvalidValue(f"{raw!r} is not a number") from None

    return clean


def _lines(raw: Any, options: Options) -> list[str]:
    if isinstance(raw, list):
        lines = [_text(line) for line in raw if str(line).strip()]
    else:
        lines = [_text(line) for line in str(raw).split(options.split or ",") if line.strip()]
    if not lines:
        raise InvalidValue("empty address")
    return lines


def _markers(raw: Any, options: Options) -> Any:
    markers: list[dict[str, str | None]] = []
    refused: list[str] = []
    for item in _items(raw, options):
        code, when = (
            (item.get("code"), item.get("date")) if isinstance(item, dict) else (item, None)
        )
        code = str(code or "").strip().upper()
        if code not in WarningMarker.__members__:
            refused.append(code or str(item))
            continue
        marker_date = _date(when, Options()).isoformat() if when else None
        markers.append({"code": code, "date": marker_date})
    if refused and not markers:
        raise InvalidValue(f"unknown warning marker(s): {', '.join(map(repr, refused))}")
    if refused:
        left_out = ", ".join(map(repr, refused))
        return Noted(markers, f"unknown warning marker(s) left out: {left_out}")
    return markers


def _aliases(raw: Any, options: Options) -> list[dict[str, str | None]]:
    aliases = []
    for item in _items(raw, options):
        if isinstance(item, dict):
            forename = item.get("forename")
            surname = item.get("surname")
            aliases.append(
                {
                    "forename": PersonName.clean(str(forename)) if forename else None,
                    "surname": PersonName.clean(str(surname)) if surname else None,
                }
            )
        else:
            parsed = parse_full(_text(item), order="auto")
            aliases.append({"forename": parsed.forename, "surname": parsed.surname})
    return aliases


def _list(raw: Any, options: Options) -> list[str]:
    return [_text(item) for item in _items(raw, options)]


def _normaliser(clean: Callable[[str], Any]) -> Callable[[Any, Options], Any]:
    return lambda raw, _options: clean(_text(raw))


def _hinted(clean: Callable[[str], Any], hint: str) -> Callable[[Any, Options], Any]:
    """`clean`, its refusal followed by `hint`: a whole column of another country's postal
    codes or plates fails a GB type, and the warning says how to keep them."""

    def hinted(raw: Any, _options: Options) -> Any:
        try:
            return clean(_text(raw))
        except InvalidValue as exc:
            raise InvalidValue(f"{exc} ({hint})") from None

    return hinted


# Composite types take the raw values of the spec's `path` (or `paths`) and fill fields.
def _forenames(raws: Sequence[Any], _options: Options) -> dict[str, Any]:
    forename, middle = split_forenames(_text(raws[0]))
    return {"forename": forename, "middle_names": middle}


def _full_name(raws: Sequence[Any], options: Options) -> dict[str, Any]:
    parsed = parse_full(_text(raws[0]), order=options.order)  # type: ignore[arg-type]
    return {
        "forename": parsed.forename,
        "middle_names": parsed.middle_names,
        "surname": parsed.surname,
    }


def _address(raws: Sequence[Any], options: Options) -> dict[str, Any]:
    """`12 Mill Lane, Stone` → lines ["12 Mill Lane"], town "Stone"."""
    parts = _lines(raws[0], options)
    if len(parts) == 1:
        return {"lines": parts}
    return {"lines": parts[:-1], "town": parts[-1]}


def _grid(raws: Sequence[Any], _options: Options) -> dict[str, Any]:
    if len(raws) != 2:
        raise InvalidValue("grid needs two paths: easting and northing")
    try:
        easting, northing = float(_text(raws[0])), float(_text(raws[1]))
    except ValueError:
        raise InvalidValue(f"{raws[0]!r}, {raws[1]!r} are not grid coordinates") from None
    latitude, longitude = bng_to_wgs84(easting, northing)
    return {"easting": easting, "northing": northing, "latitude": latitude, "longitude": longitude}


VALUE_TYPES: dict[str, Callable[[Any, Options], Any]] = {
    "text": lambda raw, _options: _text(raw),
    "name": _normaliser(PersonName.clean),
    "date": _date,
    "datetime": _datetime,
    "gender": _normaliser(Gender.clean),
    "postcode": _hinted(
        Postcode.clean, "a postal code from outside the UK maps with type: foreign_postcode"
    ),
    "foreign_postcode": _normaliser(ForeignPostcode.clean),
    "vrm": _hinted(Vrm.clean, "a plate from outside Great Britain maps with type: foreign_vrm"),
    "foreign_vrm": _normaliser(ForeignVrm.clean),
    "phone": _normaliser(Phone.clean),
    "pnc_id": _normaliser(PncId.clean),
    "cro_number": _normaliser(CroNumber.clean),
    "ni_number": _normaliser(NiNumber.clean),
    "crn": _normaliser(ProbationCrn.clean),
    "uprn": _normaliser(Uprn.clean),
    "bool": _bool,
    "int": _number(int),
    "float": _number(float),
    "lines": _lines,
    "list": _list,
    "data": lambda raw, _options: raw,  # structured data kept as it came (charges, gradings)
    "markers": _markers,
    "aliases": _aliases,
}

COMPOSITE_TYPES: dict[str, Callable[[Sequence[Any], Options], dict[str, Any]]] = {
    "forenames": _forenames,
    "full_name": _full_name,
    "address": _address,
    "grid": _grid,
}
