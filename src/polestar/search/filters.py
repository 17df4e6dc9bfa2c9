"""Narrowing a search: by the source systems an entity's records come from, and by a range of
dates of birth. Both are judged on what the viewer may see — a source counts only through a
record visible to them, and a date of birth only where they may see it — and are applied
before paging, so totals and pages count only what passes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from sqlalchemy.engine import Connection

from polestar.errors import FieldError, InvalidInput
from polestar.pole.vocabularies import Kind
from polestar.store import search_index
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow


class Hit(Protocol):
    """A found entity, as `search.results` holds it."""

    @property
    def entity_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def rows(self) -> list[VisibleRow]: ...


H = TypeVar("H", bound=Hit)
# The kinds of records a search's results are entities of (vehicles are objects).
_FOUND_KINDS = frozenset({Kind.PERSON, Kind.OBJECT, Kind.LOCATION})


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to; the empty Filters narrows nothing.

    Attributes:
        sources: keep entities with a visible record from one of these source systems.
        born_from, born_to: keep people a matching record the viewer may see says were born
            in this range
            (inclusive; either end may be open). Vehicles and places have no date of birth,
            so a range keeps people only.
    """

    sources: frozenset[str] = frozenset()
    born_from: date | None = None
    born_to: date | None = None

    def __post_init__(self) -> None:
        if self.born_from and self.born_to and self.born_from > self.born_to:
            raise InvalidInput(
                "the date of birth range ends before it starts",
                [FieldError("born_to", "on or after the start of the range")],
            )

    @property
    def born(self) -> bool:
        return self.born_from is not None or self.born_to is not None

    def _born_within(self, rows: Sequence[VisibleRow]) -> bool:
        return any(
            isinstance(born := row.values.get("dob"), date)
            and (self.born_from is None or born >= self.born_from)
            and (self.born_to is None or born <= self.born_to)
            for row in rows
        )

    def check(self, conn: Connection, scope: Scope) -> None:
        """Refuse a source system none of the viewer's records could come from (`open_to`): a
        mistyped name would otherwise narrow every search to nothing, and say nothing."""
        if not self.sources:
            return
        named = open_to(conn, scope)
        unknown = sorted(self.sources - named)
        if unknown:
            listed = ", ".join(sorted(named)) or "none"
            raise InvalidInput(
                f"no source system {', '.join(unknown)} among those you may see ({listed})",
                [FieldError("sources", f"one of: {listed}")],
            )

    def narrow(self, conn: Connection, scope: Scope, hits: list[H]) -> list[H]:
        """The hits that pass, in their order."""
        if self.born:
            hits = [h for h in hits if h.kind == "person" and self._born_within(h.rows)]
        if self.sources:
            held: dict[str, set[str]] = {}
            for kind in {hit.kind for hit in hits}:
                ids = [hit.entity_id for hit in hits if hit.kind == kind]
                for entity_id, summary in search_index.summaries(conn, scope, kind, ids).items():
                    held[entity_id] = summary.sources
            hits = [hit for hit in hits if held.get(hit.entity_id, set()) & self.sources]
        return hits

    def audited(self) -> dict[str, object]:
        """The filters as the consultation entry's details name them (no dates: those are
        part of what was asked, and travel with the query text)."""
        return {"sources": sorted(self.sources), "born_range": self.born}


def open_to(conn: Connection, scope: Scope) -> set[str]:
    """The source systems a viewer may narrow a search to: those their grants name, and where
    a grant takes every source (the home force's), those the store holds
    (`search_index.sources_held`). Names only, no record: a form may offer them unaudited."""
    grants = [grant for grant in scope.grants if grant.kind in _FOUND_KINDS]
    named = {source for grant in grants for source in grant.sources or ()}
    if any(grant.sources is None for grant in grants):
        named |= search_index.sources_held(conn)
    return named
