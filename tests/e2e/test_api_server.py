"""The API on a real uvicorn server (`polestar serve`, as `make demo` runs it) over the canary
county: a representative part of the access matrix, the envelope, and the server's own log
(stdout and stderr, access lines included) free of every canary afterwards."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.canary import (
    ALL,
    PURPOSES,
    Seeded,
    canary,
    canary_model,
    expected,
    expected_location,
    expected_vehicle,
)
from tests.e2e.servers import serving

__all__ = ["canary", "canary_model"]
pytestmark = pytest.mark.xdist_group("canary-api-server")


class Server:
    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.process = process

    def logs(self) -> str:
        """Everything the server wrote, once it has stopped."""
        self.process.terminate()
        out, err = self.process.communicate(timeout=10)
        return (out + err).decode()


@pytest.fixture(scope="module")
def server(canary: Seeded) -> Iterator[Server]:
    with serving(canary.settings) as (url, process):
        yield Server(url, process)


def _get(server: Server, canary: Seeded, user: str, person: str) -> httpx.Response:
    return _get_path(server, canary, user, f"/api/v1/persons/{canary.entity(person)}")


def _get_path(server: Server, canary: Seeded, user: str, path: str) -> httpx.Response:
    return httpx.get(
        f"{server.url}{path}",
        headers={
            "Authorization": f"Bearer {canary.tokens[user]}",
            "X-Polestar-Purpose": PURPOSES[user],
        },
        timeout=10,
    )


@pytest.mark.parametrize(
    "user", ["fire-caseworker", "cps-caseworker", "probation-caseworker", "home-officer"]
)
def test_partners_see_what_their_agreements_allow_over_http(
    server: Server, canary: Seeded, user: str
) -> None:
    for person in ("target", "victim", "child"):
        response = _get(server, canary, user, person)
        allowed = expected(user, person, False)
        assert response.status_code == (404 if allowed is None else 200), response.text
        assert {c for c in ALL if c in response.text.lower()} == (allowed or set())
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("user", ["fire-caseworker", "cps-caseworker", "home-officer"])
def test_vehicle_and_location_profiles_over_http(server: Server, canary: Seeded, user: str) -> None:
    for path, allowed in (
        (f"/api/v1/vehicles/{canary.vehicle}", expected_vehicle(user, False)),
        (f"/api/v1/locations/{canary.location}", expected_location(user, False)),
    ):
        response = _get_path(server, canary, user, path)
        assert response.status_code == (404 if allowed is None else 200), response.text
        assert {c for c in ALL if c in response.text.lower()} == (allowed or set())
        assert response.headers["cache-control"] == "no-store"
    # Paging over HTTP: the cursor travels in the query string and names no record.
    page = _get_path(server, canary, "home-officer", f"/api/v1/persons/{canary.target}")
    cursor = _get_path(
        server, canary, "home-officer", f"/api/v1/persons/{canary.target}?events_limit=2"
    ).json()["events"]["next_cursor"]
    assert cursor
    assert not {c for c in ALL if c in cursor.lower()}
    rest = _get_path(
        server,
        canary,
        "home-officer",
        f"/api/v1/persons/{canary.target}?events_limit=200&events_cursor={cursor}",
    ).json()["events"]["items"]
    assert [i["event"] for i in rest] == [i["event"] for i in page.json()["events"]["items"]][2:]


def test_errors_over_http_are_enveloped(server: Server, canary: Seeded) -> None:
    response = httpx.get(f"{server.url}/api/v1/persons/{canary.target}", timeout=10)
    assert response.json() == {
        "ok": False,
        "error": "send an API token as `Authorization: Bearer <token>`",
        "errors": [],
        "status": 401,
    }
    # A careless client puts a name in the query string: it must not reach the access log.
    response = httpx.get(
        f"{server.url}/api/v1/persons/{canary.target}?name=Zqcustodymiddle",
        headers={"Authorization": f"Bearer {canary.tokens['cps-caseworker']}"},
        timeout=10,
    )
    assert response.status_code == 422


def test_no_canary_reached_the_server_log(server: Server) -> None:
    logs = server.logs()
    assert "GET /api/v1/persons/" in logs, logs  # the access log is on
    assert [c for c in ALL if c in logs.lower()] == [], logs
