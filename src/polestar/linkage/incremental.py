"""Incremental linkage: person records that arrive after a batch run join their entities at once.

Each arriving record is scored, with the stored model, against the records that share a
blocking key with it (`person_index`) and against the other arrivals; the pairs at or above
the match threshold are clustered exactly as the batch clusters them — strongest first, never
joining conflicting dates of birth or sexes (`constrained.greedy`) — with each existing
entity as one node carrying the profiles of all its records. Ids then follow the batch's
stable-id rules (`clusters.assign_ids`) over the entities touched: a record that matches
nothing founds an entity, one that bridges two entities merges them into the older id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pyarrow as pa
from sqlalchemy.engine import Connection, Engine

from polestar.linkage import duck, review_queue
from polestar.linkage.clusters import Member
from polestar.linkage.constrained import PROFILES_SQL, Tag, conflicts_sql, greedy
from polestar.linkage.person_index import PersonIndex, Placed, ScoredPair
from polestar.linkage.placement import moved_members, place_groups
from polestar.linkage.union_find import UnionFind
from polestar.settings import Settings
from polestar.store import review_items
from polestar.store.entities import MemberKey
from polestar.store.person_joins import JoinRow, place_joins

CANDIDATE_FLOOR = 0.01  # candidates below this probability are not worth showing
CANDIDATES_SHOWN = 20


@dataclass(frozen=True)
class Candidate:
    """An existing record a new one may duplicate, for the duplicate warning at entry."""

    record: str  # SOURCE:KEY
    entity_id: str | None
    match_probability: float
    match_weight: float


@dataclass
class Assigned:
    """What one incremental assignment did."""

    records: int = 0
    joined: int = 0  # arrivals placed in an existing entity
    new_entities: int = 0
    merged: int = 0  # entities retired into another because an arrival bridged them
    pairs_scored: int = 0
    review_items: int = 0  # arrivals joined on a surname and a place alone (`review_queue`)
    moved: int = 0  # changed records placed anew in another entity than they were in
    candidates: dict[str, list[Candidate]] | None = None  # per arriving SOURCE:KEY
    # Source records that did not arrive but changed entity, to index again with the arrivals.
    others_moved: list[int] | None = None

    def add_consequences(self, other: Assigned, record_ids: Sequence[int]) -> None:
        """Take in what placing these records anew did, records that did not arrive (what
        stayed of an entity a changed record left): all of them are indexed again."""
        self.new_entities += other.new_entities
        self.merged += other.merged
        self.pairs_scored += other.pairs_scored
        self.review_items += other.review_items
        self.others_moved = sorted(
            {*(self.others_moved or ()), *record_ids, *(other.others_moved or ())}
        )

    def add(self, other: Assigned) -> None:
        self.records += other.records
        self.joined += other.joined
        self.new_entities += other.new_entities
        self.merged += other.merged
        self.pairs_scored += other.pairs_scored
        self.review_items += other.review_items
        self.moved += other.moved


def assign_people(
    engine: Engine,
    settings: Settings,
    index: PersonIndex,
    record_ids: Sequence[int],
    run_id: int,
    placed: Placed = "skip",
    done: frozenset[int] = frozenset(),
) -> Assigned:
    """Place the person rows of these source records that no entity holds yet, and with
    `placed="anew"` those it does as well, anew (`PersonIndex.add`).

    What stays of an entity a changed record left is placed anew in turn, as a batch run
    would cluster it: the changed record may have been what joined its parts. `done` are the
    records placed anew already by the call that asks.
    """
    con = index.con
    arrivals = index.add(engine, record_ids, placed=placed)
    if not arrivals and not index.replacing:
        return Assigned()
    edges: list[ScoredPair] = []
    if arrivals:  # else only rows changed records dropped, to take out of their entities
        index.candidate_pairs(arrivals)
        edges = index.edges(settings.link_match_threshold)
    pairs = con.sql("SELECT count(*) FROM pairs").fetchall()[0][0] if arrivals else 0
    report = Assigned(records=len(arrivals), pairs_scored=pairs)

    def profiles(
        node_of_entity: dict[str, int], component: dict[int, int]
    ) -> tuple[dict[int, set[Tag]], set[tuple[Tag, Tag]]]:
        return _node_profiles(index, node_of_entity, component), _conflicting(index)

    groups, entities_of_group = cluster_arrivals(
        arrivals, edges, settings.link_match_threshold, profiles
    )
    review = _to_review(engine, settings, index, edges, groups, entities_of_group)
    joined = arrival_joins(edges, groups, entities_of_group, settings.link_match_threshold)
    rest = _place(engine, index, run_id, (groups, entities_of_group), report, review, joined)
    report.review_items = len(review)
    done = done | set(record_ids)
    rest = [record_id for record_id in rest if record_id not in done]
    if rest:
        again = assign_people(engine, settings, index, rest, run_id, "anew", done)
        report.add_consequences(again, rest)
    return report


class Join(NamedTuple):
    """The pair that joined an arrival to its entity: the other record and the pair's scores."""

    other: int  # unique id
    weight: float
    probability: float


