"""The `polestar` command line: one module per verb group, registered on one Typer app."""

from polestar.cli import db, export, generate, ingest, link, quarantine, serve  # noqa: F401  registers
from polestar.cli.app import app, main

__all__ = ["app", "main"]
