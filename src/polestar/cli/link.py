"""`polestar link`: resolve records into golden entities; `link evaluate` measures them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from polestar.cli.app import actor, app, error, print_json, stdout, store, warn
from polestar.linkage.evaluation import evaluate
from polestar.linkage.run import LinkReport, link
from polestar.linkage.scoring import EngineName as Engine
from polestar.settings import get_settings

link_app = typer.Typer(
    help="Link records of the same person, vehicle and location into golden entities.",
    invoke_without_command=True,
)
app.add_typer(link_app, name="link")


@link_app.callback()
def link_command(
    ctx: typer.Context,
    retrain: bool = typer.Option(False, "--retrain", help="Train a new person model first."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    engine: Engine = typer.Option(
        "duckdb", "--engine", help="Score person pairs on DuckDB or on Spark (the `spark` extra)."
    ),
) -> None:
    """Run linkage (a subcommand such as `evaluate` never starts a run)."""
    if ctx.invoked_subcommand is not None:
        return
    report = link(
        store(), get_settings(), actor=actor(), retrain=retrain, warn=warn, scoring_engine=engine
    )
    if as_json:
        print_json(report.as_dict())
    else:
        _show(report)


def _show(report: LinkReport) -> None:
    table = Table(
        "kind",
        "records",
        "entities",
        "new",
        "changed",
        "pairs scored",
        title=f"linkage in {report.seconds:.1f} s (model v{report.model_version})",
    )
    for kind in ("person", "vehicle", "location"):
        counts = getattr(report, kind)
        table.add_row(
            kind,
            *(
                f"{value:,}"
                for value in (
                    counts.records,
                    counts.entities,
                    counts.new_entities,
                    counts.changed_entities,
                    counts.pairs_scored,
                )
            ),
        )
    stdout.print(table)


@link_app.command("evaluate")
def evaluate_command(
    truth: Path = typer.Option(..., "--truth", help="CSV of kind,source,source_key,true_id."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON object."),
) -> None:
    """Measure the stored entities against a truth file (never runs linkage)."""
    report = evaluate(store(), truth, get_settings())
    if all(scores["records"] == 0 for scores in report.values()):
        if as_json:
            print_json(report)
        error(f"{truth} matches no stored record: check its sources and keys")
        raise typer.Exit(1)
    if as_json:
        print_json(report)
        return
    table = Table(
        "kind", "records", "missing", "pairwise P/R/F1", "cluster P/R/F1", "blocking recall"
    )
    for kind, scores in report.items():
        table.add_row(
            kind,
            f"{scores['records']:,}",
            f"{scores['missing']:,}",
            _prf(scores["pairwise"]),
            _prf(scores["cluster"]),
            "—" if scores["blocking_recall"] is None else f"{scores['blocking_recall']:.4f}",
        )
    stdout.print(table)


def _prf(scores: dict[str, float] | None) -> str:
    if scores is None:
        return "—"
    return f"{scores['precision']:.4f} / {scores['recall']:.4f} / {scores['f1']:.4f}"
