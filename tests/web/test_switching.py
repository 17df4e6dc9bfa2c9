"""A server process hands the interpreter lock between its request threads sooner while it
serves, and puts the interval back when it stops."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

from polestar.settings import Settings
from polestar.web.app import create_app
from polestar.web.switching import SWITCH_INTERVAL_S


def test_the_app_shortens_the_switch_interval_while_it_serves(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.db'}", data_dir=tmp_path)
    before = sys.getswitchinterval()
    assert before != SWITCH_INTERVAL_S
    with TestClient(create_app(settings)) as client:
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        assert client.get("/sign-in").status_code == 200
    assert sys.getswitchinterval() == before
