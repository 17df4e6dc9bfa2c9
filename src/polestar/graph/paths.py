"""How is A connected to B: the shortest chains of ties between two entities.

A bidirectional breadth-first search over the same ties as the network (`graph.ties`), read
through the viewer's Scope: each round expands whichever side has the smaller frontier, one
whole hop, so the first hop where the sides meet gives the shortest length, and every chain of
that length can be read back from both sides' parents. Up to `k` chains are returned, at most
`max_hops` long; the search gives up after meeting `max_nodes` entities and says so
(`truncated`), since a chain through a busy street is found quickly and a missing one is not.
Only the entities and records on the chains are shown, and audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice, pairwise
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.access import Viewer
from polestar.access.consultations import Shown, consult
from polestar.errors import FieldError, InvalidInput
from polestar.graph.network import Edge, Node, add_tie, edges_of, starting_point
from polestar.graph.ties import Filters, Walker
from polestar.settings import Settings
from polestar.store.scope import Scope

ACTION = "paths.show"
DEFAULT_HOPS, MAX_HOPS = 4, 6
DEFAULT_K, MAX_K = 3, 20
DEFAULT_MAX_NODES, MAX_NODES = 5_000, 20_000
# The ties stepped along, by pair of entities (a < b), then by (a, b, type) as edges merge them.
_Between = dict[tuple[str, str], dict[tuple[str, str, str], set[str]]]


@dataclass
class _Side:
    """One end's search: each entity's distance from it, and the entities one hop nearer."""

    root: str
    distance: dict[str, int] = field(default_factory=dict)
    parents: dict[str, set[str]] = field(default_factory=dict)
    frontier: list[str] = field(default_factory=list)
    depth: int = 0

    def __post_init__(self) -> None:
        self.distance[self.root] = 0
        self.frontier = [self.root]

    def chains(self, entity_id: str) -> Iterator[list[str]]:
        """Every shortest chain from the root to `entity_id`, root first, in id order."""
        if entity_id == self.root:
            yield [entity_id]
            return
        for parent in sorted(self.parents[entity_id]):
            for chain in self.chains(parent):
                yield [*chain, entity_id]


@dataclass(frozen=True)
class Chain:
    """One chain: its entities from A to B, and the edges between each consecutive pair."""

    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": list(self.nodes), "edges": [edge.as_dict() for edge in self.edges]}


@dataclass(frozen=True)
class Paths:
    """The shortest chains from `source` to `target` (none when unconnected within the
    bounds), the entities on them (hop: distance from `source`), and whether the search gave
    up before it could tell; `labelled_by` names the records the labels came from."""

    source: str
    target: str
    length: int | None
    nodes: list[Node]
    chains: list[Chain]
    truncated: bool
    labelled_by: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "length": self.length,
            "nodes": [node.as_dict() for node in self.nodes],
            "paths": [chain.as_dict() for chain in self.chains],
            "truncated": self.truncated,
        }


def check(max_hops: int, k: int, max_nodes: int) -> None:
    """Each bound within its range, or a 422 naming every one that is not."""
    errors = [
        FieldError(name, f"between 1 and {top}")
        for name, value, top in (
            ("max_hops", max_hops, MAX_HOPS),
            ("k", k, MAX_K),
            ("max_nodes", max_nodes, MAX_NODES),
        )
        if not 1 <= value <= top
    ]
    if errors:
        raise InvalidInput("the paths cannot be searched as asked", errors)


def paths(
    conn: Connection,
    scope: Scope,
    source: str,
    target: str,
    max_hops: int = DEFAULT_HOPS,
    k: int = DEFAULT_K,
    max_nodes: int = DEFAULT_MAX_NODES,
    filters: Filters | None = None,
) -> Paths:
    """Up to `k` shortest chains of ties from `source` to `target` as `scope` shows them.

    Raises:
        InvalidInput: (422) a bound out of range.
        NotFound: (404) either entity unknown, or none of its records visible.
    """
    check(max_hops, k, max_nodes)
    walker = Walker(conn, scope, filters or Filters())
    sides = (
        _Side(starting_point(conn, scope, source, walker)),
        _Side(starting_point(conn, scope, target, walker)),
    )
    ties: _Between = {}
    met = {sides[0].root} & {sides[1].root}
    truncated = False
    while not met and sides[0].depth + sides[1].depth < max_hops and not truncated:
        side, other = sorted(sides, key=lambda s: (len(s.frontier), s is sides[1]))
        if not side.frontier:
            break
        room = max_nodes - len(side.distance) - len(other.distance)
        truncated = _expand(walker, side, ties, room)
        met = {entity for entity in side.frontier if entity in other.distance}
    ahead, behind = sides
    if not met:
        return Paths(ahead.root, behind.root, None, [], [], truncated)
    length = min(ahead.distance[m] + behind.distance[m] for m in met)
    meetings = sorted(m for m in met if ahead.distance[m] + behind.distance[m] == length)
    found = (
        first + list(reversed(last))[1:]
        for meeting in meetings
        for first in ahead.chains(meeting)
        for last in behind.chains(meeting)
    )
    chains = [_chain(chain, ties) for chain in islice(found, k)]
    # On a shortest chain, an entity's place is its distance from the source.
    hops = {entity: hop for chain in chains for hop, entity in enumerate(chain.nodes)}
    on = sorted(hops, key=lambda entity: (hops[entity], entity))
    labels = [walker.labels.get(entity) for entity in on]
    return Paths(
        ahead.root,
        behind.root,
        length,
        [
            Node(entity, walker.kinds[entity], None if named is None else named[0], hops[entity])
            for entity, named in zip(on, labels, strict=True)
        ],
        chains,
        truncated,
        tuple(named[1] for named in labels if named is not None),
    )


def _expand(walker: Walker, side: _Side, ties: _Between, room: int) -> bool:
    """Move `side` one hop out, keeping the ties it stepped along; True when it stopped for
    want of `room` for more entities."""
    around, truncated = set(side.frontier), False
    found: list[str] = []
    for batch in walker.around(side.frontier):
        for tie in batch:
            for here in (tie.a, tie.b):
                there = tie.other(here)
                if here not in around or side.distance.get(there, side.depth + 1) <= side.depth:
                    continue
                if there not in side.distance:
                    if len(found) >= room:
                        truncated = True
                        continue
                    side.distance[there] = side.depth + 1
                    found.append(there)
                side.parents.setdefault(there, set()).add(here)
                add_tie(ties.setdefault((tie.a, tie.b), {}), tie)
    side.depth += 1
    side.frontier = found
    return truncated


def _chain(entities: list[str], ties: _Between) -> Chain:
    """The chain's edges: every type of tie between each consecutive pair."""
    edges: list[Edge] = []
    for x, y in pairwise(entities):
        a, b = sorted((x, y))
        edges.extend(edges_of(ties.get((a, b), {})))
    return Chain(tuple(entities), tuple(edges))


def shown(found: Paths) -> Shown:
    """What the paths showed: the entities on them, where their labels came from, and the
    records behind each edge."""
    return Shown(
        entity_ids=[found.source, found.target, *(node.id for node in found.nodes)],
        record_ids=[
            *found.labelled_by,
            *(record for chain in found.chains for edge in chain.edges for record in edge.records),
        ],
    )


def paths_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    source: str,
    target: str,
    max_hops: int = DEFAULT_HOPS,
    k: int = DEFAULT_K,
    filters: Filters | None = None,
    now: datetime | None = None,
) -> Paths:
    """How `source` is connected to `target`, as `viewer` may see it, recorded as a
    consultation.

    Args:
        source, target: person, vehicle or location entity ids (retired ones resolve).
        max_hops: 1 to 6 (4 by default). k: chains returned, 1 to 20 (3 by default).
        filters: tie types, source systems and the dates of the evidence.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; bad bounds or filters.
        NotFound: (404) either entity unknown, or none of its records visible to the viewer.
    """

    def read(conn: Connection, scope: Scope) -> tuple[Paths, Shown]:
        found = paths(conn, scope, source, target, max_hops, k, filters=filters)
        return found, shown(found)

    return consult(engine, settings, viewer, ACTION, source, read, now)
