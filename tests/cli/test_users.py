"""`polestar users add|list|disable|set-password` and `--as`: JSON shapes and exit codes
(CONVENTIONS.md)."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from polestar.access import sign_in
from polestar.cli import app
from polestar.cli.app import viewer
from polestar.errors import InvalidInput, Unauthorised
from polestar.settings import Settings
from polestar.store.engine import create_engine
from tests.access.conftest import ADDRESS

runner = CliRunner()


def _add(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["users", "add", *args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, object] = json.loads(result.stdout)
    return payload


def test_add_prints_the_user(settings: Settings) -> None:
    payload = _add("a.khan", "--org", "home-force", "--role", "analyst", "--name", "Aisha Khan")
    assert payload["username"] == "a.khan"
    assert payload["organisation"] == "home-force"
    assert payload["roles"] == ["analyst"]
    assert payload["disabled"] is False


def test_add_with_bad_input_exits_2_naming_every_problem(settings: Settings) -> None:
    result = runner.invoke(
        app, ["users", "add", "X", "--org", "nowhere", "--role", "chief", "--json"]
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: cannot add user 'X'")
    for field in ("username:", "org:", "role:"):
        assert field in result.stderr


def test_list_and_disable(settings: Settings) -> None:
    _add("j.smith", "--org", "fire", "--role", "partner-caseworker")
    _add("a.khan", "--org", "home-force", "--role", "analyst", "--role", "supervisor")
    result = runner.invoke(app, ["users", "disable", "j.smith", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["disabled"] is True
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"]).stdout)
    assert [(u["username"], u["disabled"]) for u in listed["users"]] == [
        ("j.smith", True),
        ("a.khan", False),
    ]
    assert listed["users"][1]["roles"] == ["analyst", "supervisor"]


def test_disabling_an_unknown_user_exits_2(settings: Settings) -> None:
    result = runner.invoke(app, ["users", "disable", "ghost"])
    assert result.exit_code == 2
    assert "no user named 'ghost'" in result.stderr


def test_without_as_the_operator_acts_as_a_home_force_administrator(settings: Settings) -> None:
    acting = viewer(None, "safeguarding")
    assert acting.user == f"cli:{getpass.getuser()}"
    assert (acting.organisation, acting.roles) == ("home-force", frozenset({"administrator"}))


def test_as_acts_as_the_named_user(settings: Settings) -> None:
    _add("p.jones", "--org", "probation", "--role", "partner-caseworker")
    acting = viewer("p.jones", "offender-management", "breach")
    assert (acting.user, acting.organisation, acting.justification) == (
        "p.jones",
        "probation",
        "breach",
    )
    with pytest.raises(InvalidInput):
        viewer("ghost", "investigation")
    runner.invoke(app, ["users", "disable", "p.jones"])
    with pytest.raises(Unauthorised):
        viewer("p.jones", "offender-management")


def test_account_changes_are_recorded_as_alterations(settings: Settings) -> None:
    steps = [
        ["agreements", "load"],
        ["users", "add", "a.audit", "--org", "cps", "--role", "partner-caseworker"],
        ["tokens", "create", "--user", "a.audit", "--json"],
    ]
    for step in steps:
        result = runner.invoke(app, step)
        assert result.exit_code == 0, result.output
    token_id = json.loads(result.stdout)["id"]
    for step in (["tokens", "revoke", token_id], ["users", "disable", "a.audit"]):
        result = runner.invoke(app, step)
        assert result.exit_code == 0, result.output
    found = runner.invoke(app, ["audit", "by-user", f"cli:{getpass.getuser()}", "--json"])
    entries = json.loads(found.stdout)["entries"]
    assert [(e["operation"], e["action"]) for e in entries] == [
        ("alteration", "agreements.load"),
        ("alteration", "users.add"),
        ("alteration", "tokens.create"),
        ("alteration", "tokens.revoke"),
        ("alteration", "users.disable"),
    ]
    assert "pst_" not in found.stdout  # a token's secret is never logged


def test_set_password_prints_a_new_password_once_that_signs_in(settings: Settings) -> None:
    _add("a.khan", "--org", "home-force", "--role", "analyst")
    result = runner.invoke(app, ["users", "set-password", "a.khan", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"username", "password"}
    assert payload["username"] == "a.khan"
    engine = create_engine(settings=settings)
    assert sign_in(
        engine, settings, "a.khan", payload["password"], datetime.now(UTC), address=ADDRESS
    )
    engine.dispose()
    plain = runner.invoke(app, ["users", "set-password", "a.khan"])
    assert plain.exit_code == 0
    assert plain.stdout.strip() != payload["password"]
    missing = runner.invoke(app, ["users", "set-password", "nobody"])
    assert missing.exit_code == 2
    assert "no user named 'nobody'" in missing.stderr


def test_set_password_from_stdin_keeps_to_the_rules(settings: Settings) -> None:
    _add("a.khan", "--org", "home-force", "--role", "analyst")
    weak = runner.invoke(app, ["users", "set-password", "a.khan", "--stdin"], input="Password1!\n")
    assert weak.exit_code == 2, weak.output
    assert "at least 12" in weak.stderr
    assert "too common" in weak.stderr
    chosen = "a long walk by the river trent"
    result = runner.invoke(
        app, ["users", "set-password", "a.khan", "--stdin", "--json"], input=chosen + "\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"username": "a.khan", "password": None}
    engine = create_engine(settings=settings)
    assert sign_in(engine, settings, "a.khan", chosen, datetime.now(UTC), address=ADDRESS)
    engine.dispose()
