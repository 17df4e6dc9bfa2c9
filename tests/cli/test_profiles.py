"""`polestar vehicle show` and `polestar location show --as USER`: the canary matrix through
the CLI runner, the readable rendering and a refused lookup's exit status."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from polestar.cli import app
from tests.canary import (
    ALL,
    HAZARD,
    JUSTIFICATION,
    PURPOSES,
    USERS,
    Seeded,
    canary,
    canary_model,
    expected_location,
    expected_vehicle,
)

__all__ = ["canary", "canary_model"]
runner = CliRunner()


def _show(noun: str, entity_id: str, *options: str) -> Result:
    return runner.invoke(app, [noun, "show", entity_id, *options])


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_vehicle_and_location_show_print_exactly_what_each_agreement_allows(
    canary: Seeded, user: str, justified: bool
) -> None:
    reason = ["--justification", JUSTIFICATION] if justified else []
    for noun, entity_id, allowed in (
        ("vehicle", canary.vehicle, expected_vehicle(user, justified)),
        ("location", canary.location, expected_location(user, justified)),
    ):
        result = _show(noun, entity_id, "--as", user, "--purpose", PURPOSES[user], *reason)
        result_json = _show(
            noun, entity_id, "--as", user, "--purpose", PURPOSES[user], *reason, "--json"
        )
        for shown in (result, result_json):
            seen = {c for c in ALL if c in (shown.stdout + shown.stderr).lower()}
            if allowed is None:
                assert (shown.exit_code, shown.stdout) == (1, ""), (noun, shown.stderr)
                assert seen == set(), (noun, shown.stderr)
            else:
                assert shown.exit_code == 0, (noun, shown.stderr)
                # The JSON holds everything; the tables leave out some record names.
                assert seen <= allowed, (noun, shown.stdout)
                if shown is result_json:
                    assert seen == allowed, (noun, shown.stdout)
                    assert json.loads(shown.stdout)["entity_id"] == entity_id


def test_location_show_prints_the_hazards_first(canary: Seeded) -> None:
    result = _show("location", canary.location, "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    out = result.stdout.lower()
    assert out.index(HAZARD) < out.index("addresses") < out.index("residents")


def test_a_bad_events_page_is_a_usage_error(canary: Seeded) -> None:
    result = _show("vehicle", canary.vehicle, "--purpose", "investigation", "--events-limit", "0")
    assert result.exit_code == 2
    assert "events_limit must be between 1 and 200" in result.stderr
