"""Every `polestar` command loads the whole command line: what it loads, each command pays."""

from __future__ import annotations

import subprocess
import sys

# Loaded only by the commands that use them (over a second of every start between them).
HEAVY = ("splink", "sqlglot", "duckdb", "alembic", "uvicorn")


def test_the_command_line_loads_without_the_linkage_migration_and_server_libraries() -> None:
    probe = f"import sys, polestar.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout
