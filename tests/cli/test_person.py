"""`polestar person show --as USER`: the canary matrix through the CLI runner, its JSON
contract, the readable rendering (markers first) and a refused lookup's exit status."""

from __future__ import annotations

import getpass
import json

import pytest
from typer.testing import CliRunner, Result

from polestar import audit
from polestar.cli import app
from polestar.cli.app import stdout
from tests.canary import (
    ALL,
    JUSTIFICATION,
    PURPOSES,
    SUPERVISION_START,
    USERS,
    Seeded,
    canary,
    canary_model,
    expected,
)
from tests.canary_review import items_queued, only_queued, ruled_apart

__all__ = ["canary", "canary_model"]
runner = CliRunner()


def _show(entity_id: str, *options: str) -> Result:
    return runner.invoke(app, ["person", "show", entity_id, *options])


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_person_show_as_each_user_prints_exactly_what_their_agreement_allows(
    canary: Seeded, user: str, justified: bool
) -> None:
    reason = ["--justification", JUSTIFICATION] if justified else []
    for person in ("target", "victim"):
        result = _show(
            canary.entity(person), "--as", user, "--purpose", PURPOSES[user], *reason, "--json"
        )
        allowed = expected(user, person, justified)
        seen = {c for c in ALL if c in (result.stdout + result.stderr).lower()}
        if allowed is None:
            assert (result.exit_code, result.stdout) == (1, ""), result.stderr
            assert seen == set(), result.stderr
        else:
            assert result.exit_code == 0, result.stderr
            assert seen == allowed, result.stdout


def test_json_holds_the_contract_fields(canary: Seeded) -> None:
    result = _show(canary.target, "--as", "cps-caseworker", "--purpose", "prosecution", "--json")
    view = json.loads(result.stdout)
    assert set(view) >= {
        "entity_id",
        "display_name",
        "markers",
        "names",
        "dates_of_birth",
        "records",
    }
    assert view["entity_id"] == canary.target
    assert view["display_name"] == "Tobias Quillfeather"
    assert {"value": "1980-03-01", "sources": view["records"]} in view["dates_of_birth"]
    assert all(set(name) == {"value", "sources"} for name in view["names"])
    assert view["records"] == ["crime:NOM-0009001", "custody:CU-000901"]
    assert view["withheld"] == ["person.markers", "under-18"]


def test_readable_output_shows_markers_first(canary: Seeded) -> None:
    result = _show(canary.target, "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("Tobias Quillfeather") < out.index("FI firearms") < out.index("names")
    assert "…" not in out  # at 80 columns long values fold, none is cut short


def test_readable_output_shows_times_on_the_london_clock_as_pages_do(
    canary: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stdout, "_width", 240)  # the tables unwrapped
    result = _show(canary.target, "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "2025-03-14 02:17" in out  # the custody arrest, in events and in the timeline
    assert "T02:17" not in out
    assert "UTC" not in out
    # The court hearing listed at 10:00 on 2 May: BST, stored as 09:00 UTC.
    assert "last seen: 2025-05-02 10:00" in out.splitlines(), out
    # A marker is dated by its day alone, in the timeline as at the head of the profile.
    (marked,) = [line for line in out.splitlines() if "warning marker: FI firearms" in line]
    assert "2011-11-11 " in marked
    # Probation gave the day his supervision started, not a time: the day alone, in the
    # events and in the timeline.
    supervised = [line for line in out.splitlines() if "probation:X123456 " in line]
    supervised = [line for line in supervised if "supervision" in line]
    assert len(supervised) == 2, out
    assert all(f"{SUPERVISION_START} " in line for line in supervised), supervised
    assert f"{SUPERVISION_START} 00:00" not in out


def test_readable_output_says_which_records_a_reviewer_may_yet_part(
    canary: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stdout, "_width", 240)  # the records table unwrapped
    with items_queued(canary):
        result = _show(canary.target, "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "under review: uncertain" in line]
    assert {"custody:CU-000901", "crime:NOM-0009001"} <= {
        record for line in rows for record in line.split() if ":" in record
    }, result.stdout
    head = result.stdout[: result.stdout.index("\nnames")]
    (said,) = [line for line in head.splitlines() if line.startswith("under review: ")]
    named = said[said.index(" find ") + 6 : said.index(" to be another person")]
    assert {"crime:NOM-0009001", "custody:CU-000901"} <= set(named.split(", ")), said


def test_readable_output_marks_a_warning_only_records_in_question_give(canary: Seeded) -> None:
    with (
        only_queued(canary),
        ruled_apart(canary, ("custody", "CU-000901"), ("probation", "X123456")),
    ):
        result = _show(canary.target, "--purpose", "investigation")
    assert result.exit_code == 0, result.stderr
    head = result.stdout[: result.stdout.index("\nnames")]
    (violent,) = [line for line in head.splitlines() if "VI violent" in line]
    (firearms,) = [line for line in head.splitlines() if "FI " in line]
    assert "(only from records in question)" in violent, head
    assert "in question" not in firearms, head


def test_the_operator_without_a_purpose_is_refused_with_exit_2_and_recorded(
    canary: Seeded,
) -> None:
    result = _show(canary.target)
    assert result.exit_code == 2
    assert "a purpose is required" in result.stderr
    operator = f"cli:{getpass.getuser()}"
    found = audit.by_user(
        canary.engine, operator, reader=audit.Actor("cli:test"), settings=canary.settings
    )
    assert [(f.entry.action, f.entry.outcome) for f in found][-1] == ("person.show", "denied")
