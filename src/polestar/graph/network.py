"""The network around an entity: the people, vehicles and places tied to it, N hops out.

A breadth-first walk over ties (`graph.ties`) from one entity, built only from the records the
viewer sees. Hop 1 is what the entity's own records tie it to; hop 2 what those records of
theirs add; and so on up to `MAX_HOPS`. The walk stops adding nodes at `max_nodes` and says so
(`truncated`): a prolific offender or a busy street ties to thousands, and a picture of 500
already needs filtering. Each edge is one (pair, type) with the records behind it and their
count as its weight. Audited as one consultation naming every entity and record it showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.access import Viewer
from polestar.access.consultations import Shown, consult
from polestar.errors import FieldError, InvalidInput, NotFound
from polestar.graph.ties import Filters, Tie, Walker
from polestar.settings import Settings
from polestar.store import neighbours
from polestar.store import network as network_store
from polestar.store.scope import Scope

ACTION = "network.show"
MAX_HOPS = 3
DEFAULT_MAX_NODES = 500
MAX_NODES = 2_000


def not_found(entity_id: str) -> NotFound:
    """The one answer for an unknown id and an invisible entity alike."""
    return NotFound(f"no entity {entity_id!r}")


@dataclass(frozen=True)
class Node:
    """An entity in the network: its kind, what the viewer may see it called, and its hop."""

    id: str
    kind: str
    label: str | None
    hop: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label, "hop": self.hop}


@dataclass(frozen=True)
class Edge:
    """Two entities tied by one type of tie, the records behind it, and how many there are."""

    source: str
    target: str
    type: str
    records: tuple[str, ...]

    @property
    def weight(self) -> int:
        return len(self.records)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": f"{self.source}|{self.type}|{self.target}",
            "source": self.source,
            "target": self.target,
            "type": self.type,
            "records": list(self.records),
            "weight": self.weight,
        }


def edges_of(ties: dict[tuple[str, str, str], set[str]]) -> list[Edge]:
    """One edge per (pair, type), its evidence merged."""
    return [Edge(a, b, kind, tuple(sorted(found))) for (a, b, kind), found in sorted(ties.items())]


def add_tie(ties: dict[tuple[str, str, str], set[str]], tie: Tie) -> None:
    ties.setdefault((tie.a, tie.b, tie.type), set()).update(tie.evidence)


@dataclass(frozen=True)
class Network:
    """The nodes (the start at hop 0) and edges a walk found, and whether it stopped early;
    `labelled_by` names the records the nodes' labels came from."""

    start: str
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool
    labelled_by: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "nodes": [node.as_dict() for node in self.nodes],
            "edges": [edge.as_dict() for edge in self.edges],
            "truncated": self.truncated,
        }


def check(hops: int, max_nodes: int) -> None:
    """Hops between 1 and `MAX_HOPS`, nodes between 1 and `MAX_NODES`, or a 422."""
    errors = []
    if not 1 <= hops <= MAX_HOPS:
        errors.append(FieldError("hops", f"between 1 and {MAX_HOPS}"))
    if not 1 <= max_nodes <= MAX_NODES:
        errors.append(FieldError("max_nodes", f"between 1 and {MAX_NODES}"))
    if errors:
        raise InvalidInput("the network cannot be drawn as asked", errors)


def starting_point(conn: Connection, scope: Scope, entity_id: str, walker: Walker) -> str:
    """The live entity an id names, met by the walker; `NotFound` unless the viewer sees one
    of its records."""
    found = network_store.live_entity(conn, entity_id)
    rows = [] if found is None else neighbours.entity_rows(conn, scope, found[1], [found[0]])
    if found is None or not rows:
        raise not_found(entity_id[:64])
    walker.meet(rows, *found)
    return found[0]


def network(
    conn: Connection,
    scope: Scope,
    entity_id: str,
    hops: int = 2,
    max_nodes: int = DEFAULT_MAX_NODES,
    filters: Filters | None = None,
) -> Network:
    """The network around `entity_id` as `scope` shows it, `hops` out, at most `max_nodes`.

    Raises:
        InvalidInput: (422) hops or max_nodes out of range.
        NotFound: (404) no such entity, or none of its records is visible.
    """
    check(hops, max_nodes)
    walker = Walker(conn, scope, filters or Filters())
    found_start = network_store.live_entity(conn, entity_id)
    if found_start is None:
        raise not_found(entity_id[:64])
    start = found_start[0]
    reached = {start: 0}
    ties: dict[tuple[str, str, str], set[str]] = {}
    frontier, truncated = [start], False
    for hop in range(1, hops + 1):
        around, found = set(frontier), []
        for batch in walker.around(frontier):
            for tie in batch:
                for here in (tie.a, tie.b):
                    there = tie.other(here)
                    if here not in around or there in reached:
                        continue
                    if len(reached) >= max_nodes:
                        truncated = True
                        continue
                    reached[there] = hop
                    found.append(there)
                if tie.a in reached and tie.b in reached:
                    add_tie(ties, tie)
            if truncated:
                break
        if truncated or not found:
            break
        frontier = found
    if start not in walker.kinds:
        # The walk met none of its rows: it has none the viewer sees (the 404), or only in
        # sources the filters leave out.
        starting_point(conn, scope, entity_id, walker)
    ordered = sorted(reached.items(), key=lambda item: (item[1], item[0]))
    labels = [walker.labels.get(entity) for entity, _ in ordered]
    return Network(
        start,
        [
            Node(entity, walker.kinds[entity], None if named is None else named[0], hop)
            for (entity, hop), named in zip(ordered, labels, strict=True)
        ],
        edges_of(ties),
        truncated,
        tuple(named[1] for named in labels if named is not None),
    )


def shown(found: Network) -> Shown:
    """What a network showed: its nodes, the records their labels came from, and the records
    behind each edge."""
    return Shown(
        entity_ids=[node.id for node in found.nodes],
        record_ids=[
            *found.labelled_by,
            *(record for edge in found.edges for record in edge.records),
        ],
    )


def network_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    entity_id: str,
    hops: int = 2,
    max_nodes: int = DEFAULT_MAX_NODES,
    filters: Filters | None = None,
    now: datetime | None = None,
) -> Network:
    """The network around an entity as `viewer` may see it, recorded as a consultation.

    Args:
        entity_id: a person, vehicle or location entity id (a retired one resolves).
        hops: 1 to 3. max_nodes: 1 to 2,000 (500 by default).
        filters: tie types, source systems and the dates of the evidence.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; bad hops or filters.
        NotFound: (404) no such entity, or none of its records is visible to the viewer.
    """

    def read(conn: Connection, scope: Scope) -> tuple[Network, Shown]:
        found = network(conn, scope, entity_id, hops, max_nodes, filters)
        return found, shown(found)

    return consult(engine, settings, viewer, ACTION, entity_id, read, now)
