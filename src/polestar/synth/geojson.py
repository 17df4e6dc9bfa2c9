"""`county.geojson`: the county for maps — boundary, towns, streets and postcode districts.

Every feature has `properties.kind` (`boundary`, `town`, `street`, `postcode_district`) and
`properties.name`. District polygons are the convex hull of their streets, widened by a few
metres so that every address on those streets lies inside.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from polestar.pole.grid import bng_to_wgs84
from polestar.synth.geography import BBOX, TOWNS, Geography

FILE = "county.geojson"
# Degrees cut off each corner of the bounding box to make the boundary an octagon.
_CHAMFER = 0.08
# Metres around each street end included in its district's polygon (houses stand 10 m off).
_WIDEN_M = 20.0

Point = tuple[float, float]


def _lonlat(easting: float, northing: float) -> list[float]:
    lat, lon = bng_to_wgs84(easting, northing)
    return [round(lon, 6), round(lat, 6)]


def convex_hull(points: list[Point]) -> list[Point]:
    """Andrew's monotone chain: the hull's corners, counter-clockwise, first not repeated."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    upper: list[Point] = []
    for point in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def _feature(kind: str, name: str, geometry: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"kind": kind, "name": name, **extra},
        "geometry": geometry,
    }


def _boundary() -> dict[str, Any]:
    south, west, north, east = BBOX
    c = _CHAMFER
    ring = [
        [west + c, south], [east - c, south], [east, south + c], [east, north - c],
        [east - c, north], [west + c, north], [west, north - c], [west, south + c],
    ]  # fmt: skip
    ring.append(ring[0])
    return _feature("boundary", "Synthetic county", {"type": "Polygon", "coordinates": [ring]})


def _districts(geo: Geography) -> list[dict[str, Any]]:
    corners: dict[str, list[Point]] = {}
    for street in geo.streets:
        e0, n0, e1, n1 = street.ends
        for east, north in ((e0, n0), (e1, n1)):
            for k in range(8):
                angle = k * math.pi / 4
                point = (east + _WIDEN_M * math.cos(angle), north + _WIDEN_M * math.sin(angle))
                corners.setdefault(street.district, []).append(point)
    features = []
    for code, points in sorted(corners.items()):
        ring = [_lonlat(e, n) for e, n in convex_hull(points)]
        ring.append(ring[0])
        features.append(
            _feature(
                "postcode_district",
                code,
                {"type": "Polygon", "coordinates": [ring]},
                town=geo.district_towns[code],
            )
        )
    return features


def county_features(geo: Geography) -> list[dict[str, Any]]:
    """Every feature of the county map, boundary first."""
    features = [_boundary()]
    for town in TOWNS:
        point = {"type": "Point", "coordinates": [town.lon, town.lat]}
        features.append(_feature("town", town.name, point, districts=list(town.districts)))
    for street in geo.streets:
        e0, n0, e1, n1 = street.ends
        line = {"type": "LineString", "coordinates": [_lonlat(e0, n0), _lonlat(e1, n1)]}
        features.append(
            _feature("street", street.name, line, town=street.town.name, district=street.district)
        )
    features.extend(_districts(geo))
    return features


def write(path: Path, geo: Geography) -> int:
    """Write the county map to `path`; return how many features it has."""
    features = county_features(geo)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        json.dump({"type": "FeatureCollection", "features": features}, handle, ensure_ascii=False)
        handle.write("\n")
    return len(features)
