"""Stable entity ids: new clusters inherit the ids of the entities they continue.

Rules (issue 3): an entity keeps its id while it keeps the majority of its records — more
exactly, the new cluster holding most of an old entity's surviving records claims its id; a
cluster claiming several ids (a merge) keeps the oldest and the others are retired into it;
the other parts of a split get new ids. Every id change is recorded old → new.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from polestar.store.entities import (
    AssignmentChanges,
    MemberKey,
    entity_number,
    format_entity_id,
)


class Member(NamedTuple):
    """One linked record: its key in the store and its source (for listing).

    A named tuple rather than a frozen dataclass: a run makes one per record, and at 1M person
    records grouping them took 2.1 s as dataclasses, 1.5 s as tuples."""

    key: MemberKey
    source: str


@dataclass
class Assignment:
    """The outcome of placing clusters: the changes to write and the counts to report."""

    changes: AssignmentChanges
    entities: int
    new_entities: int
    changed_entities: int
    entity_of: dict[MemberKey, str] = field(repr=False)


def assign_ids(
    kind: str,
    clusters: Sequence[Sequence[Member]],
    previous: dict[MemberKey, str],
    next_number: int,
    rewritten: Collection[MemberKey] = frozenset(),
) -> Assignment:
    """Give each cluster an entity id, keeping ids stable across runs.

    Args:
        kind: person, vehicle or location.
        clusters: every current record of the kind, grouped; order does not matter.
        previous: the last run's placement of records (absent for new records).
        next_number: the number the next new entity id takes.
        rewritten: records placed before whose content changed since (placed anew on
            arrival): of two parts of an entity with as many of its records, the one with
            more records left as they were keeps its id.
    """
    ordered = sorted((sorted(c, key=lambda m: m.key) for c in clusters if c), key=_first_key)
    share: dict[str, Counter[int]] = defaultdict(Counter)
    unchanged: dict[str, Counter[int]] = defaultdict(Counter)
    for index, cluster in enumerate(ordered):
        for member in cluster:
            old = previous.get(member.key)
            if old is not None:
                share[old][index] += 1
                if rewritten:  # a batch run rewrites none: its hot loop is left alone
                    unchanged[old][index] += member.key not in rewritten
    claims: dict[int, list[str]] = defaultdict(list)
    home_of: dict[str, int] = {}
    for old, counts in share.items():
        # Most records wins; then most unchanged; then the cluster that sorts first, so runs
        # agree.
        kept = unchanged[old]
        home = min(counts, key=lambda i: (-counts[i], -kept[i], i))
        claims[home].append(old)
        home_of[old] = home

    entity_ids: list[str] = []
    new_entities: list[str] = []
    for index in range(len(ordered)):
        claimants = sorted(claims.get(index, []), key=entity_number)
        if claimants:
            entity_ids.append(claimants[0])
        else:
            entity_id = format_entity_id(kind, next_number)
            next_number += 1
            entity_ids.append(entity_id)
            new_entities.append(entity_id)

    log: list[tuple[str, str, str, int]] = []
    retired = sorted(set(previous.values()) - set(entity_ids), key=entity_number)
    for old in retired:
        if old in home_of:
            log.append((old, entity_ids[home_of[old]], "merged", share[old][home_of[old]]))
    for old, counts in sorted(share.items()):
        for index, records_moved in sorted(counts.items()):
            if index != home_of[old] and entity_ids[index] != old:
                log.append((old, entity_ids[index], "split", records_moved))

    entity_of: dict[MemberKey, str] = {}
    placed: list[tuple[MemberKey, str, str]] = []
    moved: list[MemberKey] = []
    touched: set[str] = set(new_entities)
    for index, cluster in enumerate(ordered):
        entity_id = entity_ids[index]
        for member in cluster:
            entity_of[member.key] = entity_id
            old = previous.get(member.key)
            if old != entity_id:
                placed.append((member.key, member.source, entity_id))
                touched.add(entity_id)
                if old is not None:
                    moved.append(member.key)
                    touched.add(old)
    removed = [key for key in previous if key not in entity_of]
    touched.update(previous[key] for key in removed)
    sizes = {entity_ids[i]: len(c) for i, c in enumerate(ordered) if entity_ids[i] in touched}
    changes = AssignmentChanges(kind, new_entities, retired, log, placed, moved, removed, sizes)
    changed = len(touched - set(new_entities) - set(retired))
    return Assignment(changes, len(ordered), len(new_entities), changed, entity_of)


def _first_key(cluster: Sequence[Member]) -> MemberKey:
    return cluster[0].key


def group(rows: Iterable[tuple[Any, int, str, str]]) -> list[list[Member]]:
    """(cluster id, record id, source key, source) rows, sorted by cluster id → clusters."""
    clusters: list[list[Member]] = []
    current: object = object()
    for cluster_id, record_id, source_key, source in rows:
        if cluster_id != current:
            clusters.append([])
            current = cluster_id
        clusters[-1].append(Member((record_id, source_key), source))
    return clusters
