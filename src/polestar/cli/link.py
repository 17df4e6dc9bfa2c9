"""`polestar link`: resolve records into golden entities; `link evaluate` measures them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from polestar.cli.app import (
    AS_USER,
    JUSTIFICATION,
    PURPOSE,
    actor,
    app,
    error,
    folded_table,
    print_json,
    stderr,
    stdout,
    store,
    tell_withheld,
    viewer,
    warn,
)
from polestar.errors import NotFound
from polestar.linkage import EngineName as Engine
from polestar.search import refresh_stale
from polestar.settings import get_settings

if TYPE_CHECKING:
    from polestar.linkage.run import LinkReport

# Each command imports the linkage it runs when it runs: Splink and DuckDB took over half a
# second of every other command's start.

link_app = typer.Typer(
    help="Link records of the same person, vehicle and location into golden entities.",
    invoke_without_command=True,
)
app.add_typer(link_app, name="link")


@link_app.callback()
def link_command(
    ctx: typer.Context,
    retrain: bool = typer.Option(False, "--retrain", help="Train a new person model first."),
    incremental: bool = typer.Option(
        False,
        "--incremental",
        help="Place only records no entity holds yet, and anew those an ingest changed but "
        "did not place, against the last batch run's entities.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    engine: Engine = typer.Option(
        "duckdb", "--engine", help="Score person pairs on DuckDB or on Spark (the `spark` extra)."
    ),
) -> None:
    """Run linkage (a subcommand such as `evaluate` never starts a run)."""
    if ctx.invoked_subcommand is not None:
        return
    if incremental:
        _incremental(as_json)
        return
    from polestar.linkage.run import link

    database = store()
    report = link(
        database, get_settings(), actor=actor(), retrain=retrain, warn=warn, scoring_engine=engine
    )
    stderr.print(str(refresh_stale(database)))
    if as_json:
        print_json(report.as_dict())
    else:
        _show(report)


def _incremental(as_json: bool) -> None:
    from polestar.linkage.arrivals import batch_due, link_unplaced

    database = store()
    settings = get_settings()
    arrivals = link_unplaced(database, settings, actor())
    if arrivals is None:
        error("no batch run has placed people yet: run `polestar link` first")
        raise typer.Exit(1)
    stderr.print(str(refresh_stale(database)))
    if (due := batch_due(arrivals, settings)) is not None:
        warn(due)
    if as_json:
        print_json(asdict(arrivals))
        return
    people = arrivals.person
    stdout.print(
        f"placed {people['records']:,} person records ({people['joined']:,} joined existing "
        f"people, {people['new_entities']:,} new, {people['merged']:,} merges), "
        f"{arrivals.vehicle:,} vehicles and {arrivals.location:,} locations "
        f"in {arrivals.seconds:.1f} s; {people['review_items']:,} queued for review"
    )


def _show(report: LinkReport) -> None:
    table = folded_table(
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
    from polestar.linkage.evaluation import evaluate

    report = evaluate(store(), truth, get_settings())
    if all(scores["records"] == 0 for scores in report.values()):
        if as_json:
            print_json(report)
        error(f"{truth} matches no stored record: check its sources and keys")
        raise typer.Exit(1)
    if as_json:
        print_json(report)
        return
    table = folded_table(
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


@link_app.command("explain")
def explain_command(
    left: str = typer.Argument(..., help="A person record: SOURCE:KEY."),
    right: str = typer.Argument(..., help="Another person record: SOURCE:KEY."),
    purpose: str | None = PURPOSE,
    justification: str | None = JUSTIFICATION,
    as_user: str | None = AS_USER,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show why two person records score as they do, from the fields you may see; audited."""
    from polestar.linkage.explanations import explain

    engine = store()
    try:
        explanation = explain(
            engine, get_settings(), viewer(as_user, purpose, justification), left, right
        )
    except NotFound as exc:
        # A record name is input: one that names nothing you may see is a usage error.
        error(exc.message)
        raise typer.Exit(2) from exc
    if as_json:
        print_json(explanation.as_dict())
    else:
        _show_explanation(explanation.as_dict())


def _show_explanation(explained: dict[str, Any]) -> None:
    for record in explained["records"]:
        stdout.print(f"{record['record']}  {record['entity_id'] or '(not linked yet)'}")
    table = folded_table(
        "comparison",
        "level",
        "weight",
        "term freq.",
        "total",
        title=f"match weight (model v{explained['model_version']})",
        title_justify="left",
    )
    table.add_row("prior", "", "", "", f"{explained['prior']['weight']:+.2f}")
    for step in explained["comparisons"]:
        tf = step["tf_weight"]
        table.add_row(
            step["comparison"],
            step["level"],
            f"{step['weight']:+.2f}",
            "" if tf is None else f"{tf:+.2f}",
            f"{step['total']:+.2f}",
        )
    table.add_row(
        "[bold]final[/bold]", "", "", "", f"[bold]{explained['match_weight']:+.2f}[/bold]"
    )
    stdout.print(table)
    stdout.print(f"match probability {explained['match_probability']:.6f}")
    decision = explained["decision"]
    stdout.print("human decision: " + ("none" if decision is None else str(decision["decision"])))
    tell_withheld(explained["withheld"])
