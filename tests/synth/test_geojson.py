"""county.geojson: boundary, towns, streets and postcode districts, all inside the county."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

from conftest import County
from polestar.pole.grid import bng_to_wgs84
from polestar.synth.geography import TOWNS, in_bbox
from polestar.synth.geojson import convex_hull


def _inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    """Ray casting: whether (lon, lat) lies inside a polygon ring."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _features(county: County) -> list[dict[str, Any]]:
    data = json.loads((county.path / "county.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    return data["features"]


def test_map_has_every_kind_of_feature_with_a_name(county: County) -> None:
    features = _features(county)
    kinds = Counter(f["properties"]["kind"] for f in features)
    assert kinds["boundary"] == 1
    assert kinds["town"] == len(TOWNS)
    assert kinds["street"] == county.geo.street_count
    assert kinds["postcode_district"] == len({c for t in TOWNS for c in t.districts})
    assert set(kinds) == {"boundary", "town", "street", "postcode_district"}
    assert all(f["properties"]["name"] for f in features)
    assert county.counts["file:county.geojson"] == len(features)


def test_towns_and_streets_lie_inside_the_boundary(county: County) -> None:
    features = _features(county)
    boundary = next(f for f in features if f["properties"]["kind"] == "boundary")
    ring = boundary["geometry"]["coordinates"][0]
    for feature in features:
        geometry = feature["geometry"]
        points = {"Point": lambda c: [c], "LineString": lambda c: c, "Polygon": lambda c: c[0]}
        for lon, lat in points[geometry["type"]](geometry["coordinates"]):
            assert in_bbox(lat, lon)
            if feature["properties"]["kind"] in ("town", "street"):
                assert _inside((lon, lat), ring)


def test_addresses_lie_inside_their_postcode_district(county: County) -> None:
    polygons = {
        f["properties"]["name"]: f["geometry"]["coordinates"][0]
        for f in _features(county)
        if f["properties"]["kind"] == "postcode_district"
    }
    for index in range(0, county.geo.address_count, 37):
        address = county.geo.address(index)
        lat, lon = bng_to_wgs84(address.easting, address.northing)
        assert _inside((lon, lat), polygons[address.street.district]), address


def test_convex_hull_keeps_the_corners() -> None:
    points = [(0.0, 0.0), (2.0, 0.0), (1.0, 1.0), (2.0, 2.0), (0.0, 2.0)]
    assert sorted(convex_hull(points)) == [(0.0, 0.0), (0.0, 2.0), (2.0, 0.0), (2.0, 2.0)]
