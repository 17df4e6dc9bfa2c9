"""`/network/{id}` and `/network/{id}/paths` over the canary county: the graph's JSON and its
table alternative carry the same scoped, audited network; filters narrow it; a partner
caseworker never meets a canary their agreement withholds."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from polestar import audit
from polestar.web.app import create_app
from tests.canary import (
    ASSOCIATE,
    CALLER,
    INTEL_KEY,
    USERS,
    VEHICLE,
    VICTIM,
    Seeded,
    api_headers,
    canaries_in,
    canary,
    canary_model,
    expected,
)
from tests.web.pages import page_of, script_data
from tests.web.sessions import BASE_URL, signed_in_as

__all__ = ["canary", "canary_model"]


@pytest.fixture(scope="module")
def analyst(canary: Seeded) -> Iterator[TestClient]:
    with signed_in_as(canary.engine, canary.settings, "home-analyst", justified=True) as (
        client,
        _token,
    ):
        yield client


_graph = partial(script_data, "network-data")


def test_the_graph_and_its_tables_show_the_same_network(
    analyst: TestClient, canary: Seeded
) -> None:
    page = page_of(analyst, f"/network/{canary.target}", hops=1)
    graph = _graph(page)
    ids = {node["id"] for node in graph["nodes"]}
    assert {canary.target, canary.associate, canary.caller, canary.vehicle} <= ids
    rows = page.select("#network-nodes tbody tr")
    assert len(rows) == len(ids)
    linked = {a["href"] for a in page.select("#network-nodes a")}
    assert f"/persons/{canary.caller}" in linked
    assert f"/vehicles/{canary.vehicle}" in linked
    assert f"/locations/{canary.location}" in linked
    assert {node["href"] for node in graph["nodes"]} == linked
    assert len(page.select("#network-edges tbody tr")) == len(graph["edges"])
    assert page.select_one("#truncated") is None
    assert page.select_one("#network-graph[role=img]") is not None


def test_the_page_reads_the_network_once_and_audits_it(analyst: TestClient, canary: Seeded) -> None:
    dpo = audit.Actor("cli:test")
    before = len(audit.by_user(canary.engine, "home-analyst", reader=dpo, settings=canary.settings))
    page = page_of(analyst, f"/network/{canary.target}", hops=1)
    added = [
        found.entry
        for found in audit.by_user(
            canary.engine, "home-analyst", reader=dpo, settings=canary.settings
        )
    ]
    assert [entry.action for entry in added[before:]] == ["network.show"]
    assert set(added[-1].entity_ids) == {node["id"] for node in _graph(page)["nodes"]}
    assert added[-1].purpose == "investigation"


def test_filters_narrow_the_network(analyst: TestClient, canary: Seeded) -> None:
    page = page_of(analyst, f"/network/{canary.target}", hops=2, types="shared-phone", since="")
    assert {node["id"] for node in _graph(page)["nodes"]} == {canary.target, canary.caller}
    assert page.select_one("input[name=types][value=shared-phone][checked]") is not None
    only_custody = _graph(page_of(analyst, f"/network/{canary.target}", sources="custody", hops=1))
    records = {r for edge in only_custody["edges"] for r in edge["records"]}
    assert records
    assert all(r.startswith("custody:") for r in records)
    dated = _graph(
        page_of(
            analyst, f"/network/{canary.target}", hops=1, since="2026-01-01", until="2026-12-31"
        )
    )
    assert {edge["records"][0] for edge in dated["edges"]} == {"crime:IN-26-000903"}


def test_a_network_cut_short_says_so(analyst: TestClient, canary: Seeded) -> None:
    page = page_of(analyst, f"/network/{canary.target}", hops=2, max_nodes=3)
    assert _graph(page)["truncated"] is True
    assert len(page.select("#network-nodes tbody tr")) == 3
    notice = page.select_one("#truncated")
    assert notice is not None
    assert "first 3 entities" in notice.get_text()


def test_a_bad_filter_shows_the_form_again_with_what_to_correct(
    analyst: TestClient, canary: Seeded
) -> None:
    response = analyst.get(f"/network/{canary.target}", params={"types": "lives-near"})
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "lives-near" in page.select_one("#form-error").get_text()
    assert page.select_one("#network-form") is not None
    assert page.select_one("#network-data") is None


def test_a_partner_caseworker_never_sees_a_canary_node(canary: Seeded) -> None:
    with signed_in_as(canary.engine, canary.settings, "fire-caseworker") as (client, _token):
        response = client.get(f"/network/{canary.target}", params={"hops": 3})
        assert response.status_code == 200, response.text
        shown = canaries_in(response.text)
        assert shown.isdisjoint({ASSOCIATE, VICTIM, CALLER, VEHICLE, INTEL_KEY}), shown
        allowed = expected("fire-caseworker", "target", False)
        assert allowed is not None
        assert shown <= allowed, shown - allowed
        ids = {node["id"] for node in _graph(BeautifulSoup(response.text, "html.parser"))["nodes"]}
        assert ids.isdisjoint({canary.associate, canary.victim, canary.caller, canary.vehicle})
        # Invisible and unknown look alike.
        invisible = client.get(f"/network/{canary.associate}")
        assert invisible.status_code == 404
        assert ASSOCIATE not in invisible.text.lower()
        paths = client.get(f"/network/{canary.target}/paths", params={"to": canary.associate})
        assert paths.status_code == 404


def test_paths_list_the_chain_from_a_to_b(analyst: TestClient, canary: Seeded) -> None:
    page = page_of(analyst, f"/network/{canary.caller}/paths", to=canary.vehicle)
    chains = page.select("#chains > li")
    assert chains
    first = [a["href"] for a in chains[0].select("a")]
    assert first == [
        f"/persons/{canary.caller}",
        f"/persons/{canary.target}",
        f"/vehicles/{canary.vehicle}",
    ]
    assert "shared phone" in chains[0].get_text()


def test_paths_without_a_second_entity_ask_for_one(analyst: TestClient, canary: Seeded) -> None:
    response = analyst.get(f"/network/{canary.target}/paths", params={"to": " "})
    assert response.status_code == 422
    error = BeautifulSoup(response.text, "html.parser").select_one("#form-error")
    assert error is not None
    assert "to:" in error.get_text()


def test_the_network_page_needs_a_session(canary: Seeded) -> None:
    with TestClient(create_app(canary.settings), base_url=BASE_URL, follow_redirects=False) as c:
        response = c.get(f"/network/{canary.target}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/network/")


@pytest.mark.parametrize("kind", ["target", "vehicle", "location"])
def test_every_profile_links_to_its_network_and_map(
    analyst: TestClient, canary: Seeded, kind: str
) -> None:
    entity = canary.entity(kind)
    path = {"target": "persons", "vehicle": "vehicles", "location": "locations"}[kind]
    page = page_of(analyst, f"/{path}/{entity}")
    links = [a["href"] for a in page.select("#graph-links a")]
    assert links == [f"/network/{entity}", f"/map/{entity}"]


@pytest.mark.parametrize("user", USERS)
def test_every_user_sees_on_the_pages_exactly_what_the_api_shows_them(
    canary: Seeded, user: str
) -> None:
    paths = [
        f"/network/{canary.target}?hops=2",
        f"/network/{canary.caller}/paths?to={canary.vehicle}",
        f"/map/{canary.target}",
        "/map?month=2025-01&to_month=2025-12",
    ]
    apis = [
        f"/api/v1/network/{canary.target}?hops=2",
        f"/api/v1/paths/{canary.caller}/{canary.vehicle}",
        f"/api/v1/map/events/{canary.target}",
        "/api/v1/map/hotspots?month=2025-01&to_month=2025-12",
    ]
    with signed_in_as(canary.engine, canary.settings, user) as (client, _token):
        for page_path, api_path in zip(paths, apis, strict=True):
            page = client.get(page_path)
            api = client.get(api_path, headers=api_headers(canary, user))
            assert page.status_code == api.status_code, (page_path, page.text)
            if api.status_code == 200:
                assert canaries_in(page.text) == canaries_in(api.text), page_path
