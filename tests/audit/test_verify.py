"""Tamper evidence on SQLite and PostgreSQL: each kind of tampering is caught at its entry.

Every test writes a log of five entries, tampers with the table as someone with database
access (but not the key) could, and expects `verify` to name the first bad entry and why.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.audit.checkpoint import checkpoint_path
from polestar.settings import Settings
from polestar.store.tables import audit_entries, audit_payloads
from tests.audit.factories import lookup

E = audit_entries.c


@pytest.fixture
def log(db: Engine, settings: Settings) -> Engine:
    """Five entries; the second carries a justification payload."""
    for n in range(1, 6):
        audit.record(db, lookup(justification="a reason" if n == 2 else None), settings)
    return db


def _hash(db: Engine, seq: int) -> str:
    with db.connect() as conn:
        return str(conn.execute(sa.select(E.hash).where(E.seq == seq)).scalar_one())


def _tamper(db: Engine, *statements: sa.Executable) -> None:
    with db.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def _first_bad(db: Engine, settings: Settings) -> tuple[int, str] | None:
    bad = audit.verify(db, settings).first_bad
    return None if bad is None else (bad.seq, bad.reason)


def test_an_untouched_log_verifies(log: Engine, settings: Settings) -> None:
    report = audit.verify(log, settings)
    assert report.as_dict() == {"ok": True, "entries": 5, "first_bad": None}


def test_an_edited_field_is_a_hash_mismatch(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_entries.update().where(E.seq == 3).values(actor="someone.else"))
    assert _first_bad(log, settings) == (3, "hash mismatch")


def test_an_edited_time_is_a_hash_mismatch(log: Engine, settings: Settings) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    _tamper(log, audit_entries.update().where(E.seq == 4).values(occurred_at=later))
    assert _first_bad(log, settings) == (4, "hash mismatch")


def test_a_deleted_middle_entry_is_a_gap(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_entries.delete().where(E.seq == 3))
    assert _first_bad(log, settings) == (3, "gap")


def test_a_deleted_first_entry_is_a_gap(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_entries.delete().where(E.seq == 1))
    assert _first_bad(log, settings) == (1, "gap")


def test_deleted_newest_entries_are_a_truncation(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_entries.delete().where(E.seq >= 4))
    assert _first_bad(log, settings) == (4, "truncated")


def test_a_truncation_stays_visible_after_later_appends(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_entries.delete().where(E.seq >= 3))
    for _ in range(5):
        audit.record(log, lookup(), settings)
    assert _first_bad(log, settings) == (5, "truncated")


def test_an_emptied_table_is_a_truncation(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_payloads.delete(), audit_entries.delete())
    assert _first_bad(log, settings) == (1, "truncated")


def test_a_forged_entry_is_a_hash_mismatch(log: Engine, settings: Settings) -> None:
    with log.connect() as conn:
        newest = dict(conn.execute(sa.select(audit_entries).where(E.seq == 5)).one()._mapping)
    forged = {
        **newest,
        "seq": 6,
        "actor": "nobody",
        "prev_hash": newest["hash"],
        "hash": hashlib.sha256(b"a guess").hexdigest(),
    }
    _tamper(log, audit_entries.insert().values(**forged))
    assert _first_bad(log, settings) == (6, "hash mismatch")


def test_swapped_entries_are_out_of_order(log: Engine, settings: Settings) -> None:
    _tamper(
        log,
        audit_entries.update().where(E.seq == 3).values(seq=-3),
        audit_entries.update().where(E.seq == 4).values(seq=3),
        audit_entries.update().where(E.seq == -3).values(seq=4),
    )
    assert _first_bad(log, settings) == (3, "order")


def test_a_replaced_link_is_out_of_order(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_entries.update().where(E.seq == 4).values(prev_hash=_hash(log, 2)))
    assert _first_bad(log, settings) == (4, "order")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("record_ids", '["custody:CU-000123"'),
        ("entity_ids", '{"not": "a list"}'),
        ("details", "[]"),
        ("operation", "gossip"),
        ("hash", "not a hash"),
    ],
)
def test_a_corrupt_row_is_unreadable(
    log: Engine, settings: Settings, column: str, value: str
) -> None:
    _tamper(log, audit_entries.update().where(E.seq == 3).values({column: value}))
    assert _first_bad(log, settings) == (3, "unreadable")


def test_a_corrupt_time_is_refused_or_unreadable(log: Engine, settings: Settings) -> None:
    if log.dialect.name != "sqlite":  # PostgreSQL refuses a malformed timestamp outright
        with pytest.raises(sa.exc.DataError), log.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_entries SET occurred_at = 'teatime' WHERE seq = 2")
        return
    with log.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_entries SET occurred_at = 'teatime' WHERE seq = 2")
        conn.exec_driver_sql("UPDATE audit_entries SET in_results = 7 WHERE seq = 4")
    report = audit.verify(log, settings)
    assert (report.first_bad and report.first_bad.seq, report.entries) == (2, 5)


def test_an_edited_payload_is_a_hash_mismatch(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_payloads.update().values(text='{"justification":"another reason"}'))
    assert _first_bad(log, settings) == (2, "hash mismatch")


def test_a_deleted_payload_row_is_unreadable(log: Engine, settings: Settings) -> None:
    _tamper(log, audit_payloads.delete())
    assert _first_bad(log, settings) == (2, "unreadable")


def test_blanked_payloads_keep_the_chain_valid(log: Engine, settings: Settings) -> None:
    blanked = audit.blank_payloads(
        log, datetime.now(UTC) + timedelta(seconds=1), actor="dpo", settings=settings
    )

    assert blanked == 1
    with log.connect() as conn:
        assert conn.execute(sa.select(audit_payloads.c.text)).scalar_one() is None
        erasure = conn.execute(sa.select(E.operation).where(E.seq == 6)).scalar_one()
    assert erasure == "erasure"
    assert audit.verify(log, settings).as_dict() == {"ok": True, "entries": 6, "first_bad": None}


def test_another_key_fails_the_first_entry(log: Engine, settings: Settings) -> None:
    (settings.data_dir / "audit.key").write_text("11" * 32 + "\n")
    assert _first_bad(log, settings) == (1, "hash mismatch")


def test_verify_writes_nothing(log: Engine, settings: Settings) -> None:
    files = {p: p.read_bytes() for p in settings.data_dir.iterdir()}
    with log.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(audit_entries)).scalar()

    audit.verify(log, settings)

    with log.connect() as conn:
        after = conn.execute(sa.select(sa.func.count()).select_from(audit_entries)).scalar()
    assert after == before == 5
    assert {p: p.read_bytes() for p in settings.data_dir.iterdir()} == files


def test_verify_of_a_new_store_makes_no_key(db: Engine, settings: Settings) -> None:
    report = audit.verify(db, settings)

    assert report.as_dict() == {"ok": True, "entries": 0, "first_bad": None}
    assert not (settings.data_dir / "audit.key").exists()
    assert not checkpoint_path(settings.data_dir, db).exists()
