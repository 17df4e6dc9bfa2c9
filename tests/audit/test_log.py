"""Appending: numbered entries, payloads apart from entries, the key and the checkpoint."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access.demo import demo_users
from polestar.access.tokens import revoke_token
from polestar.audit.checkpoint import Head, checkpoint_path, read_checkpoint
from polestar.audit.secret import key_path
from polestar.settings import Settings, get_settings
from polestar.store.tables import audit_entries, audit_payloads, runs
from tests.audit.factories import lookup, sharing


def _entries(db: Engine) -> list[dict[str, object]]:
    with db.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(audit_entries))]


def test_entries_are_numbered_from_one_and_chained(db: Engine, settings: Settings) -> None:
    seqs = [audit.record(db, lookup(), settings) for _ in range(3)]

    assert seqs == [1, 2, 3]
    rows = _entries(db)
    assert rows[0]["prev_hash"] == "0" * 64
    assert [row["prev_hash"] for row in rows[1:]] == [row["hash"] for row in rows[:-1]]
    assert audit.verify(db, settings).ok


def test_an_entry_holds_ids_and_metadata_and_only_the_hash_of_free_text(
    db: Engine, settings: Settings
) -> None:
    audit.record(db, lookup(justification="Suspect in burglary CR-24-1"), settings)

    (row,) = _entries(db)
    assert row["operation"] == "consultation"
    assert json.loads(str(row["entity_ids"])) == ["PER-00000001"]
    assert json.loads(str(row["record_ids"])) == ["custody:CU-000123"]
    assert "burglary" not in json.dumps(row, default=str)
    with db.connect() as conn:
        text = conn.execute(sa.select(audit_payloads.c.text)).scalar_one()
    assert json.loads(text) == {"justification": "Suspect in burglary CR-24-1"}
    assert row["payload_hash"] is not None


def test_a_disclosure_names_its_recipients(db: Engine, settings: Settings) -> None:
    audit.record(db, sharing(), settings)

    (row,) = _entries(db)
    assert json.loads(str(row["recipients"])) == ["fire"]


def test_the_key_is_made_on_first_use_readable_by_its_owner_only(
    db: Engine, settings: Settings
) -> None:
    audit.record(db, lookup(), settings)

    key = settings.data_dir / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with db.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(audit_entries)) for v in row)
    assert key.read_text().strip() not in stored


def test_the_head_is_checkpointed_after_each_append(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup(), settings)
    seq = audit.record(db, lookup(), settings)

    head = read_checkpoint(checkpoint_path(settings.data_dir, db))
    assert head is not None
    assert (head.seq, head.hash) == (seq, _entries(db)[-1]["hash"])


def test_the_checkpoint_is_rewritten_in_place_leaving_nothing_of_a_longer_text(
    db: Engine, settings: Settings
) -> None:
    first = audit.record(db, lookup(), settings)
    path = checkpoint_path(settings.data_dir, db)
    # A checkpoint written by an earlier version: the same head, in a longer text.
    written = read_checkpoint(path)
    assert written is not None
    assert written.seq == first
    path.write_text(json.dumps({"seq": first, "hash": written.hash}, indent=8) + " " * 300)
    second = audit.record(db, lookup(), settings)

    assert read_checkpoint(path) == Head(second, str(_entries(db)[-1]["hash"]))
    assert len(path.read_bytes()) < 300
    assert audit.verify(db, settings).as_dict()["ok"] is True


def test_an_entry_commits_with_the_action_in_one_transaction(
    db: Engine, settings: Settings
) -> None:
    def act_then_fail() -> None:
        with audit.transaction(db, settings) as conn:
            conn.execute(
                runs.insert().values(
                    command="ingest", actor="a", started_at=datetime.now(UTC), status="running"
                )
            )
            audit.record_in(conn, lookup(), settings)
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        act_then_fail()

    assert _entries(db) == []
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar() == 0
    assert read_checkpoint(checkpoint_path(settings.data_dir, db)) is None

    with audit.transaction(db, settings) as conn:
        seq = audit.record_in(conn, lookup(), settings)
    assert seq == 1
    assert audit.verify(db, settings).ok


def test_record_in_takes_its_transactions_settings_and_wants_them_anywhere_else(
    db: Engine, settings: Settings
) -> None:
    with audit.transaction(db, settings) as conn:
        assert audit.record_in(conn, lookup()) == 1
    assert read_checkpoint(checkpoint_path(settings.data_dir, db)) == Head(
        1, _entries(db)[0]["hash"]
    )

    with db.begin() as conn, pytest.raises(TypeError, match="settings"):
        audit.record_in(conn, lookup())
    assert len(_entries(db)) == 1


def test_account_changes_chain_under_their_stores_key_whatever_the_process_is_set_to(
    db: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "another-store-data"
    monkeypatch.setenv("POLESTAR_DATA_DIR", str(elsewhere))
    get_settings.cache_clear()

    accounts = demo_users(db, datetime.now(UTC), actor="cli:test", settings=settings)
    revoke_token(
        db, accounts[0].api_token.id, datetime.now(UTC), actor="cli:test", settings=settings
    )

    assert audit.verify(db, settings).ok
    assert key_path(settings.data_dir).exists()
    assert not elsewhere.exists()
