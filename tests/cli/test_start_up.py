"""Every `polestar` command loads the whole command line: what it loads, each command pays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Loaded only by the commands that use them (over a second of every start between them).
HEAVY = ("splink", "sqlglot", "duckdb", "alembic", "uvicorn")


def test_the_command_line_loads_without_the_linkage_migration_and_server_libraries() -> None:
    probe = f"import sys, polestar.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_the_server_and_the_command_line_load_without_a_warning() -> None:
    """`make demo` printed Authlib's deprecation of plain httpx as the server started."""
    probe = "import polestar.cli, polestar.web.app, polestar.access.oidc"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_installed_libraries_are_compiled_to_bytecode_at_install() -> None:
    """`make env` compiles them (UV_COMPILE_BYTECODE): where PYTHONDONTWRITEBYTECODE is set,
    nothing else does, and every command and spawned linking process compiled them again."""
    import importlib.util

    import duckdb
    import splink
    import sqlalchemy

    for module in (splink, duckdb, sqlalchemy):
        source = module.__file__
        assert source is not None
        compiled = Path(importlib.util.cache_from_source(source))
        assert compiled.exists(), f"{compiled} missing: rebuild the environment (make clean env)"
