"""Verification: walk the chain from the first entry and name the first one that is wrong.

Reads only: it creates no key, writes no checkpoint and appends no entry (CONVENTIONS.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.engine import Engine

from polestar.audit import checkpoint
from polestar.audit.entries import GENESIS, LogEntry, UnreadableEntry, parse_entry, payload_hash
from polestar.audit.secret import key_path, read_key
from polestar.settings import Settings
from polestar.store import audit_log

Reason = Literal["hash mismatch", "gap", "order", "unreadable", "truncated"]


@dataclass(frozen=True)
class BadEntry:
    """The first entry found wrong. For "gap" and "truncated", `seq` is the first entry
    missing; otherwise it is the stored entry that fails."""

    seq: int
    reason: Reason


@dataclass
class VerifyReport:
    """What `verify` found: `entries` counts the rows read; `warnings` are for stderr."""

    entries: int = 0
    first_bad: BadEntry | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    def as_dict(self) -> dict[str, object]:
        """The shape `polestar audit verify --json` prints (issue 4)."""
        bad = self.first_bad
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_bad": None if bad is None else {"seq": bad.seq, "reason": bad.reason},
        }


def verify(engine: Engine, settings: Settings) -> VerifyReport:
    """Check every entry: readable, numbered without gaps, linked to the one before, hashed
    with the key, its payload (unless blanked) matching its hash, and the head not behind
    the checkpoint.

    A reason, checked in this order for each entry:
        unreadable: a column is NULL where a value belongs, or malformed (bad JSON, say), or
            its payload row is missing.
        gap: entries are missing before this one (a deletion).
        order: its `prev_hash` is not the previous entry's hash (entries reordered, or one
            forged or replaced in between).
        hash mismatch: its hash is not the HMAC of its columns (a field edited, an entry
            forged without the key), or its payload differs from the hash it carries.
        truncated: the newest entries are gone (the checkpoint names a later head, or a
            different entry at its place).
    """
    report = VerifyReport()
    key = read_key(settings.data_dir)
    if key is None:
        report.warnings.append(f"no audit key at {key_path(settings.data_dir)}")
    saved = checkpoint.read_checkpoint(checkpoint.checkpoint_path(settings.data_dir, engine))
    previous: LogEntry | None = None
    at_checkpoint: str | None = None
    with engine.connect() as conn:
        for row in audit_log.rows(conn, payloads=True):
            report.entries += 1
            if report.first_bad is not None:
                continue
            expected = 1 if previous is None else previous.seq + 1
            try:
                entry = parse_entry(row)
            except UnreadableEntry as exc:
                report.first_bad = BadEntry(exc.seq or expected, "unreadable")
                continue
            report.first_bad = _check(entry, row, previous, key)
            previous = entry
            if saved is not None and entry.seq == saved.seq:
                at_checkpoint = entry.hash
    if saved is None:
        if report.entries:
            report.warnings.append("no checkpoint of the head: truncation cannot be checked")
    elif report.first_bad is None and at_checkpoint != saved.hash:
        last = 0 if previous is None else previous.seq
        report.first_bad = BadEntry(last + 1 if last < saved.seq else saved.seq, "truncated")
    return report


def _check(
    entry: LogEntry, row: Mapping[str, Any], previous: LogEntry | None, key: bytes | None
) -> BadEntry | None:
    expected = 1 if previous is None else previous.seq + 1
    if entry.seq > expected:
        return BadEntry(expected, "gap")
    if entry.prev_hash != (GENESIS if previous is None else previous.hash):
        return BadEntry(entry.seq, "order")
    if key is None or not hmac.compare_digest(entry.hash, entry.expected_hash(key)):
        return BadEntry(entry.seq, "hash mismatch")
    if entry.payload_hash is not None and row["payload_seq"] is None:
        return BadEntry(entry.seq, "unreadable")
    text = row["payload_text"]
    if text is not None and (not isinstance(text, str) or payload_hash(text) != entry.payload_hash):
        return BadEntry(entry.seq, "hash mismatch")
    return None
