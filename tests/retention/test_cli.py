"""`polestar retention review|retain|dispose` through the CLI runner: the review list, a
retain decision pushing the review, a disposal, and bad input exiting 2 with one line."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from polestar import audit
from polestar.cli import app
from polestar.retention.schedule import add_years
from tests.canary import Seeded

runner = CliRunner()


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def _due(canary_copy: Seeded, as_of: str) -> dict[str, dict[str, object]]:
    listed = _json(["retention", "review", "--json", "--as-of", as_of])["due"]
    assert isinstance(listed, list)
    return {item["entity_id"]: item for item in listed}


def test_review_lists_what_is_due_by_a_date(canary_copy: Seeded) -> None:
    assert canary_copy.target not in _due(canary_copy, "2036-02-02")
    due = _due(canary_copy, "2036-02-03")
    assert due[canary_copy.target] == {
        "entity_id": canary_copy.target,
        "group": 2,
        "last_event": "2026-02-03",
        "due": "2036-02-03",
        "retained": False,
    }
    assert canary_copy.child in _due(canary_copy, "2031-01-10")


def test_retain_pushes_the_review_and_is_audited(canary_copy: Seeded) -> None:
    decided = _json(
        ["retention", "retain", canary_copy.target, "--reason", "NRAC: risk of harm", "--json"]
    )
    pushed = add_years(datetime.now(UTC).date(), 10)
    assert decided == {
        "entity_id": canary_copy.target,
        "group": 2,
        "next_review": pushed.isoformat(),
    }
    assert canary_copy.target not in _due(canary_copy, "2036-02-03")
    item = _due(canary_copy, pushed.isoformat())[canary_copy.target]
    assert (item["due"], item["retained"]) == (pushed.isoformat(), True)
    operator = f"cli:{getpass.getuser()}"
    found = audit.by_user(
        canary_copy.engine, operator, reader=audit.Actor("cli:dpo"), settings=canary_copy.settings
    )
    retained = [f for f in found if f.entry.action == "retention.retain"]
    assert [f.justification for f in retained] == ["NRAC: risk of harm"]
    assert retained[0].entry.operation == audit.Operation.ALTERATION


def test_dispose_prints_the_records_it_disposed_of(canary_copy: Seeded) -> None:
    disposed = _json(
        ["retention", "dispose", canary_copy.child, "--reason", "clear period", "--json"]
    )
    # The child was named in one home-force record, which is disposed whole.
    assert disposed["records"] == ["crime:CR-25-000901"]
    assert canary_copy.child not in _due(canary_copy, date.max.isoformat())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["retain", "PER-99999999", "--reason", "r"], "PER-99999999 is not a current person"),
        (["dispose", "PER-99999999", "--reason", "r"], "PER-99999999 is not a current person"),
        (["retain", "{target}"], "needs a reason: give --reason"),
        (["dispose", "{target}"], "needs a reason: give --reason"),
        (["dispose", "{target}", "--reason", "  "], "needs a reason: give --reason"),
        (["review", "--as-of", "soon"], "is not a date"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    canary_copy: Seeded, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["retention", *(a.format(target=canary_copy.target) for a in args)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    still = _due(canary_copy, "2036-02-03")
    assert canary_copy.target in still  # nothing was decided
