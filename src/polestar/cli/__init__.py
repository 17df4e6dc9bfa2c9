"""The `polestar` command line: one module per verb group, registered on one Typer app."""

from polestar.cli import (  # noqa: F401  registers
    audit,
    db,
    export,
    generate,
    ingest,
    link,
    quarantine,
    serve,
)
from polestar.cli.app import app, main

__all__ = ["app", "main"]