def arrival_joins(
    strongest_first: Iterable[ScoredPair],
    groups: Mapping[int, Sequence[int]],
    entities_of_group: Mapping[int, Sequence[str]],
    threshold: float,
) -> tuple[dict[int, Join], dict[int, Join]]:
    """The joins behind a placement, as `linkage.joins` finds a batch run's: each record's
    strongest scored pair at or above the threshold with another record of its cluster.

    Returns those of the arrivals placed with others (one placed alone has none), and the
    pairs offered to the records of the entities their groups join: such a record's pairs
    with the arrivals are new, so its join is the strongest of them if stronger than the one
    it has (it has none if it was alone until now). The pairs come strongest first, ties in
    the order of their ids (`PersonIndex.edges`'s order, `by_strength`).
    """
    group_of = {uid: root for root, uids in groups.items() for uid in uids}
    arrivals: dict[int, Join] = {}
    offered: dict[int, Join] = {}
    for left, right, weight, probability, entity_l, entity_r in strongest_first:
        if probability < threshold:
            continue
        for this, other, entity in ((left, right, entity_r), (right, left, entity_l)):
            root = group_of.get(this)
            if root is None:
                continue
            if group_of.get(other) == root or entity in entities_of_group.get(root, ()):
                arrivals.setdefault(this, Join(other, weight, probability))
                if other not in group_of:
                    offered.setdefault(other, Join(this, weight, probability))
    return arrivals, offered


def by_strength(pair: ScoredPair) -> tuple[float, int, int]:
    """Scored pairs sort strongest first by this, ties in the order of their ids."""
    return -pair[2], pair[0], pair[1]


def join_rows(
    joined: tuple[Mapping[int, Join], Mapping[int, Join]], key_of: Callable[[int], MemberKey]
) -> tuple[list[JoinRow], list[JoinRow]]:
    """`arrival_joins`'s joins as rows to store, each record named by `key_of`."""

    def rows(joins: Mapping[int, Join]) -> list[JoinRow]:
        return [
            (*key_of(uid), *key_of(join.other), join.weight, join.probability)
            for uid, join in joins.items()
        ]

    return rows(joined[0]), rows(joined[1])


Profiles = Callable[
    [dict[str, int], dict[int, int]], tuple[dict[int, set[Tag]], set[tuple[Tag, Tag]]]
]


def cluster_arrivals(
    arrivals: Sequence[int], scored: Sequence[ScoredPair], threshold: float, profiles: Profiles
) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """Group arrivals as the batch would: pairs at or above the threshold, strongest first,
    never joining conflicting profiles, each existing entity one node (numbered below zero).

    `profiles(node_of_entity, component)` gives each node's date-of-birth and sex profiles and
    the pairs of them that conflict. Returns the arrivals of each group and the entities it
    joins.
    """
    edges = [
        (left, right, entity_l, entity_r)
        for left, right, _weight, _p, entity_l, entity_r in sorted(
            (row for row in scored if row[3] >= threshold),
            key=lambda row: (-row[2], row[0], row[1]),
        )
    ]
    touched = sorted({e for *_, left, right in edges for e in (left, right) if e is not None})
    node_of_entity = {entity: -(n + 1) for n, entity in enumerate(touched)}
    # An arrival scores against every record of an entity: of the edges between two nodes,
    # only the strongest matters (a weaker one either finds them joined, or finds the same
    # conflict, since conflicts only grow as nodes join).
    node_edges = list(
        dict.fromkeys(
            (min(a, b), max(a, b))
            for a, b in (
                (
                    node_of_entity[el] if el is not None else left,
                    node_of_entity[er] if er is not None else right,
                )
                for left, right, el, er in edges
            )
            if a != b
        )
    )
    tags_of, conflicting = (
        profiles(node_of_entity, _components(node_edges)) if node_edges else ({}, set())
    )
    roots, _held_apart = greedy([], node_edges, tags_of, conflicting)
    groups: dict[int, list[int]] = defaultdict(list)
    for uid in arrivals:
        groups[roots.get(uid, uid)].append(uid)
    entities_of_group: dict[int, list[str]] = defaultdict(list)
    for entity, node in node_of_entity.items():
        if roots.get(node, node) in groups:
            entities_of_group[roots[node]].append(entity)
    return groups, entities_of_group


