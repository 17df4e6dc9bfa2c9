"""The `polestar` command line: one module per verb group, registered on one Typer app."""

from polestar.cli.app import app, main
from polestar.cli import db, generate, ingest, quarantine, serve  # noqa: E402,F401  registers

__all__ = ["app", "main"]
