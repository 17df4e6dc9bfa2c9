"""`/map`, `/map/{id}` and `/map/area` over the canary county: the Leaflet map's JSON and its
table alternative carry the same scoped, audited points or hotspot squares; filters narrow
them; a partner caseworker never meets a point their agreement withholds."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from polestar import audit
from tests.canary import Seeded, canaries_in, canary, canary_model, expected
from tests.web.pages import page_of, script_data
from tests.web.sessions import form_token, signed_in_as

__all__ = ["canary", "canary_model"]
STONE = {"south": 52.85, "west": -2.25, "north": 52.95, "east": -2.10}
INTEL = "crime:IN-26-000903"


@pytest.fixture(scope="module")
def analyst(canary: Seeded) -> Iterator[TestClient]:
    with signed_in_as(canary.engine, canary.settings, "home-analyst", justified=True) as (
        client,
        _token,
    ):
        yield client


@pytest.fixture(scope="module")
def officer(canary: Seeded) -> Iterator[TestClient]:
    with signed_in_as(canary.engine, canary.settings, "home-officer") as (client, _token):
        yield client


_data = partial(script_data, "map-data")


def _events(page: BeautifulSoup) -> list[str]:
    return [row.select("td")[3].get_text() for row in page.select("#map-events tbody tr")]


def test_his_events_on_the_map_and_in_the_table(analyst: TestClient, canary: Seeded) -> None:
    page = page_of(analyst, f"/map/{canary.target}")
    points = _data(page)["points"]
    assert [point["records"][0] for point in points] == [
        INTEL,
        "crime:CR-25-000902",
        "crime:CR-25-000901",
    ]
    assert [records.split(", ")[0] for records in _events(page)] == [
        point["records"][0] for point in points
    ]
    assert f"/locations/{points[0]['place']}" in {a["href"] for a in page.select("#map-events a")}
    # Each place named as its record gives it, not by its entity id alone.
    assert points[1]["address"] == "1 Market Square, Stone, ST15 8AA"
    links = [a.get_text() for a in page.select("#map-events a")]
    assert links[1:] == ["1 Market Square, Stone, ST15 8AA"] * 2, links
    assert "3 more with no place" in page.select_one("#map-summary").get_text()
    assert page.select_one(f"a[href='/persons/{canary.target}']") is not None
    # Shown in Europe/London time: 22:00 UTC in January is 22:00, 21:00 in February too.
    assert "2025-01-10 22:00" in page.select_one("#map-events").get_text()


def test_the_map_page_is_one_audited_consultation(analyst: TestClient, canary: Seeded) -> None:
    dpo = audit.Actor("cli:test")
    before = len(audit.by_user(canary.engine, "home-analyst", reader=dpo, settings=canary.settings))
    page_of(analyst, f"/map/{canary.target}")
    added = [
        found.entry
        for found in audit.by_user(
            canary.engine, "home-analyst", reader=dpo, settings=canary.settings
        )
    ]
    assert [entry.action for entry in added[before:]] == ["map.events"]
    assert INTEL in added[-1].record_ids


def test_filters_narrow_his_events(analyst: TestClient, canary: Seeded) -> None:
    page = page_of(analyst, f"/map/{canary.target}", categories="burglary", since="", until="")
    assert [p["records"][0] for p in _data(page)["points"]] == ["crime:CR-25-000901"]
    assert page.select_one("input[name=categories][value=burglary][checked]") is not None
    dated = page_of(analyst, f"/map/{canary.target}", since="2026-01-01")
    assert [p["records"][0] for p in _data(dated)["points"]] == [INTEL]


def test_dates_the_wrong_way_round_show_the_form_again(analyst: TestClient, canary: Seeded) -> None:
    response = analyst.get(
        f"/map/{canary.target}", params={"since": "2026-01-01", "until": "2025-01-01"}
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#form-error") is not None
    assert page.select_one("#map-form") is not None


def test_an_officer_sees_no_point_from_the_intelligence_log(
    officer: TestClient, canary: Seeded
) -> None:
    page = page_of(officer, f"/map/{canary.target}")
    records = {r for p in _data(page)["points"] for r in p["records"]}
    assert records
    assert INTEL not in records
    assert INTEL not in page.get_text()


def test_hotspots_by_month_and_category(officer: TestClient) -> None:
    page = page_of(officer, "/map", month="2025-01", to_month="2025-03")
    cells = _data(page)["cells"]
    assert len(cells) == 1
    assert cells[0]["by_category"] == {"burglary": 1, "violent-crime": 1}
    months = {
        row.select_one("th").get_text(): row.select_one("td").get_text()
        for row in page.select("#hotspot-months tbody tr")
    }
    assert months == {"2025-01": "1", "2025-02": "1", "2025-03": "0"}
    assert len(page.select("#hotspot-cells tbody tr form[action='/map/area']")) == 1
    burglary = _data(
        page_of(officer, "/map", month="2025-01", to_month="2025-03", categories="burglary")
    )
    assert [cell["count"] for cell in burglary["cells"]] == [1]


def test_hotspots_open_on_the_last_twelve_months(officer: TestClient) -> None:
    page = page_of(officer, "/map")
    months = [row.select_one("th").get_text() for row in page.select("#hotspot-months tbody tr")]
    assert len(months) == 12
    assert page.select_one("#month")["value"] == months[0]
    current = page.select_one(".site-nav a[href='/map']")
    assert current is not None
    assert current.get("aria-current") == "page"


def test_a_square_lists_its_events_by_a_post(officer: TestClient) -> None:
    page = page_of(officer, "/map", month="2025-01", to_month="2025-03")
    form = page.select_one("#hotspot-cells form[action='/map/area']")
    assert form is not None
    fields = {field["name"]: field["value"] for field in form.select("input")}
    response = officer.post("/map/area", data=fields)
    assert response.status_code == 200, response.text
    found = BeautifulSoup(response.text, "html.parser")
    events = {p["records"][0] for p in _data(found)["points"]}
    # Every event there in those months: the two crimes, and the call in March.
    assert events == {"crime:CR-25-000901", "crime:CR-25-000902", "incidents:INC-20250301-0901"}
    assert _data(found)["area"]["south"] == float(fields["south"])


def test_an_area_too_large_is_refused_in_the_page(officer: TestClient) -> None:
    token = form_token(officer.get("/map", params={"month": "2025-01"}).text)
    box = {"south": 52.0, "west": -3.0, "north": 53.0, "east": -2.0, "csrf_token": token}
    response = officer.post("/map/area", data=box)
    assert response.status_code == 422
    assert "box" in BeautifulSoup(response.text, "html.parser").select_one("#form-error").get_text()
    stone = officer.post("/map/area", data={**STONE, "csrf_token": token, "since": "2025-03-01"})
    assert {p["records"][0] for p in _data(BeautifulSoup(stone.text, "html.parser"))["points"]} == {
        "incidents:INC-20250301-0901"
    }


def test_an_area_needs_the_forms_token(officer: TestClient) -> None:
    response = officer.post("/map/area", data=STONE)
    assert response.status_code == 403


def test_a_partner_caseworker_never_sees_a_canary_point(canary: Seeded) -> None:
    allowed = expected("fire-caseworker", "target", False)
    assert allowed is not None
    with signed_in_as(canary.engine, canary.settings, "fire-caseworker") as (client, _token):
        mine = client.get(f"/map/{canary.target}")
        assert mine.status_code == 200, mine.text
        assert canaries_in(mine.text) <= allowed
        assert INTEL not in mine.text
        hotspots = page_of(client, "/map", month="2025-01", to_month="2025-03")
        assert _data(hotspots)["cells"] == []
        token = form_token(str(hotspots))
        area = client.post("/map/area", data={**STONE, "csrf_token": token})
        assert area.status_code == 200
        assert canaries_in(area.text) <= allowed
        assert INTEL not in area.text
        assert client.get(f"/map/{canary.associate}").status_code == 404
