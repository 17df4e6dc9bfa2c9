import math
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.grid import MAX_EASTING, MAX_NORTHING, bng_to_wgs84, wgs84_to_bng

# Stafford, as pyproj 3.7 converts it with EPSG's "OSGB36 to WGS 84 (6)"; the tolerance
# covers OSTN15 being used instead where its grid file is installed.
STAFFORD_BNG = (392000, 323000)
STAFFORD_WGS84 = (52.80449, -2.12011)
FIVE_METRES_OF_LATITUDE = 5 / 111_000


def test_bng_to_wgs84_stafford() -> None:
    lat, lon = bng_to_wgs84(*STAFFORD_BNG)
    assert lat == pytest.approx(STAFFORD_WGS84[0], abs=FIVE_METRES_OF_LATITUDE)
    assert lon == pytest.approx(STAFFORD_WGS84[1], abs=FIVE_METRES_OF_LATITUDE * 1.7)


@pytest.mark.parametrize(
    ("easting", "northing", "south_west", "north_east"),
    [
        (530000, 180000, (51.45, -0.20), (51.55, -0.05)),  # central London
        (325000, 673000, (55.90, -3.30), (56.00, -3.10)),  # Edinburgh
        (400000, 300000, (52.55, -2.05), (52.65, -1.95)),  # near Walsall: grid origin meridian
    ],
)
def test_bng_to_wgs84_lands_in_the_right_place(
    easting: float,
    northing: float,
    south_west: tuple[float, float],
    north_east: tuple[float, float],
) -> None:
    lat, lon = bng_to_wgs84(easting, northing)
    assert south_west[0] < lat < north_east[0]
    assert south_west[1] < lon < north_east[1]


def test_wgs84_to_bng_stafford() -> None:
    easting, northing = wgs84_to_bng(*STAFFORD_WGS84)
    assert math.hypot(easting - STAFFORD_BNG[0], northing - STAFFORD_BNG[1]) < 5


@pytest.mark.parametrize(
    ("easting", "northing"),
    [
        (-1, 300000),
        (300000, -0.5),
        (700001, 300000),
        (300000, 1300001),
        (math.nan, 300000),
        (300000, math.inf),
    ],
)
def test_bng_outside_the_grid_is_refused(easting: float, northing: float) -> None:
    with pytest.raises(InvalidValue, match="outside Great Britain's National Grid"):
        bng_to_wgs84(easting, northing)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (48.8566, 2.3522, "outside Great Britain's National Grid"),  # Paris
        (40.7128, -74.006, "outside|cannot be placed"),  # New York
        (-2.12, 52.80, "outside|cannot be placed"),  # Stafford with lat and lon swapped
        (91, 0, "not a position on Earth"),
        (52, -181, "not a position on Earth"),
        (math.nan, 0, "not a position on Earth"),
    ],
)
def test_wgs84_off_the_grid_is_refused(lat: float, lon: float, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        wgs84_to_bng(lat, lon)


@pytest.mark.parametrize(
    ("easting", "northing"), [(0, 0), (MAX_EASTING, MAX_NORTHING), (0, MAX_NORTHING)]
)
def test_grid_corners_round_trip(easting: float, northing: float) -> None:
    back = wgs84_to_bng(*bng_to_wgs84(easting, northing))
    assert math.hypot(back[0] - easting, back[1] - northing) < 1


def test_conversion_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bng_to_wgs84(392000, 323000)
        wgs84_to_bng(52.8, -2.1)


@given(st.floats(0, MAX_EASTING), st.floats(0, MAX_NORTHING))
def test_bng_round_trips_within_a_metre(easting: float, northing: float) -> None:
    back_easting, back_northing = wgs84_to_bng(*bng_to_wgs84(easting, northing))
    assert math.hypot(back_easting - easting, back_northing - northing) < 1


@given(st.floats(50.0, 58.5), st.floats(-5.5, 1.7))
def test_wgs84_round_trips_within_a_metre(lat: float, lon: float) -> None:
    back_lat, back_lon = bng_to_wgs84(*wgs84_to_bng(lat, lon))
    metres_north = (back_lat - lat) * 111_000
    metres_east = (back_lon - lon) * 111_000 * math.cos(math.radians(lat))
    assert math.hypot(metres_north, metres_east) < 1


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True))
def test_only_raises_invalid_value(a: float, b: float) -> None:
    for convert in (bng_to_wgs84, wgs84_to_bng):
        try:
            x, y = convert(a, b)
        except InvalidValue:
            continue
        assert math.isfinite(x)
        assert math.isfinite(y)
