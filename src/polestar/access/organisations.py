"""Organisations: the home force and its partners, each owning the records of its own sources.

They are reference data seeded by migration 0004 (ARCHITECTURE.md premise 2). A source that no
organisation lists — one ingested under a name of the operator's choosing — belongs to the
home force.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from polestar.store.accounts import organisation_rows

HOME_FORCE = "home-force"


@dataclass(frozen=True)
class Organisation:
    """One organisation: its slug, name, and the source systems whose records it owns."""

    id: str
    name: str
    home: bool
    sources: tuple[str, ...]


def organisations(conn: Connection) -> dict[str, Organisation]:
    """Every organisation by slug."""
    return {
        row.id: Organisation(row.id, row.name, row.home, row.sources)
        for row in organisation_rows(conn)
    }
