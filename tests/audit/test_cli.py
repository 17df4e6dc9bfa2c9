"""`polestar audit` through its runner: JSON shapes, exit codes, and what each records."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar import audit
from polestar.cli import app
from polestar.cli.app import actor
from polestar.settings import Settings
from polestar.store.tables import audit_entries
from tests.audit.factories import lookup

runner = CliRunner()


def _count(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_entries)).scalar_one())


def test_verify_json_of_a_good_log_exits_0(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup(), settings)

    result = runner.invoke(app, ["audit", "verify", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "entries": 1, "first_bad": None}
    assert _count(db) == 1, "verify wrote to the chain"


def test_verify_of_a_tampered_log_exits_1_naming_the_entry(db: Engine, settings: Settings) -> None:
    for _ in range(3):
        audit.record(db, lookup(), settings)
    with db.begin() as conn:
        conn.execute(audit_entries.update().where(audit_entries.c.seq == 2).values(role="dpo"))

    result = runner.invoke(app, ["audit", "verify", "--json"])

    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout) == {
        "ok": False,
        "entries": 3,
        "first_bad": {"seq": 2, "reason": "hash mismatch"},
    }


def test_verify_reports_a_corrupt_row_without_a_traceback(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup(), settings)
    with db.begin() as conn:
        conn.execute(audit_entries.update().values(entity_ids="[oops"))

    result = runner.invoke(app, ["audit", "verify"])

    assert result.exit_code == 1
    assert "entry 1: unreadable" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_export_writes_lines_and_records_a_disclosure(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    audit.record(db, lookup(), settings)
    out = tmp_path / "siem.jsonl"

    result = runner.invoke(
        app, ["audit", "export", "--since", "2000-01-01", "--out", str(out), "--json"]
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entries"] == 1
    assert len(out.read_text().splitlines()) == 1
    (entry,) = [
        f.entry
        for f in audit.by_user(db, actor(), reader=audit.Actor(actor="t"), settings=settings)
        if f.entry.action == "audit.export"
    ]
    assert (str(entry.operation), entry.recipients) == ("disclosure", (str(out),))


def test_export_with_a_bad_time_is_a_usage_error(settings: Settings, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["audit", "export", "--since", "last tuesday", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert "ISO" in result.stderr


def test_who_viewed_json_lists_lookups_and_is_recorded(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup("pc.jones", justification="a reason"), settings)

    result = runner.invoke(app, ["audit", "who-viewed", "PER-00000001", "--json"])

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["id"] == "PER-00000001"
    (entry,) = payload["entries"]
    assert (entry["actor"], entry["purpose"], entry["justification"]) == (
        "pc.jones",
        "investigation",
        "a reason",
    )
    assert entry["in_results"] is False
    assert _count(db) == 2


def test_by_user_json_lists_the_users_entries(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup("pc.jones"), settings)
    audit.record(db, lookup("pc.smith"), settings)

    result = runner.invoke(app, ["audit", "by-user", "pc.jones", "--json"])

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [e["actor"] for e in payload["entries"]] == ["pc.jones"]
    assert payload["user"] == "pc.jones"


def test_tables_go_to_stdout_without_json(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup("pc.jones"), settings)

    result = runner.invoke(app, ["audit", "who-viewed", "PER-00000001"])

    assert result.exit_code == 0, result.output
    assert "who viewed PER-00000001" in result.stdout
