"""An audit entry as stored and read back, and its place in the chain.

Reading is strict: a row whose columns cannot be parsed into exactly what `record` writes
(a NULL where a value belongs, JSON that does not parse or has the wrong shape) raises
`UnreadableEntry`, which `verify` reports as "unreadable" instead of crashing.

The chain: each entry's `hash` is an HMAC-SHA256, keyed by the secret in `secret.py`, over
a canonical JSON serialisation of every other column, `seq` and `prev_hash` included;
`prev_hash` is the previous entry's `hash` (64 zeros for the first).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

from polestar.audit.events import Operation, Outcome

GENESIS = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")


class UnreadableEntry(ValueError):
    """A stored row that is not an audit entry as `record` writes them."""

    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(message)
        self.seq = seq


@dataclass(frozen=True)
class LogEntry:
    """One entry of the log, every column parsed."""

    seq: int
    occurred_at: datetime
    operation: Operation
    action: str
    outcome: Outcome
    actor: str
    organisation: str | None
    role: str | None
    purpose: str | None
    run_id: int | None
    entity_ids: tuple[str, ...]
    record_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    in_results: bool
    details: Mapping[str, Any]
    payload_hash: str | None
    prev_hash: str
    hash: str

    def canonical(self) -> bytes:
        """Every column but `hash`, serialised the one way the chain hashes them."""
        # A shallow copy: `asdict` deep-copies every id of a network's hundreds, and JSON
        # writes tuples and lists alike.
        fields = {f.name: getattr(self, f.name) for f in dataclass_fields(self) if f.name != "hash"}
        fields["occurred_at"] = _utc_text(self.occurred_at)
        return dumps(fields).encode("utf-8")

    def expected_hash(self, key: bytes) -> str:
        """The hash this entry must carry under `key`."""
        return hmac.new(key, self.canonical(), hashlib.sha256).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain JSON values, for export and the DPO's queries."""
        fields = asdict(self)
        fields["occurred_at"] = _utc_text(self.occurred_at)
        fields["operation"] = str(self.operation)
        fields["outcome"] = str(self.outcome)
        for name in ("entity_ids", "record_ids", "recipients"):
            fields[name] = list(fields[name])
        fields["details"] = dict(self.details)
        return fields


def dumps(value: object) -> str:
    """The one JSON form the log stores and hashes: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(text: str) -> str:
    """SHA-256 of a payload's text, which its entry carries."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_entry(row: Mapping[str, Any]) -> LogEntry:
    """A raw row (column name → value as the driver returned it) as an entry.

    Raises:
        UnreadableEntry: a column is missing, NULL where a value belongs, or malformed.
    """
    seq = row.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise UnreadableEntry(None, f"seq is {seq!r}")
    try:
        return LogEntry(
            seq=seq,
            occurred_at=_time(row["occurred_at"]),
            operation=Operation(_text(row, "operation")),
            action=_text(row, "action"),
            outcome=Outcome(_text(row, "outcome")),
            actor=_text(row, "actor"),
            organisation=_optional_text(row, "organisation"),
            role=_optional_text(row, "role"),
            purpose=_optional_text(row, "purpose"),
            run_id=_optional_int(row, "run_id"),
            entity_ids=_id_list(row, "entity_ids"),
            record_ids=_id_list(row, "record_ids"),
            recipients=_id_list(row, "recipients"),
            in_results=_flag(row, "in_results"),
            details=_object(row, "details"),
            payload_hash=_optional_hash(row, "payload_hash"),
            prev_hash=_hash(row, "prev_hash"),
            hash=_hash(row, "hash"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise UnreadableEntry(seq, str(exc)) from exc


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _time(value: object) -> datetime:
    # SQLite hands back text (naive, stored in UTC); PostgreSQL an aware datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"occurred_at is {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row[name]
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} is {value!r}")
    return value


def _optional_text(row: Mapping[str, Any], name: str) -> str | None:
    return None if row[name] is None else _text(row, name)


def _optional_int(row: Mapping[str, Any], name: str) -> int | None:
    value = row[name]
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(f"{name} is {value!r}")
    return value


def _flag(row: Mapping[str, Any], name: str) -> bool:
    value = row[name]
    if value not in (True, False):  # SQLite stores 0 and 1, which compare equal
        raise TypeError(f"{name} is {value!r}")
    return bool(value)


def _json(row: Mapping[str, Any], name: str) -> object:
    value = row[name]
    if not isinstance(value, str):
        raise TypeError(f"{name} is {value!r}")
    return json.loads(value)


def _id_list(row: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = _json(row, name)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{name} is not a JSON list of strings")
    return tuple(value)


def _object(row: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = _json(row, name)
    if not isinstance(value, dict):
        raise TypeError(f"{name} is not a JSON object")
    return value


def _hash(row: Mapping[str, Any], name: str) -> str:
    value = row[name]
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise TypeError(f"{name} is {value!r}")
    return value


def _optional_hash(row: Mapping[str, Any], name: str) -> str | None:
    return None if row[name] is None else _hash(row, name)