def _place(
    engine: Engine,
    index: PersonIndex,
    run_id: int,
    clustered: tuple[dict[int, list[int]], dict[int, list[str]]],
    report: Assigned,
    review: list[dict[str, Any]],
    joined: tuple[dict[int, Join], dict[int, Join]],
) -> list[int]:
    """Give each group an entity by the batch's stable-id rules; write store and index, and
    the review items and the joins (`arrival_joins`) in the same transaction (a commit of a
    large SQLite store took 0.16 s). Returns what it leaves to place anew (`Placement.rest`)."""
    con = index.con
    groups, entities_of_group = clustered
    arriving = {
        uid: Member((record_id, key), source)
        for uid, record_id, key, source in con.sql(
            "SELECT unique_id, record_id, source_key, source FROM arriving"
        ).fetchall()
    }
    key_of = {uid: member.key for uid, member in arriving.items()}
    arrivals, offered = joined
    others = sorted({*(join.other for join in arrivals.values()), *offered} - key_of.keys())
    if others:
        key_of.update(
            (uid, (record_id, key))
            for uid, record_id, key in con.sql(
                "SELECT unique_id, record_id, source_key FROM involved "
                f"WHERE unique_id IN ({', '.join(map(str, others))})"
            ).fetchall()
        )
    rows = join_rows(joined, key_of.__getitem__)

    def also(conn: Connection) -> None:
        review_items.add_items(conn, "person", review, run_id, datetime.now(UTC))
        place_joins(conn, rows, index.replacing.keys(), run_id, index.model_version)

    placement = place_groups(
        engine,
        "person",
        [
            ([arriving[uid] for uid in uids], entities_of_group.get(root, []))
            for root, uids in groups.items()
        ],
        run_id,
        index.model_version,
        also=also,
        replacing=index.replacing,
    )
    assignment = placement.assignment
    report.new_entities += assignment.new_entities
    report.merged += len(assignment.changes.retired)
    report.joined += sum(len(uids) for root, uids in groups.items() if root in entities_of_group)
    uid_of = {member.key: uid for uid, member in arriving.items()}
    con.register(
        "_placed",
        pa.table(
            {
                "unique_id": pa.array([uid_of[key] for key in uid_of], pa.int64()),
                "entity_id": pa.array([assignment.entity_of[k] for k in uid_of], pa.string()),
            }
        ),
    )
    # The arrivals' rows in the index are written again rather than updated: DuckDB updates
    # an indexed column row by row through its index (10 s for 30,000 rows at 1M).
    con.execute("DELETE FROM idx.people WHERE unique_id IN (SELECT unique_id FROM _placed)")
    con.execute(
        "INSERT INTO idx.people BY NAME SELECT a.* REPLACE (p.entity_id AS entity_id) "
        "FROM arriving a JOIN _placed p USING (unique_id)"
    )
    con.execute(
        "UPDATE involved SET entity_id = p.entity_id FROM _placed p "
        "WHERE involved.unique_id = p.unique_id"
    )
    con.unregister("_placed")
    moved = moved_members(assignment, uid_of)
    duck.reassign(con, ("idx.people", "involved"), moved)  # the index; this assignment's view
    report.others_moved = sorted({record_id for record_id, _key in moved})
    report.moved += sum(  # a dropped row has no entity now: it is not counted
        assignment.entity_of.get(key, entity) != entity for key, entity in index.replacing.items()
    )
    return placement.rest


def _to_review(
    engine: Engine,
    settings: Settings,
    index: PersonIndex,
    edges: Sequence[ScoredPair],
    groups: dict[int, list[int]],
    entities_of_group: dict[int, list[str]],
) -> list[dict[str, Any]]:
    """The review items for arrivals with no date of birth about to be joined on a surname and
    a place alone, as a batch run would queue them (`review_queue`, ground `forenames
    differ`). Each group with the entities it joins is one cluster, as placed. Judged among
    the records this assignment involved (`involved`): every record sharing a blocking key
    with an arrival, so every one giving its forename and surname; reading each entity's every
    record would read the index whole, a chunk at a time."""
    con = index.con
    undated = {
        uid for (uid,) in con.sql("SELECT unique_id FROM arriving WHERE dob IS NULL").fetchall()
    }
    joining = [  # the groups joining an undated arrival to anyone
        root
        for root, uids in groups.items()
        if (len(uids) > 1 or root in entities_of_group) and undated.intersection(uids)
    ]
    if not joining:
        return []
    joined = [(e, root) for root in joining for e in entities_of_group.get(root, [])]
    tables = {
        "_labels": {
            "unique_id": pa.array([u for root in joining for u in groups[root]], pa.int64()),
            "label": pa.array([root for root in joining for _ in groups[root]], pa.int64()),
        },
        "_entity_labels": {
            "entity_id": pa.array([entity for entity, _ in joined], pa.string()),
            "label": pa.array([root for _, root in joined], pa.int64()),
        },
        "_arrival_pairs": {
            "unique_id_l": pa.array([edge[0] for edge in edges], pa.int64()),
            "unique_id_r": pa.array([edge[1] for edge in edges], pa.int64()),
            "match_weight": pa.array([edge[2] for edge in edges], pa.float64()),
            "match_probability": pa.array([edge[3] for edge in edges], pa.float64()),
        },
    }
    try:
        for name, columns in tables.items():
            con.register(name, pa.table(columns))
        con.execute(
            "CREATE OR REPLACE TEMP TABLE placed_clusters AS "
            "SELECT l.label, a.unique_id, a.record_id, a.source_key, a.source "
            "FROM arriving a JOIN _labels l USING (unique_id) "
            "UNION ALL SELECT e.label, i.unique_id, i.record_id, i.source_key, i.source "
            "FROM involved i JOIN _entity_labels e USING (entity_id)"
        )
        placed = review_queue.Placed(
            "_arrival_pairs",
            "placed_clusters",
            "involved",
            "f.unique_id IN (FROM arriving SELECT unique_id)",
        )
        return review_queue.arrivals_to_review(con, engine, index.forename_level, placed, settings)
    finally:
        for name in tables:
            con.unregister(name)


