"""Hotspots: how many crimes happened in each cell of a grid, by category and month.

Counts are of the crimes the viewer sees at places whose coordinates they see (premise 2:
derived values only from visible records), so a partner's map is built as if the rest did not
exist. The grid is a plain latitude/longitude one, `cell` degrees a side (0.01° is about
1.1 km north to south and 0.7 km east to west here): simple to draw with Leaflet rectangles,
and fine enough for a county. One request covers at most `MAX_MONTHS` months.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.access import Viewer
from polestar.access.consultations import Shown, consult
from polestar.errors import FieldError, InvalidInput
from polestar.graph.involvements import utc
from polestar.pole.times import LONDON, london_midnight
from polestar.pole.vocabularies import CRIME_CATEGORIES, EventType
from polestar.settings import Settings
from polestar.store.points import coordinates, events_between, occurred_at
from polestar.store.scope import Scope

ACTION = "map.hotspots"
MAX_MONTHS = 12
DEFAULT_CELL, MIN_CELL, MAX_CELL = 0.01, 0.001, 0.5
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Cell:
    """One cell of the grid (its south-west corner and size) and its crimes by category."""

    south: float
    west: float
    size: float
    by_category: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "south": self.south,
            "west": self.west,
            "north": round(self.south + self.size, 6),
            "east": round(self.west + self.size, 6),
            "count": sum(self.by_category.values()),
            "by_category": self.by_category,
        }


@dataclass(frozen=True)
class Hotspots:
    """Cells with at least one crime, busiest first, and the counts by month."""

    months: list[str]
    cell: float
    cells: list[Cell]
    by_month: dict[str, int]
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "months": self.months,
            "cell": self.cell,
            "cells": [cell.as_dict() for cell in self.cells],
            "by_month": self.by_month,
            "total": self.total,
        }


def month_range(first: str, last: str | None) -> tuple[list[str], datetime, datetime]:
    """The months from `first` to `last` (YYYY-MM), and [start, end) as UTC times: the
    county's months, from midnight in London (a crime at 00:30 BST on 1 June is June's)."""
    bad = [
        FieldError(name, "YYYY-MM, e.g. 2025-03")
        for name, value in (("month", first), ("to_month", last))
        if value is not None and not _MONTH.match(value)
    ]
    if bad:
        raise InvalidInput("months are written YYYY-MM", bad)
    start = datetime.strptime(first, "%Y-%m")
    final = datetime.strptime(last or first, "%Y-%m")
    count = (final.year - start.year) * 12 + final.month - start.month + 1
    if not 1 <= count <= MAX_MONTHS:
        raise InvalidInput(
            f"a hotspot map covers 1 to {MAX_MONTHS} months",
            [FieldError("to_month", f"on or after `month`, at most {MAX_MONTHS} months on")],
        )
    months = [
        f"{start.year + (start.month - 1 + i) // 12:04d}-{(start.month - 1 + i) % 12 + 1:02d}"
        for i in range(count)
    ]
    end_year, end_month = divmod(final.year * 12 + final.month, 12)
    end = datetime(end_year, end_month + 1, 1)
    return months, london_midnight(start.date()), london_midnight(end.date())


def check(cell: float, categories: Sequence[str] | None) -> None:
    errors = []
    if not MIN_CELL <= cell <= MAX_CELL:
        errors.append(FieldError("cell", f"between {MIN_CELL} and {MAX_CELL} degrees"))
    if categories is not None and (unknown := sorted(set(categories) - set(CRIME_CATEGORIES))):
        errors.append(FieldError("categories", f"unknown: {', '.join(unknown)}"))
    if errors:
        raise InvalidInput("the hotspots cannot be counted as asked", errors)


def hotspots(
    conn: Connection,
    scope: Scope,
    month: str,
    to_month: str | None = None,
    categories: Sequence[str] | None = None,
    cell: float = DEFAULT_CELL,
) -> Hotspots:
    """Crimes per cell from `month` to `to_month` (inclusive), of these categories.

    Raises:
        InvalidInput: (422) a bad month, range, cell size or category.
    """
    check(cell, categories)
    months, start, end = month_range(month, to_month)
    crimes = events_between(conn, scope, EventType.CRIME, start, end, categories)
    where = occurred_at(conn, scope, crimes)
    cells: dict[tuple[int, int], Counter[str]] = {}
    by_month: Counter[str] = Counter()
    for crime in crimes:
        spot = next((s for p in where.get(crime.key, ()) if (s := coordinates(p))), None)
        moment = utc(crime.values.get("occurred_at"))
        if spot is None or moment is None:
            continue
        key = (math.floor(spot[0] / cell), math.floor(spot[1] / cell))
        cells.setdefault(key, Counter())[crime.values.get("category") or "unknown"] += 1
        by_month[f"{moment.astimezone(LONDON):%Y-%m}"] += 1
    found = [
        Cell(round(i * cell, 6), round(j * cell, 6), cell, dict(sorted(counts.items())))
        for (i, j), counts in cells.items()
    ]
    found.sort(key=lambda c: (-sum(c.by_category.values()), c.south, c.west))
    return Hotspots(
        months,
        cell,
        found,
        {m: by_month[m] for m in months if by_month[m]},
        sum(by_month.values()),
    )


def hotspots_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    month: str,
    to_month: str | None = None,
    categories: Sequence[str] | None = None,
    cell: float = DEFAULT_CELL,
    now: datetime | None = None,
) -> Hotspots:
    """Crime counts per cell as `viewer` may see them, recorded as a consultation of
    aggregates (the months, categories and total in its details; no record is shown).

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; bad months, cell or
            categories.
    """

    def read(conn: Connection, scope: Scope) -> tuple[Hotspots, Shown]:
        found = hotspots(conn, scope, month, to_month, categories, cell)
        details = {"months": found.months, "categories": categories, "total": found.total}
        return found, Shown(entity_ids=["hotspots"], record_ids=[], details=details)

    return consult(engine, settings, viewer, ACTION, "hotspots", read, now)
