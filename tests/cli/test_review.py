"""`polestar link review|merge|split|history`: the canary matrix of the review list through the
CLI runner, its audit entries, decisions as alterations, and bad input exiting 2."""

from __future__ import annotations

import getpass
import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from polestar import audit
from polestar.cli import app
from polestar.cli.app import stdout
from tests.canary import (
    CUSTODY_NAME,
    DOB,
    JUSTIFICATION,
    PERSONS,
    PNC_TEXT,
    PURPOSES,
    USERS,
    Seeded,
    canaries_in,
    canary,
    canary_model,
    expected,
)
from tests.canary_review import GROUNDS, PEOPLE, queue_canary_items
from tests.search.indexed import indexed

__all__ = ["canary", "canary_model", "indexed"]
# One worker runs the module in order: the decisions at the end change the module's store.
pytestmark = pytest.mark.xdist_group("canary-cli-review")
runner = CliRunner()
OPERATOR = f"cli:{getpass.getuser()}"
READER = audit.Actor("cli:reader")


@pytest.fixture(scope="module")
def items(canary: Seeded) -> dict[str, int]:
    return queue_canary_items(canary)


def _invoke(*args: str) -> Result:
    return runner.invoke(app, ["link", *args])


def _list(user: str, justified: bool) -> Result:
    reason = ["--justification", JUSTIFICATION] if justified else []
    return _invoke("review", "list", "--as", user, "--purpose", PURPOSES[user], *reason, "--json")


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_review_list_shows_each_user_only_what_their_agreement_allows(
    canary: Seeded, items: dict[str, int], user: str, justified: bool
) -> None:
    result = _list(user, justified)
    assert result.exit_code == 0, result.stderr
    page = json.loads(result.stdout)
    allowed = set().union(*(expected(user, p, justified) or set() for p in PERSONS))
    assert canaries_in(result.stdout + result.stderr) <= allowed, result.stdout
    for entry in page["items"]:
        people = next((PEOPLE[n] for n, i in items.items() if i == entry["item"]), PERSONS)
        mine = set().union(*(expected(user, p, justified) or set() for p in people))
        assert canaries_in(json.dumps(entry)) <= mine, entry
    listed = {entry["item"] for entry in page["items"]}
    # The home force sees both of the target's records, and so does the CPS (its agreement
    # shares custody and crime records of charged people); other partners see one or none.
    if user.startswith("home-") or user == "cps-caseworker":
        assert items["target"] in listed, page


def test_each_item_says_why_it_was_queued(canary: Seeded, items: dict[str, int]) -> None:
    page = json.loads(_list("home-analyst", True).stdout)
    listed = {entry["item"]: entry["queued_because"] for entry in page["items"]}
    assert {name: listed.get(items[name]) for name in GROUNDS} == GROUNDS
    purpose = PURPOSES["home-analyst"]
    table = _invoke(
        "review",
        "list",
        "--as",
        "home-analyst",
        "--purpose",
        purpose,
        "--justification",
        JUSTIFICATION,
    )
    assert table.exit_code == 0, table.stderr
    assert all(word in table.stdout for word in ("queued", "forenames", "differ", "uncertain"))


def test_permitted_fields_arrive_and_others_are_left_out(
    canary: Seeded, items: dict[str, int]
) -> None:
    page = json.loads(_list("cps-caseworker", False).stdout)
    entry = next(e for e in page["items"] if e["item"] == items["target"])
    # The pair's crime row is the second crime's, which holds no alias.
    assert canaries_in(json.dumps(entry)) == {DOB, PNC_TEXT, CUSTODY_NAME}
    assert items["intelligence"] not in {e["item"] for e in page["items"]}
    assert all("markers" not in r["values"] for r in entry["records"])
    assert {r["entity_id"] for r in entry["records"]} == {canary.target}


