"""`polestar link review|merge|split|history`: people overruling linkage (docs/linkage.md).

None of these starts a linkage run. Decisions act as the local operator; the review list
shows personal data, so it takes `--purpose` and `--as` like `person show`.
"""

from __future__ import annotations

import typer

from polestar.cli.app import (
    AS_USER,
    JUSTIFICATION,
    PURPOSE,
    folded_table,
    print_json,
    stdout,
    store,
    viewer,
)
from polestar.cli.link import link_app
from polestar.linkage.decisions import Outcome, Reviewer, history, merge, split
from polestar.linkage.review import ReviewPage, ReviewRecord, decide, review_list
from polestar.pole.times import LONDON
from polestar.search import refresh
from polestar.settings import get_settings

review_app = typer.Typer(help="The review queue of uncertain person pairs.", no_args_is_help=True)
link_app.add_typer(review_app, name="review")
_REASON = typer.Option(..., "--reason", help="Why: kept in the ledger and the audit trail.")
_JSON = typer.Option(False, "--json", help="Print one JSON object.")


def _operator() -> Reviewer:
    """The local operator, who decides as a home-force administrator (CONVENTIONS.md)."""
    acting = viewer(None, None)
    return Reviewer(acting.user, acting.organisation, acting.role)


@review_app.command("list")
def list_command(
    purpose: str | None = PURPOSE,
    justification: str | None = JUSTIFICATION,
    as_user: str | None = AS_USER,
    limit: int = typer.Option(50, "--limit", help="Items per page (1–500)."),
    cursor: int | None = typer.Option(None, "--cursor", help="The next_cursor of a page."),
    ground: str | None = typer.Option(
        None, "--ground", help="Only items queued on it: uncertain, or forenames differ."
    ),
    as_json: bool = _JSON,
) -> None:
    """List open review items whose records you may see; the lookup is audited."""
    engine = store()
    page = review_list(
        engine,
        get_settings(),
        viewer(as_user, purpose, justification),
        limit=limit,
        cursor=cursor,
        ground=ground,
    )
    if as_json:
        print_json(page.as_dict())
    else:
        _render(page)


def _describe(record: ReviewRecord) -> str:
    values = record.values
    name = " ".join(str(values[f]) for f in ("forename", "surname") if values.get(f))
    born = f"born {values['dob']}" if values.get("dob") else ""
    described = ", ".join(part for part in (name, born) if part) or "(no fields visible)"
    places = [f"home {home}" for home in record.homes]
    places += [f"reported from {place}" for place in record.reported_from]
    lines = [described, *places, *(f"phone {phone}" for phone in record.phones)]
    if record.changed_at is not None:
        lines.append(f"changed {record.changed_at:%Y-%m-%d %H:%M} UTC, after it was queued")
    return "\n".join(lines)


def _render(page: ReviewPage) -> None:
    # Folded, never cut short: a phone number or an address elided is worse than none.
    headers = ("item", "probability, queued because", "record", "entity", "record", "entity")
    table = folded_table(*headers)
    for entry in page.items:
        left, right = entry.records
        table.add_row(
            str(entry.item),
            f"{entry.match_probability:.3f}\n{entry.queued_because}",
            f"{left.record}\n{_describe(left)}",
            left.entity_id or "—",
            f"{right.record}\n{_describe(right)}",
            right.entity_id or "—",
        )
    stdout.print(table)
    if page.next_cursor is not None:
        stdout.print(f"more: --cursor {page.next_cursor}")


@review_app.command("decide")
def decide_command(
    item: int = typer.Argument(..., help="A review item's number, as the list shows it."),
    decision: str = typer.Argument(..., help="confirm (one person) or reject (two people)."),
    reason: str = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Confirm or reject a pair; every later linkage run keeps to it."""
    decision_id = decide(store(), get_settings(), _operator(), item, decision, reason)
    if as_json:
        print_json({"decision_id": decision_id, "item": item, "decision": decision})
    else:
        stdout.print(f"decision {decision_id}: item {item} {decision}ed")


def _outcome(outcome: Outcome, what: str, as_json: bool) -> None:
    if as_json:
        print_json(outcome.as_dict())
    else:
        stdout.print(
            f"decision {outcome.decision_id}: {what}; {outcome.kept} kept its id, "
            f"{outcome.moved} record(s) moved to or from {outcome.other}"
        )


@link_app.command("merge")
def merge_command(
    first: str = typer.Argument(..., help="A person entity id (PER-…)."),
    second: str = typer.Argument(..., help="Another person entity id."),
    reason: str = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Merge two person entities into the older id, now and in every later run."""
    engine = store()
    outcome = merge(engine, get_settings(), _operator(), first, second, reason)
    refresh(engine, outcome.record_ids)  # searchable under the entity they joined
    _outcome(outcome, f"{outcome.other} merged into {outcome.kept}", as_json)


@link_app.command("split")
def split_command(
    entity_id: str = typer.Argument(..., help="A person entity id (PER-…)."),
    more: list[str] | None = typer.Argument(None, help="Further records after --records."),
    records: list[str] = typer.Option(
        [], "--records", help="SOURCE:KEY of the records to split out (one or more)."
    ),
    reason: str = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Split records out of a person entity, now and in every later run."""
    named = [*records, *(more or [])]
    engine = store()
    outcome = split(engine, get_settings(), _operator(), entity_id, named, reason)
    refresh(engine, outcome.record_ids)  # searchable under the entity they now belong to
    _outcome(outcome, f"{outcome.other} split from {outcome.kept}", as_json)


@link_app.command("history")
def history_command(
    entity_id: str = typer.Argument(..., help="A person entity id (PER-…)."),
    as_json: bool = _JSON,
) -> None:
    """The decisions people made about an entity (and ids merged into it), oldest first."""
    found = history(store(), get_settings(), _operator(), entity_id)
    if as_json:
        print_json({"entity_id": entity_id, "decisions": [d.as_dict() for d in found]})
        return
    table = folded_table("decision", "when", "who", "what", "entities", "reason")
    for item in found:
        table.add_row(
            str(item.id),
            item.decided_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
            item.actor,
            item.decision,
            " → ".join(e for e in (item.entity_id, item.other_entity_id) if e),
            item.reason,
        )
    stdout.print(table)
