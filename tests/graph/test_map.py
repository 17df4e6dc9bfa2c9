"""Events on the map and crime hotspots, over the canary county (its crimes and the call
happened in Market Square, Stone): points and counts only from what each viewer sees."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from polestar.access import viewer_for
from polestar.errors import InvalidInput, NotFound
from polestar.graph import county
from polestar.graph.hotspots import Hotspots, hotspots_view, month_range
from polestar.graph.map import Box, MapPoints, When, area_view, map_view
from polestar.pole.vocabularies import Kind
from polestar.settings import Settings
from polestar.store.entities import members
from polestar.store.visible import VisibleRow
from tests.canary import JUSTIFICATION, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]
STONE = Box(52.85, -2.25, 52.95, -2.10)
ANALYST = ("home-analyst", "investigation", JUSTIFICATION)
OFFICER = ("home-officer", "investigation", None)
CPS = ("cps-caseworker", "prosecution", None)


def _inside(latitude: float, longitude: float) -> bool:
    return STONE.south < latitude < STONE.north and STONE.west < longitude < STONE.east


def _points(
    canary: Seeded, who: tuple[str, str, str | None], entity: str, **kw: object
) -> MapPoints:
    viewer = viewer_for(canary.engine, *who)
    return map_view(canary.engine, canary.settings, viewer, entity, **kw)  # type: ignore[arg-type]


def _hotspots(canary: Seeded, who: tuple[str, str, str | None], **kw: object) -> Hotspots:
    viewer = viewer_for(canary.engine, *who)
    return hotspots_view(canary.engine, canary.settings, viewer, "2025-01", "2025-03", **kw)  # type: ignore[arg-type]


def test_his_events_are_points_where_they_happened(canary: Seeded) -> None:
    found = _points(canary, ANALYST, canary.target)
    events = [point.event for point in found.points]
    assert events == ["crime:IN-26-000903", "crime:CR-25-000902", "crime:CR-25-000901"]
    for point in found.points:
        assert _inside(point.latitude, point.longitude), point
        assert point.records[0] == point.event
        assert point.place is not None
    assert found.points[1].category == "violent-crime"
    # Custody's arrest, the hearing and the supervision have no place on the map.
    assert found.unplaced == 3


def test_no_point_from_a_record_the_viewer_may_not_see(canary: Seeded) -> None:
    found = _points(canary, OFFICER, canary.target)
    assert "crime:IN-26-000903" not in [point.event for point in found.points]
    assert found.points


def test_no_point_where_the_viewer_may_not_see_coordinates(canary: Seeded) -> None:
    # The CPS sees his crimes (and where they happened, but not the coordinates) and his
    # custody arrest.
    found = _points(canary, CPS, canary.target)
    assert found.points == []
    assert found.unplaced == 3


def test_a_place_shows_what_happened_there(canary: Seeded) -> None:
    with canary.engine.connect() as conn:
        places = {(s, k): e for s, k, e in members(conn, "location")}
    square = places["crime", "CR-25-000901"]
    found = _points(canary, OFFICER, square)
    assert {"crime:CR-25-000901", "crime:CR-25-000902"} <= {p.event for p in found.points}
    assert {p.place for p in found.points} == {square}


def test_an_area_shows_what_happened_inside_it(canary: Seeded) -> None:
    viewer = viewer_for(canary.engine, *OFFICER)
    found = area_view(canary.engine, canary.settings, viewer, STONE)
    assert {p.event for p in found.points} >= {
        "crime:CR-25-000901",
        "crime:CR-25-000902",
        "incidents:INC-20250301-0901",
    }
    march = area_view(canary.engine, canary.settings, viewer, STONE, When(since=date(2025, 3, 1)))
    assert {p.event for p in march.points} == {"incidents:INC-20250301-0901"}
    elsewhere = area_view(canary.engine, canary.settings, viewer, Box(52.5, -2.0, 52.6, -1.9))
    assert elsewhere.points == []


def test_an_area_too_large_is_refused(canary: Seeded) -> None:
    viewer = viewer_for(canary.engine, *OFFICER)
    with pytest.raises(InvalidInput) as refused:
        area_view(canary.engine, canary.settings, viewer, Box(52.0, -3.0, 53.0, -2.0))
    assert [error.field for error in refused.value.errors] == ["box"]


def test_hotspots_count_the_crimes_by_cell_category_and_month(canary: Seeded) -> None:
    found = _hotspots(canary, ANALYST)
    assert found.total == 2
    assert found.by_month == {"2025-01": 1, "2025-02": 1}
    [cell] = found.cells
    assert cell.by_category == {"burglary": 1, "violent-crime": 1}
    assert cell.south <= 52.9 < cell.south + cell.size
    assert _hotspots(canary, ANALYST, categories=["burglary"]).total == 1


@pytest.mark.parametrize(
    "who",
    [CPS, ("fire-caseworker", "fire-safety", None), ("courts-caseworker", "court-listing", None)],
)
def test_partners_count_no_crime_they_cannot_place(
    canary: Seeded, who: tuple[str, str, str | None]
) -> None:
    found = _hotspots(canary, who)
    assert (found.total, found.cells, found.by_month) == (0, [], {})


@pytest.mark.parametrize(
    ("months", "field"), [(("2025-1", None), "month"), (("2025-01", "2026-06"), "to_month")]
)
def test_bad_months_are_refused(canary: Seeded, months: tuple[str, str | None], field: str) -> None:
    viewer = viewer_for(canary.engine, *ANALYST)
    with pytest.raises(InvalidInput) as refused:
        hotspots_view(canary.engine, canary.settings, viewer, *months)
    assert [error.field for error in refused.value.errors] == [field]


def test_ingest_keeps_the_county_geometry_where_the_app_finds_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(NotFound):
        county.geometry(settings)
    exports = tmp_path / "county"
    exports.mkdir()
    shape = {"type": "FeatureCollection", "features": []}
    (exports / "county.geojson").write_text(json.dumps(shape), encoding="utf-8")
    assert county.keep([exports], settings) == tmp_path / "data" / "county.geojson"
    assert county.geometry(settings) == shape
    elsewhere = Settings(data_dir=tmp_path / "none", county_geojson=exports / "county.geojson")
    assert county.geometry(elsewhere) == shape


@pytest.mark.parametrize(
    ("month", "start", "end"),
    [
        ("2025-06", datetime(2025, 5, 31, 23, tzinfo=UTC), datetime(2025, 6, 30, 23, tzinfo=UTC)),
        ("2025-01", datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)),
    ],
)
def test_a_month_is_the_county_s_month(month: str, start: datetime, end: datetime) -> None:
    assert month_range(month, None) == ([month], start, end)


def test_a_crime_just_after_midnight_on_the_first_is_in_that_month_and_on_that_day() -> None:
    """00:30 BST on 1 June is 23:30 UTC on 31 May: June's, on the hotspots and on the map."""
    crime = VisibleRow(
        Kind.EVENT, 1, "crime", "CR-1", {"occurred_at": datetime(2025, 5, 31, 23, 30)}, "crime"
    )
    _, start, end = month_range("2025-06", None)
    assert start <= datetime(2025, 5, 31, 23, 30, tzinfo=UTC) < end
    assert When(since=date(2025, 6, 1), until=date(2025, 6, 1)).keeps(crime)
    assert not When(until=date(2025, 5, 31)).keeps(crime)
