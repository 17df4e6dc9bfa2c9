"""Export for a force's SIEM: entries as JSON lines, streamed, the export itself disclosed.

A copy of the log held elsewhere is the remedy for the limit of the chain: someone holding
both the database and the key can rewrite history, but not the copy (docs/audit.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from polestar.audit.entries import UnreadableEntry, parse_entry
from polestar.audit.events import Actor, Disclosure
from polestar.audit.log import record
from polestar.settings import Settings
from polestar.store import audit_log


def export(
    engine: Engine,
    since: datetime,
    out_path: Path,
    *,
    reader: Actor,
    settings: Settings,
) -> int:
    """Write every entry at or after `since` to `out_path`, one JSON object a line.

    Each line holds every column (hashes included, so the receiver can check the links);
    payload text is left out, as it may hold personal data. A row that cannot be read is
    written as `{"seq": …, "unreadable": "<why>"}`. The export is then recorded as a
    disclosure naming the file and the number of entries.

    Returns:
        The number of lines written.
    """
    if since.tzinfo is None:
        raise ValueError("since must carry a time zone")
    start = since.astimezone(UTC)
    lines = 0
    with engine.connect() as conn, out_path.open("w", encoding="utf-8") as out:
        for row in audit_log.rows(conn, audit_log.since(start)):
            try:
                line = parse_entry(row).as_dict()
            except UnreadableEntry as exc:
                line = {"seq": exc.seq, "unreadable": str(exc)}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            lines += 1
    record(
        engine,
        Disclosure(
            action="audit.export",
            actor=reader.actor,
            organisation=reader.organisation,
            role=reader.role,
            purpose=reader.purpose,
            recipients=(str(out_path),),
            details={"file": str(out_path), "entries": lines, "since": start.isoformat()},
        ),
        settings,
    )
    return lines