def test_each_record_comes_with_the_homes_and_phones_linkage_weighed(
    canary: Seeded, items: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = json.loads(_list("home-analyst", True).stdout)
    entry = next(e for e in page["items"] if e["item"] == items["target"])
    sides = {r["record"]: (r["homes"], r["reported_from"], r["phones"]) for r in entry["records"]}
    assert sides["custody:CU-000901"] == (
        ["7 Zqcustodyhome Lane, Stone, ST15 8AB"],
        [],
        ["+447700900901"],
    )
    assert sides["crime:NOM-0009001"] == ([], [], [])  # the second crime gives no address
    listed = ("review", "list", "--as", "home-analyst", "--purpose", PURPOSES["home-analyst"])
    assert "…" not in _invoke(*listed).stdout  # folded at 80 columns, never cut short
    monkeypatch.setattr(stdout, "_width", 240)
    table = _invoke(*listed).stdout
    assert "home 7 Zqcustodyhome Lane, Stone, ST15 8AB" in table, table
    assert "phone +447700900901" in table, table


def test_each_review_list_is_a_consultation_of_the_records_it_showed(
    canary: Seeded, items: dict[str, int]
) -> None:
    _list("cps-caseworker", False)
    found = audit.by_user(canary.engine, "cps-caseworker", reader=READER, settings=canary.settings)
    entry = [f.entry for f in found if f.entry.action == "link.review.list"][-1]
    assert (entry.operation, entry.purpose, entry.in_results) == (
        "consultation",
        "prosecution",
        True,
    )
    assert {"custody:CU-000901", "crime:NOM-0009001"} <= set(entry.record_ids)
    assert canary.target in entry.entity_ids


def test_review_list_without_a_purpose_exits_2_and_is_recorded(canary: Seeded) -> None:
    result = _invoke("review", "list")
    assert result.exit_code == 2
    assert "a purpose is required" in result.stderr
    found = audit.by_user(canary.engine, OPERATOR, reader=READER, settings=canary.settings)
    assert [(f.entry.action, f.entry.outcome) for f in found][-1] == (
        "link.review.list",
        "denied",
    )


def test_the_list_narrows_to_one_ground_and_an_unknown_one_exits_2(
    canary: Seeded, items: dict[str, int]
) -> None:
    purpose = ("--as", "home-analyst", "--purpose", PURPOSES["home-analyst"])
    listed = _invoke(
        "review", "list", *purpose, "--justification", JUSTIFICATION,
        "--ground", "forenames differ", "--json",
    )  # fmt: skip
    assert listed.exit_code == 0, listed.stderr
    entries = json.loads(listed.stdout)["items"]
    assert {entry["queued_because"] for entry in entries} == {"forenames differ"}
    assert items["victim-child"] in {entry["item"] for entry in entries}
    refused = _invoke("review", "list", *purpose, "--ground", "a hunch")
    assert refused.exit_code == 2
    assert "no ground 'a hunch'" in refused.stderr


def test_history_of_an_unknown_entity_exits_2(canary: Seeded) -> None:
    result = _invoke("history", "PER-99999999")
    assert result.exit_code == 2
    assert "no entity 'PER-99999999'" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("review", "decide", "999999", "confirm"), "no review item 999999"),
        (("merge", "PER-99999999", "{target}"), "no entity 'PER-99999999'"),
        (("merge", "{target}", "{target}"), "merge two different entities"),
        (("split", "{target}", "--records", "custody:NO-SUCH"), "not a person record"),
        (("split", "{target}", "--records", "crime:CR-25-000902/persons/1"), "not in"),
    ],
    ids=["unknown item", "unknown entity", "merge with itself", "unknown record", "not in it"],
)
def test_bad_input_exits_2_with_a_clear_message(
    canary: Seeded, args: tuple[str, ...], words: str
) -> None:
    named = [a.format(target=canary.target) for a in args]
    result = _invoke(*named, "--reason", "checking")
    assert result.exit_code == 2, result.stdout
    assert words in result.stderr, result.stderr
    assert result.stderr.count("\n") <= 2, result.stderr


def _decide(item: int, decision: str) -> Result:
    return _invoke("review", "decide", str(item), decision, "--reason", "PNC check", "--json")


def test_a_decision_is_an_alteration_and_a_second_one_exits_2(
    canary: Seeded, items: dict[str, int]
) -> None:
    result = _decide(items["victim-child"], "reject")
    assert result.exit_code == 0, result.stderr
    decision: dict[str, Any] = json.loads(result.stdout)
    found = audit.by_user(canary.engine, OPERATOR, reader=READER, settings=canary.settings)
    entry = [f.entry for f in found if f.entry.action == "link.review.decide"][-1]
    assert entry.operation == "alteration"
    assert entry.details["decision_id"] == decision["decision_id"]
    assert set(entry.record_ids) == {"crime:CR-25-000902/persons/1", "crime:CR-25-000901/persons/1"}

    again = _decide(items["victim-child"], "confirm")
    assert again.exit_code == 2
    assert "decided already" in again.stderr
    listed = json.loads(_list("home-analyst", True).stdout)
    assert items["victim-child"] not in {e["item"] for e in listed["items"]}


def _found_by(name: str) -> list[str]:
    """The person entities `polestar search` finds by a name."""
    result = runner.invoke(
        app, ["search", name, "--purpose", "investigation", "--kind", "person", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    return [item["entity_id"] for item in json.loads(result.stdout)["results"]]


def test_split_then_merge_back_and_the_history_shows_both(canary: Seeded) -> None:
    assert _found_by(CUSTODY_NAME) == [canary.target]
    split = _invoke(
        "split", canary.target, "--records", "custody:CU-000901", "--reason", "check", "--json"
    )
    assert split.exit_code == 0, split.stderr
    outcome = json.loads(split.stdout)
    assert outcome["kept"] == canary.target
    # Search finds the custody record where it now is, at once, not at the next linkage run.
    assert _found_by(CUSTODY_NAME) == [outcome["other"]]
    merged = _invoke("merge", outcome["other"], canary.target, "--reason", "same man", "--json")
    assert merged.exit_code == 0, merged.stderr
    assert json.loads(merged.stdout)["kept"] == canary.target
    assert _found_by(CUSTODY_NAME) == [canary.target]

    shown = _invoke("history", canary.target, "--json")
    ledger = json.loads(shown.stdout)["decisions"]
    assert [d["decision"] for d in ledger] == ["split", "merge"]
    assert all(d["actor"] == OPERATOR for d in ledger)