def _components(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Each node of `edges` → its connected component (the greedy never joins across them, so
    conflicts need only be found within one)."""
    sets: UnionFind[int] = UnionFind()
    for left, right in edges:
        sets.union(left, right)
    return sets.roots()


def _node_profiles(
    index: PersonIndex, node_of_entity: dict[str, int], component: dict[int, int]
) -> dict[int, set[Tag]]:
    """Date-of-birth and sex profiles of each joined arrival and of every record of each entity
    reached, numbered within their component (as the batch numbers them within one)."""
    con = index.con
    entity_nodes = [(entity, component[node]) for entity, node in node_of_entity.items()]
    arrival_nodes = [(node, root) for node, root in component.items() if node >= 0]
    con.register(
        "_entities",
        pa.table(
            {
                "entity_id": pa.array([e for e, _ in entity_nodes], pa.string()),
                "cluster_id": pa.array([str(c) for _, c in entity_nodes], pa.string()),
            }
        ),
    )
    con.register(
        "_arrivals",
        pa.table(
            {
                "unique_id": pa.array([n for n, _ in arrival_nodes], pa.int64()),
                "cluster_id": pa.array([str(c) for _, c in arrival_nodes], pa.string()),
            }
        ),
    )
    columns = "p.unique_id, p.dob, p.dob_swapped, p.dob_md, p.yob, p.gender"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE components AS "
        f"SELECT n.cluster_id, p.entity_id, {columns} FROM idx.people p "
        "JOIN _entities n USING (entity_id) "
        f"UNION ALL SELECT n.cluster_id, NULL, {columns} FROM arriving p "
        "JOIN _arrivals n USING (unique_id)"
    )
    con.unregister("_entities")
    con.unregister("_arrivals")
    con.execute(PROFILES_SQL)
    profiles: dict[int, set[Tag]] = defaultdict(set)
    for uid, entity, profile in con.sql(
        "SELECT c.unique_id, c.entity_id, p.profile FROM components c JOIN profiles p "
        "ON p.cluster_id = c.cluster_id AND p.dob IS NOT DISTINCT FROM c.dob "
        "AND p.gender IS NOT DISTINCT FROM c.gender"
    ).fetchall():
        profiles[node_of_entity[entity] if entity is not None else uid].add(("profile", profile))
    return profiles


def _conflicting(index: PersonIndex) -> set[tuple[Tag, Tag]]:
    index.con.execute(conflicts_sql(index.conflict))
    pairs = [
        (("profile", a), ("profile", b)) for a, b in index.con.sql("FROM conflicts").fetchall()
    ]
    return set(pairs) | {(b, a) for a, b in pairs}


def candidates_of(
    scored: Sequence[ScoredPair],
    arrivals: set[int],
    records: dict[int, tuple[str, str | None]],
) -> dict[str, list[Candidate]]:
    """For each arrival (by `SOURCE:KEY`), the records it scored against, most probable first;
    `records` names each unique id and gives its entity."""
    found: dict[str, list[Candidate]] = defaultdict(list)
    for left, right, weight, probability, _el, _er in scored:
        if probability < CANDIDATE_FLOOR:
            continue
        for arrival, other in ((left, right), (right, left)):
            if arrival in arrivals:
                name, entity = records[other]
                found[records[arrival][0]].append(Candidate(name, entity, probability, weight))
    return {
        arrival: sorted(candidates, key=lambda c: -c.match_weight)[:CANDIDATES_SHOWN]
        for arrival, candidates in found.items()
    }
