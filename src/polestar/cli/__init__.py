"""The `polestar` command line."""

from polestar.cli.app import main

__all__ = ["main"]
