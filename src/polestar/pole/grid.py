"""Converting between the British National Grid and WGS84 latitude and longitude.

Force and council systems record locations as grid eastings and northings (EPSG:27700);
maps, data.police.uk and CAP alerts want latitude and longitude (EPSG:4326). The maths is
PROJ's, through pyproj: a hand-written Helmert transform is easy to get subtly wrong.
"""

from __future__ import annotations

import math
import warnings
from functools import cache

from pyproj import Transformer
from pyproj.transformer import AreaOfInterest, TransformerGroup

from polestar.errors import InvalidValue

# The extent of the National Grid's false origin square that covers Great Britain.
MAX_EASTING = 700_000.0
MAX_NORTHING = 1_300_000.0
# Round trips through PROJ move a point by about a millimetre; a point that lands this close
# outside the grid's edge is on it.
_EDGE_TOLERANCE = 1.0
# EPSG's area of use for OSGB36 ↔ WGS84: Great Britain, onshore and offshore.
_GREAT_BRITAIN = AreaOfInterest(-9.01, 49.75, 2.01, 61.01)


@cache
def _transformer(source: str, target: str) -> Transformer:
    """Return the one transformation used for the whole grid, built once per direction.

    Left to choose per point, PROJ switches between regional OSGB36 → WGS84 transformations
    and a "ballpark" one offshore, which moves points by up to 150 m and breaks round trips.
    So we take the best transformation PROJ has for all of Great Britain: OSTN15 where its
    grid file is installed (about 0.1 m), otherwise the EPSG Helmert transformation "OSGB36 to
    WGS 84 (6)" (about 2 m). Transformers are thread-safe since pyproj 3.1.
    """
    with warnings.catch_warnings():
        # pyproj warns that OSTN15's grid is missing; the Helmert fallback is what we expect.
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup(source, target, always_xy=True, area_of_interest=_GREAT_BRITAIN)
    return group.transformers[0]


def _check_grid(easting: float, northing: float, what: str) -> None:
    if not (0.0 <= easting <= MAX_EASTING and 0.0 <= northing <= MAX_NORTHING):
        raise InvalidValue(
            f"{what} is outside Great Britain's National Grid "
            f"(eastings 0–{MAX_EASTING:.0f}, northings 0–{MAX_NORTHING:.0f})"
        )


def bng_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """Convert a National Grid reference in metres to WGS84.

    Args:
        easting: Metres east of the grid's false origin.
        northing: Metres north of the grid's false origin.

    Returns:
        (latitude, longitude) in degrees.

    Raises:
        InvalidValue: If the point is outside the grid (or not a number).

    Example:
        >>> lat, lon = bng_to_wgs84(392000, 323000)  # Stafford
        >>> round(lat, 3), round(lon, 3)
        (52.804, -2.12)
    """
    _check_grid(easting, northing, f"easting, northing {f'{easting}, {northing}'!r}")
    lon, lat = _transformer("EPSG:27700", "EPSG:4326").transform(easting, northing)
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):  # outside OSTN15's grid, if used
        raise InvalidValue(f"easting, northing {f'{easting}, {northing}'!r} cannot be converted")
    return lat, lon


def wgs84_to_bng(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS84 latitude and longitude to a National Grid reference in metres.

    Args:
        lat: Latitude in degrees.
        lon: Longitude in degrees.

    Returns:
        (easting, northing) in metres.

    Raises:
        InvalidValue: If the point falls outside the grid (or is not a number).
    """
    where = f"latitude, longitude {f'{lat}, {lon}'!r}"
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InvalidValue(f"{where} is not a position on Earth: check the order and signs")
    easting, northing = _transformer("EPSG:4326", "EPSG:27700").transform(lon, lat)
    easting, northing = float(easting), float(northing)
    if not (math.isfinite(easting) and math.isfinite(northing)):
        raise InvalidValue(f"{where} cannot be placed on Great Britain's National Grid")
    easting, northing = _onto_edge(easting, MAX_EASTING), _onto_edge(northing, MAX_NORTHING)
    _check_grid(easting, northing, where)
    return easting, northing


def _onto_edge(value: float, maximum: float) -> float:
    """Snap a value within `_EDGE_TOLERANCE` outside [0, maximum] onto the edge."""
    if -_EDGE_TOLERANCE <= value < 0.0:
        return 0.0
    if maximum < value <= maximum + _EDGE_TOLERANCE:
        return maximum
    return value
