"""`polestar demo users`: the demo's agreements and users, a password and a token each, safe
to run twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from typer.testing import CliRunner

from polestar.access import sign_in
from polestar.access.demo import DEMO_USERS
from polestar.cli import app
from polestar.settings import Settings
from polestar.store.engine import create_engine
from tests.access.conftest import ADDRESS

runner = CliRunner()


def test_demo_users_prints_a_token_for_every_demo_user(settings: Settings) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["demo", "users", "--json"])
        assert result.exit_code == 0, result.output
        tokens = json.loads(result.stdout)["tokens"]
        assert [t["user"] for t in tokens] == [demo.username for demo in DEMO_USERS]
        assert all(t["token"].startswith("pst_") for t in tokens)
    users = json.loads(runner.invoke(app, ["users", "list", "--json"]).stdout)["users"]
    assert len(users) == len(DEMO_USERS)


def test_demo_users_table_shows_the_tokens(settings: Settings) -> None:
    result = runner.invoke(app, ["demo", "users"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("pst_") == len(DEMO_USERS)


def test_demo_users_prints_a_password_each_that_signs_them_in(settings: Settings) -> None:
    result = runner.invoke(app, ["demo", "users", "--json"])
    assert result.exit_code == 0, result.output
    users = json.loads(result.stdout)["users"]
    assert [(u["username"], u["organisation"], u["role"]) for u in users] == [
        (demo.username, demo.organisation, demo.role.value) for demo in DEMO_USERS
    ]
    engine = create_engine(settings=settings)
    for user in users:
        assert sign_in(
            engine, settings, user["username"], user["password"], datetime.now(UTC), address=ADDRESS
        )
    engine.dispose()
    table = runner.invoke(app, ["demo", "users"])
    assert all(demo.username in table.stdout for demo in DEMO_USERS)
    assert "password" in table.stdout
