"""The map's JSON: where an entity's events happened, what happened in an area, crime
hotspots, and the county's geometry for the offline base layer.

An entity's events are a GET (an id and filters in the URL); an area is a POST, since a small
enough box can single out a house; hotspots are counts and travel as a GET. The geometry holds
no personal data and needs no purpose, only a token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.graph import county
from polestar.graph import hotspots as hotspot_map
from polestar.graph import map as event_map
from polestar.pole.vocabularies import CRIME_CATEGORIES
from polestar.web.api.sections import When
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(prefix="/map", tags=["map"])
EventsCaller = Annotated[Principal, Depends(Caller("read", event_map.ACTION))]
AreaCaller = Annotated[Principal, Depends(Caller("read", event_map.AREA_ACTION))]
HotspotsCaller = Annotated[Principal, Depends(Caller("read", hotspot_map.ACTION))]
CountyCaller = Annotated[Principal, Depends(Caller("read", "map.county"))]
Limit = Annotated[int, Query(description=f"Points at most, 1 to {event_map.MAX_LIMIT}.")]


class PointOut(BaseModel):
    event: str = Field(description="The event's record, SOURCE:KEY.")
    event_type: str | None
    category: str | None
    occurred_at: When
    latitude: float
    longitude: float
    place: str | None = Field(description="The place's location entity id, if linked.")
    address: str | None = Field(
        None, description="The place as its record gives it, on one line (or its description)."
    )
    records: list[str] = Field(description="The records behind the point: event and place.")


class PointsOut(BaseModel):
    points: list[PointOut] = Field(description="Newest first.")
    unplaced: int = Field(description="Visible events with no place you may see on a map.")
    truncated: bool = Field(description="True when `limit` cut the list.")


class AreaIn(BaseModel):
    """A box of at most 0.25 degrees a side, and which events."""

    south: float
    west: float
    north: float
    east: float
    since: date | None = None
    until: date | None = None
    categories: list[str] | None = None
    limit: int = Field(event_map.DEFAULT_LIMIT, ge=1, le=event_map.MAX_LIMIT)


class CellOut(BaseModel):
    south: float
    west: float
    north: float
    east: float
    count: int
    by_category: dict[str, int]


class HotspotsOut(BaseModel):
    months: list[str]
    cell: float = Field(description="The grid's cell size in degrees.")
    cells: list[CellOut] = Field(description="Cells with at least one crime, busiest first.")
    by_month: dict[str, int]
    total: int


def _when(since: date | None, until: date | None, categories: list[str] | None) -> event_map.When:
    return event_map.When(since, until, None if categories is None else frozenset(categories))


@router.get("/events/{entity_id}", response_model=PointsOut)
def get_entity_events(
    entity_id: str,
    caller: EventsCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
    since: date | None = None,
    until: date | None = None,
    categories: Annotated[list[str] | None, Query()] = None,
    limit: Limit = event_map.DEFAULT_LIMIT,
) -> PointsOut:
    """Where the events of a person, vehicle or place happened; 404 if it is invisible."""
    viewer = viewer_of(caller, purpose, justification)
    found = event_map.map_view(
        engine, settings, viewer, entity_id, _when(since, until, categories), limit
    )
    return PointsOut.model_validate(found.as_dict())


@router.post("/area", response_model=PointsOut)
def post_area(
    body: AreaIn,
    caller: AreaCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
) -> PointsOut:
    """The events that happened inside the box, as the caller may see them."""
    viewer = viewer_of(caller, purpose, justification)
    box = event_map.Box(body.south, body.west, body.north, body.east)
    when = _when(body.since, body.until, body.categories)
    found = event_map.area_view(engine, settings, viewer, box, when, body.limit)
    return PointsOut.model_validate(found.as_dict())


@router.get("/hotspots", response_model=HotspotsOut)
def get_hotspots(
    caller: HotspotsCaller,
    engine: StoreDep,
    settings: SettingsDep,
    month: Annotated[str, Query(description="The first month, YYYY-MM.")],
    purpose: Purpose = None,
    justification: Justification = None,
    to_month: Annotated[str | None, Query(description="The last month (12 at most).")] = None,
    categories: Annotated[
        list[str] | None, Query(description="Crime categories: " + ", ".join(CRIME_CATEGORIES))
    ] = None,
    cell: Annotated[float, Query(description="Cell size in degrees.")] = hotspot_map.DEFAULT_CELL,
) -> HotspotsOut:
    """Crimes the caller may see, counted per grid cell, by category and month."""
    viewer = viewer_of(caller, purpose, justification)
    found = hotspot_map.hotspots_view(engine, settings, viewer, month, to_month, categories, cell)
    return HotspotsOut.model_validate(found.as_dict())


@router.get("/county")
def get_county(_caller: CountyCaller, settings: SettingsDep) -> dict[str, Any]:
    """The county's GeoJSON (boundary, towns, streets, postcode districts) for the base
    layer; 404 until a generated county has been ingested (or `POLESTAR_COUNTY_GEOJSON`)."""
    return county.geometry(settings)
