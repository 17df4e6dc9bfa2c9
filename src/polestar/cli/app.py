"""The Typer app, its error handling and what every command shares (CONVENTIONS.md).

Progress, logs and warnings go to stderr; with `--json` stdout holds exactly one JSON object.
Exit 0 when the command did its job, 1 when a check fails, 2 for usage errors and input that
cannot be read; errors are one line on stderr, with a traceback only under `--debug`.
"""

from __future__ import annotations

import getpass
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Column, Table

from polestar.access import Viewer, operator, viewer_for
from polestar.errors import InvalidInput, PolestarError
from polestar.settings import get_settings
from polestar.store.engine import Engine, create_engine
from polestar.store.schema import upgrade

_state = {"debug": False}


class _Group(typer.core.TyperGroup):
    """Turns domain errors into one line on stderr and CONVENTIONS.md's exit status."""

    def invoke(self, ctx: typer._click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PolestarError as exc:
            if _state["debug"]:
                raise
            error(exc.message)
            for problem in exc.errors:
                sys.stderr.write(f"  {problem.field}: {problem.message}\n")
            raise typer.Exit(2 if isinstance(exc, InvalidInput) else 1) from exc
        except OSError as exc:
            if _state["debug"]:
                raise
            error(str(exc))
            raise typer.Exit(2) from exc
        except Exception as exc:
            if _state["debug"] or isinstance(exc, typer.Exit | typer._click.ClickException):
                raise
            error(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            raise typer.Exit(1) from exc


app = typer.Typer(
    cls=_Group,
    name="polestar",
    help="Polestar: one joined-up POLE picture for a police force and its partners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Options of every command that shows personal data (CONVENTIONS.md, "The operator").
PURPOSE = typer.Option(None, "--purpose", help="Why you are looking (a purpose slug).")
JUSTIFICATION = typer.Option(
    None, "--justification", help="Free text; needed to see sensitive records."
)
AS_USER = typer.Option(None, "--as", help="Act as this user (made with `polestar users add`).")

stderr = Console(stderr=True)
stdout = Console()


def folded_table(*headers: str, **options: Any) -> Table:
    """A table whose long values fold onto more lines instead of ending in `…`: a record
    name, an address or a phone number cut short is worse than a taller table."""
    return Table(*(Column(header, overflow="fold") for header in headers), **options)


def tell_withheld(withheld: Sequence[str]) -> None:
    """Say on stderr what a justification would add (`Scope.withheld`), when it would add
    anything: said whatever the command found, so it tells nothing of what matched."""
    if withheld:
        stderr.print(f"a justification would also show: {', '.join(withheld)}")


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def store() -> Engine:
    """The configured store, created or upgraded to the current schema on first use."""
    engine = create_engine(settings=get_settings())
    upgrade(engine)
    return engine


def actor() -> str:
    """Who a batch command acts as: the local operator (CONVENTIONS.md)."""
    return f"cli:{getpass.getuser()}"


def viewer(as_user: str | None, purpose: str | None, justification: str | None = None) -> Viewer:
    """Who a personal-data command acts as: the user named by `--as`, else the operator.

    Args:
        as_user: a user made with `polestar users add`; without it the local operator acts as
            a home-force administrator (CONVENTIONS.md, "The operator").
    """
    if as_user is None:
        return operator(actor(), purpose, justification)
    return viewer_for(store(), as_user, purpose, justification)


def print_json(payload: Any) -> None:
    """Write the one JSON object a `--json` command prints."""
    sys.stdout.write(json.dumps(payload, default=str) + "\n")


def warn(message: str) -> None:
    """A warning: one line on stderr."""
    sys.stderr.write(f"warning: {message}\n")


def error(message: str) -> None:
    """An error: one line on stderr that says what to do (CONVENTIONS.md)."""
    sys.stderr.write(f"error: {message}\n")


def main() -> None:
    """Entry point of the `polestar` command."""
    app()
