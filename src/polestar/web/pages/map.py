"""`/map`, `/map/{id}` and `/map/area`: crime hotspots by category and month, the events of a
person, vehicle or place, and the events inside an area, on a Leaflet map with a table
alternative.

No tile server can be reached: `map.js` draws the county itself from the GeoJSON that
`/api/v1/map/county` serves (geometry only, no personal data), then the points or cells the
page carries as JSON. Each page makes one audited, scoped domain call (`graph.map`,
`graph.hotspots`, the same as `/api/v1/map/…`), so the data is read and recorded once and
leaves with the page's `no-store`. An entity's id, months and categories may travel in the URL;
an area is posted, since a small enough box can single out a house (as the API does).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, field_validator

from polestar.errors import InvalidInput
from polestar.graph import hotspots as hotspot_map
from polestar.graph import map as event_map
from polestar.pole.times import LONDON, london_day
from polestar.pole.vocabularies import CRIME_CATEGORIES
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.network import profile_of
from polestar.web.pages.shell import templates
from polestar.web.sessions import PageViewer

router = APIRouter()
# The whole county, where the map opens before it has anything to fit (REFERENCE.md).
COUNTY = {"south": 52.42, "west": -2.47, "north": 53.23, "east": -1.59}


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


class EventsForm(BaseModel):
    """Which events: dated between `since` and `until`, of these crime categories."""

    since: date | None = None
    until: date | None = None
    categories: list[str] = Field(default_factory=list, max_length=len(CRIME_CATEGORIES))

    _blank = field_validator("since", "until", mode="before")(_empty_is_none)

    def when(self) -> event_map.When:
        return event_map.When(self.since, self.until, frozenset(self.categories) or None)


class AreaForm(EventsForm):
    """A box of at most `graph.map.MAX_BOX_DEGREES` a side, and which events in it."""

    south: float = Field(ge=-90, le=90)
    west: float = Field(ge=-180, le=180)
    north: float = Field(ge=-90, le=90)
    east: float = Field(ge=-180, le=180)


def _last_twelve_months() -> tuple[str, str]:
    today = datetime.now(LONDON).date()
    first = today.year * 12 + today.month - 1 - (hotspot_map.MAX_MONTHS - 1)
    return f"{first // 12:04d}-{first % 12 + 1:02d}", f"{today:%Y-%m}"


class HotspotsForm(BaseModel):
    """Which months (YYYY-MM, at most a year: the last twelve unless asked) and categories."""

    month: str = Field("", max_length=7)
    to_month: str = Field("", max_length=7)
    categories: list[str] = Field(default_factory=list, max_length=len(CRIME_CATEGORIES))

    def months(self) -> tuple[str, str]:
        if not self.month:
            return _last_twelve_months()
        return self.month, self.to_month or self.month


def _render(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    context = {"categories": CRIME_CATEGORIES, "county": COUNTY, **context}
    return templates.TemplateResponse(request, "map.html", context, status_code=status)


@router.get("/map", response_class=HTMLResponse)
def hotspots_page(
    request: Request,
    form: Annotated[HotspotsForm, Query()],
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """Crimes the viewer may see, counted per grid cell, by category and month."""
    month, to_month = form.months()
    shown = form.model_copy(update={"month": month, "to_month": to_month})
    try:
        found = hotspot_map.hotspots_view(
            engine, settings, viewer, month, to_month, form.categories or None
        )
    except InvalidInput as exc:
        return _render(request, 422, mode="hotspots", form=shown, error=exc)
    # A cell's "events here" asks for the same months as an area's dates.
    _months, start, end = hotspot_map.month_range(month, to_month)
    dates = (london_day(start), london_day(end - timedelta(days=1)))
    return _render(request, mode="hotspots", form=shown, hotspots=found.as_dict(), dates=dates)


@router.get("/map/{entity_id}", response_class=HTMLResponse)
def entity_map_page(
    request: Request,
    entity_id: str,
    form: Annotated[EventsForm, Query()],
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """Where the events of a person, vehicle or place happened; 404 if it is invisible."""
    context: dict[str, Any] = {
        "mode": "entity",
        "entity_id": entity_id,
        "profile": profile_of(entity_id),
        "form": form,
    }
    try:
        found = event_map.map_view(engine, settings, viewer, entity_id, form.when())
    except InvalidInput as exc:
        return _render(request, 422, error=exc, **context)
    return _render(request, points=found.as_dict(), **context)


@router.post("/map/area", response_class=HTMLResponse)
def area_map_page(
    request: Request,
    form: Annotated[AreaForm, Form()],
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The events that happened inside the posted box, as the viewer may see them."""
    box = event_map.Box(form.south, form.west, form.north, form.east)
    try:
        found = event_map.area_view(engine, settings, viewer, box, form.when())
    except InvalidInput as exc:
        return _render(request, 422, mode="area", form=form, error=exc)
    return _render(request, mode="area", form=form, points=found.as_dict())
