"""`polestar tokens create|list|revoke`: the secret is printed once and never listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from polestar.access import authenticate
from polestar.cli import app
from polestar.settings import Settings
from polestar.store.engine import create_engine

runner = CliRunner()


def _user(settings: Settings) -> None:
    result = runner.invoke(
        app, ["users", "add", "c.lawyer", "--org", "cps", "--role", "partner-caseworker"]
    )
    assert result.exit_code == 0, result.output


def test_create_prints_a_token_that_authenticates(settings: Settings) -> None:
    _user(settings)
    result = runner.invoke(
        app, ["tokens", "create", "--user", "c.lawyer", "--scope", "read,review", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"id", "token", "user", "scopes", "expires_at"}
    assert payload["scopes"] == ["read", "review"]
    expires = datetime.fromisoformat(payload["expires_at"])
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    engine = create_engine(settings=settings)
    assert authenticate(engine, payload["token"], datetime.now(UTC)).user == "c.lawyer"
    engine.dispose()


def test_without_json_only_the_secret_is_on_stdout(settings: Settings) -> None:
    _user(settings)
    result = runner.invoke(app, ["tokens", "create", "--user", "c.lawyer", "--expires", "7"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("pst_")
    assert len(result.stdout.strip().splitlines()) == 1
    assert "not shown again" in result.stderr


def test_list_never_shows_a_secret_and_revoke_takes_effect(settings: Settings) -> None:
    _user(settings)
    created = json.loads(
        runner.invoke(app, ["tokens", "create", "--user", "c.lawyer", "--json"]).stdout
    )
    result = runner.invoke(app, ["tokens", "revoke", created["id"], "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "revoked"
    listed = runner.invoke(app, ["tokens", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert created["token"] not in listed.stdout
    [token] = json.loads(listed.stdout)["tokens"]
    assert (token["id"], token["user"], token["status"]) == (created["id"], "c.lawyer", "revoked")


def test_bad_input_exits_2(settings: Settings) -> None:
    result = runner.invoke(app, ["tokens", "create", "--user", "ghost", "--scope", "root"])
    assert result.exit_code == 2
    assert "scope: no scope 'root'" in result.stderr
    assert "user: no user named 'ghost'" in result.stderr
    assert runner.invoke(app, ["tokens", "revoke", "000000000000"]).exit_code == 2
