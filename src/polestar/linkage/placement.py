"""Placing arrivals: groups of new records and the entities they join, under the batch's rules.

Incremental assignment (people by score, vehicles and locations by key) ends the same way: each
group of arriving records, with every record of the existing entities it reaches, is one
cluster, and `clusters.assign_ids` gives it an id by the batch's stable-id rules — a group
reaching no entity founds one, a group reaching two merges them into the older id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from polestar.linkage.clusters import Assignment, Member, assign_ids
from polestar.store.entities import (
    MemberKey,
    apply_changes,
    entity_sizes,
    members_of,
    next_entity_number,
)

Group = tuple[list[Member], list[str]]  # arriving members, entity ids they join


@dataclass(frozen=True)
class Placement:
    """What `place_groups` did, and what it leaves to place anew (`rest`): the source records
    of what stayed of each entity a replaced member left (a changed record now elsewhere, or a
    dropped row), which it joined perhaps. Placed anew in turn, as a batch run would cluster
    them, and their joins found anew: one may name the member that left."""

    assignment: Assignment
    rest: list[int]


def place_groups(
    engine: Engine,
    kind: str,
    groups: Sequence[Group],
    run_id: int,
    model_version: int | None,
    also: Callable[[Connection], object] | None = None,
    replacing: Mapping[MemberKey, str] | None = None,
) -> Placement:
    """Write each group's placement in one transaction, with whatever `also` writes; returns
    the assignment made, and what it leaves to place anew.

    Most groups join one entity, which by the stable-id rules keeps its id and simply grows:
    those are placed without reading the entity's records (a prolific offender's can number
    hundreds). Groups founding an entity or bridging several go through `assign_ids`, and so
    do those of arriving members an entity held before (`replacing`: a changed record placed
    anew, by the entity it was in), with what stays of each entity they leave as a cluster of
    its own: it keeps its id if it keeps most of its records, as in a batch run. A member of
    `replacing` in no group is gone (a row a changed record's new version dropped): it leaves
    its entity, which is retired if nothing stays.
    """
    replacing = replacing or {}
    left = set(replacing.values())

    def grows(arriving: list[Member], entities: list[str]) -> bool:
        return (
            len(entities) == 1
            and entities[0] not in left
            and not any(member.key in replacing for member in arriving)
        )

    joining = [
        (arriving, entities[0]) for arriving, entities in groups if grows(arriving, entities)
    ]
    others = [
        (arriving, entities) for arriving, entities in groups if not grows(arriving, entities)
    ]
    joined = {e for _, entities in others for e in entities}
    with engine.begin() as conn:
        holding = members_of(conn, kind, sorted(joined | left))
        placing = {member.key for arriving, _ in others for member in arriving}
        by_entity: dict[str, list[Member]] = defaultdict(list)
        for key, (source, entity) in holding.items():
            if key not in placing and key not in replacing:  # one replaced, not placed: gone
                by_entity[entity].append(Member(key, source))
        clusters = [
            arriving + [member for entity in entities for member in by_entity[entity]]
            for arriving, entities in others
        ]
        clusters += [by_entity[entity] for entity in sorted(left - joined) if by_entity[entity]]
        previous = {key: entity for key, (_source, entity) in holding.items()}
        number = next_entity_number(conn, kind)
        assignment = assign_ids(kind, clusters, previous, number, replacing.keys())
        sizes = entity_sizes(conn, [entity for _, entity in joining])
        changes = assignment.changes
        for arriving, entity in joining:
            for member in arriving:
                assignment.entity_of[member.key] = entity
                changes.placed.append((member.key, member.source, entity))
            changes.sizes[entity] = sizes[entity] + len(arriving)
        assignment.entities += len(joining)
        assignment.changed_entities += len(joining)
        apply_changes(conn, changes, run_id, model_version)
        if also is not None:
            also(conn)
    # Parted: what stayed is not all in the entity its replaced members are in now, whichever
    # part kept the id (a dropped member is in none).
    now: dict[str, set[str | None]] = defaultdict(set)
    for key, old in replacing.items():
        now[old].add(assignment.entity_of.get(key))
    rest: set[int] = set()
    for old, entities in now.items():
        stayed = {assignment.entity_of[member.key] for member in by_entity[old]}
        if stayed and len(stayed | entities) > 1:
            rest.update(member.key[0] for member in by_entity[old])
    return Placement(assignment, sorted(rest))


def merged_ids(assignment: Assignment) -> list[tuple[str, str]]:
    """(retired id, id it was merged into) for each merge the assignment made."""
    return [(old, new) for old, new, reason, _ in assignment.changes.changes if reason == "merged"]


def moved_members(assignment: Assignment, arriving: Collection[MemberKey]) -> dict[MemberKey, str]:
    """Members placed before, not arriving, that the assignment gave another entity: those of
    an entity merged into another, and what stayed of one a changed record left where that
    part lost its id (a split). An index of placements updates them (`duck.reassign`)."""
    return {
        key: entity for key, _source, entity in assignment.changes.placed if key not in arriving
    }
