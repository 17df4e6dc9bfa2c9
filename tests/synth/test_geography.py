"""Places: valid postcodes in their town's districts, coordinates inside the county near town."""

from __future__ import annotations

import math
import re

from conftest import County
from polestar.pole.grid import bng_to_wgs84, wgs84_to_bng
from polestar.synth.geography import BBOX, TOWNS, Geography, in_bbox

POSTCODE = re.compile(r"(ST|WS|DE|B|WV)\d{1,2} \d[ABD-HJLNP-UW-Z]{2}")
AREAS = {"ST", "WS", "DE13", "DE14", "DE15", "B77", "B78", "B79", "WV"}


def test_every_address_has_a_valid_postcode_of_its_towns_districts() -> None:
    geo = Geography(5, 6000)
    towns = {town.name: town for town in TOWNS}
    for index in range(geo.address_count):
        address = geo.address(index)
        assert POSTCODE.fullmatch(address.postcode), address.postcode
        district = address.postcode.split()[0]
        assert district in towns[address.town].districts
        assert len(address.uprn) <= 12


def test_postcode_areas_are_the_countys() -> None:
    districts = {code for town in TOWNS for code in town.districts}
    areas = {re.match(r"[A-Z]+", code)[0] for code in districts}
    assert {"ST", "WS", "DE", "B", "WV"} == areas
    assert {"DE13", "DE14", "DE15", "B77", "B78", "B79"} <= districts
    assert {"Stafford", "Stoke-on-Trent", "Newcastle-under-Lyme", "Burton upon Trent", "Tamworth",
            "Lichfield", "Cannock", "Leek", "Stone", "Uttoxeter", "Rugeley", "Biddulph",
            "Kidsgrove", "Cheadle"} <= {town.name for town in TOWNS}  # fmt: skip


def test_grid_and_latitude_longitude_agree() -> None:
    for town in TOWNS:
        lat, lon = bng_to_wgs84(*wgs84_to_bng(town.lat, town.lon))
        assert math.isclose(lat, town.lat, abs_tol=1e-6)
        assert math.isclose(lon, town.lon, abs_tol=1e-6)


def test_recorded_coordinates_lie_in_the_county_near_the_true_town(county: County) -> None:
    centres = {town.name: wgs84_to_bng(town.lat, town.lon) for town in TOWNS}
    radius = {town.name: town.radius_m for town in TOWNS}
    located = [loc for loc in county.locations if loc.easting is not None]
    assert located
    for location in located:
        assert location.easting is not None
        assert location.northing is not None
        assert in_bbox(*bng_to_wgs84(location.easting, location.northing)), BBOX
        index = int(county.truth["location", location.source, location.key][1:])
        town = county.geo.address(index).town
        east, north = centres[town]
        distance = math.hypot(location.easting - east, location.northing - north)
        assert distance < radius[town] + 500, (location, town, distance)


def test_clean_recorded_postcodes_belong_to_the_true_town(county: County) -> None:
    checked = 0
    for location in county.locations:
        if location.postcode and POSTCODE.fullmatch(location.postcode):
            index = int(county.truth["location", location.source, location.key][1:])
            address = county.geo.address(index)
            if location.postcode == address.postcode:
                checked += 1
                assert county.geo.district_towns[location.postcode.split()[0]] == address.town
    assert checked > 1000
