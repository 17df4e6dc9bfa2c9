"""Clustering that holds apart records which cannot be one person.

Connected components at the match threshold let one ambiguous record chain two people
together: "John Smith" from a 999 call, with only a name and a phone, scores above the
threshold against two different John Smiths and joins them both. Records of one person
practically never carry two incompatible dates of birth or both sexes (training puts the
m probability of those levels near zero), so a component holding them is such a chain. Where
training finds otherwise (a list whose copies change dates of birth freely), the date is held
to its weight alone (`person_model.conflict`).

Components without a conflict are kept as they are. Within a conflicted component, pairs
are taken strongest first and a pair that would put conflicting records into one cluster is
refused — greedy clustering with cannot-link constraints — so each ambiguous record joins
the person it matches best and the two people stay apart.

People's decisions (docs/linkage.md, "Review and decisions") enter the same way: must-link
pairs are unioned first, whatever their scores; cannot-link pairs are conflicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

import duckdb
import pyarrow as pa

from polestar.linkage.clusters import Member, group
from polestar.store.decisions import Constraints, Pair

# What a record carries that may conflict with another's: a date-of-birth and sex profile,
# or the record itself where a cannot-link decision names it.
Tag = tuple[str, int]

_PROFILE_COLUMNS = ("dob", "dob_swapped", "dob_md", "yob", "gender")

COMPONENTS_SQL = """
CREATE OR REPLACE TEMP TABLE components AS
SELECT c.cluster_id::VARCHAR AS cluster_id, p.unique_id, p.record_id, p.source_key, p.source,
    p.dob, p.dob_swapped, p.dob_md, p.yob, p.gender
FROM {clustered} c JOIN people p USING (unique_id)
"""
# Distinct date-of-birth and sex profiles per component, and the pairs of them that conflict.
PROFILES_SQL = """
CREATE OR REPLACE TEMP TABLE profiles AS
SELECT row_number() OVER (ORDER BY cluster_id, dob, gender) AS profile, *
FROM (
    SELECT DISTINCT cluster_id, dob, dob_swapped, dob_md, yob, gender FROM components
    WHERE dob IS NOT NULL OR gender IS NOT NULL
)
"""
_SIDE = ", ".join(f"{{side}}.{c} AS {c}_{{side}}" for c in _PROFILE_COLUMNS)


def conflicts_sql(conflict: str) -> str:
    """The statement leaving in `conflicts` the pairs of profiles, within a component, that
    `conflict` (`person_model.conflict`, an expression on `_l` and `_r` columns) holds apart."""
    return f"""
CREATE OR REPLACE TEMP TABLE conflicts AS
SELECT a, b FROM (
    SELECT l.cluster_id, l.profile AS a, r.profile AS b, {_SIDE.format(side="l")},
        {_SIDE.format(side="r")}
    FROM profiles l JOIN profiles r ON l.cluster_id = r.cluster_id AND l.profile < r.profile
)
WHERE {conflict}
"""


def cluster(
    con: duckdb.DuckDBPyConnection,
    predictions: str,
    clustered: str,
    threshold: float,
    conflict: str,
    decided: Constraints | None = None,
) -> tuple[list[list[Member]], int]:
    """Clusters of person records, and how many scored pairs were held apart.

    People's decisions come first: must-link pairs join their records' components whether or
    not the pair was scored, and cannot-link pairs make a component conflicted exactly as
    incompatible dates of birth do. The result is also left in the temp table
    `final_clusters` (label, unique_id, …) for the review queue.

    Args:
        con: the run's DuckDB, holding the `people` features.
        predictions: the table of scored pairs.
        clustered: connected components of the pairs at `threshold` (cluster_id, unique_id).
        threshold: the match probability a pair needs to join two records.
        conflict: what holds two records apart (`person_model.conflict`).
        decided: record pairs people said must or must not be one person.
    """
    decided = decided or Constraints()
    con.execute(COMPONENTS_SQL.format(clustered=clustered))
    must = _current_pairs(con, decided.must)
    cannot = _current_pairs(con, decided.cannot)
    if must:
        _join_components(con, must)
    con.execute(PROFILES_SQL)
    con.execute(conflicts_sql(conflict))
    relabelled, held_apart = _split_conflicted(con, predictions, threshold, must, cannot)
    con.register("_relabelled", relabelled)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE final_clusters AS "
        "SELECT coalesce(s.label, c.cluster_id) AS label, c.unique_id, c.record_id, "
        "c.source_key, c.source FROM components c LEFT JOIN _relabelled s USING (unique_id)"
    )
    con.unregister("_relabelled")
    rows = con.sql(
        "SELECT label, record_id, source_key, source FROM final_clusters ORDER BY label"
    ).fetchall()
    return group(rows), held_apart


def _current_pairs(con: duckdb.DuckDBPyConnection, pairs: list[Pair]) -> list[tuple[int, int]]:
    """Decided pairs as (unique_id, unique_id), dropping any whose record is no longer current."""
    if not pairs:
        return []
    con.register(
        "_decided",
        pa.table(
            {
                "record_l": pa.array([left[0] for left, _ in pairs], pa.int64()),
                "key_l": pa.array([left[1] for left, _ in pairs], pa.string()),
                "record_r": pa.array([right[0] for _, right in pairs], pa.int64()),
                "key_r": pa.array([right[1] for _, right in pairs], pa.string()),
            }
        ),
    )
    found = con.sql(
        """
        SELECT l.unique_id, r.unique_id FROM _decided d
        JOIN components l ON l.record_id = d.record_l AND l.source_key = d.key_l
        JOIN components r ON r.record_id = d.record_r AND r.source_key = d.key_r
        """
    ).fetchall()
    con.unregister("_decided")
    return [(int(a), int(b)) for a, b in found]


def _join_components(con: duckdb.DuckDBPyConnection, must: list[tuple[int, int]]) -> None:
    """Relabel components so the two records of every must-link pair share one."""
    ends = {uid for pair in must for uid in pair}
    con.register("_ends", pa.table({"unique_id": pa.array(sorted(ends), pa.int64())}))
    component_of: dict[int, str] = dict(
        con.sql(
            "SELECT unique_id, cluster_id FROM components JOIN _ends USING (unique_id)"
        ).fetchall()
    )
    con.unregister("_ends")
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.setdefault(label, label) != label:
            label = parent[label]
        return label

    for left, right in must:
        a, b = sorted((find(component_of[left]), find(component_of[right])))
        parent[b] = a
    merged = {label: find(label) for label in parent if find(label) != label}
    if not merged:
        return
    con.register(
        "_merged",
        pa.table(
            {
                "cluster_id": pa.array(list(merged), pa.string()),
                "root": pa.array(list(merged.values()), pa.string()),
            }
        ),
    )
    con.execute(
        "UPDATE components SET cluster_id = m.root FROM _merged m "
        "WHERE components.cluster_id = m.cluster_id"
    )
    con.unregister("_merged")


def _split_conflicted(
    con: duckdb.DuckDBPyConnection,
    predictions: str,
    threshold: float,
    must: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
) -> tuple[pa.Table, int]:
    """New labels for the records of conflicted components (none when there is no conflict)."""
    pairs = con.sql("SELECT a, b FROM conflicts").fetchall()
    conflicting: set[tuple[Tag, Tag]] = set()
    for a, b in pairs:
        conflicting |= {(("profile", a), ("profile", b)), (("profile", b), ("profile", a))}
    for a, b in cannot:
        conflicting |= {(("record", a), ("record", b)), (("record", b), ("record", a))}
    con.register(
        "_cannot",
        pa.table(
            {
                "a": pa.array([a for a, _ in cannot], pa.int64()),
                "b": pa.array([b for _, b in cannot], pa.int64()),
            }
        ),
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE conflicted AS
        SELECT p.cluster_id FROM conflicts JOIN profiles p ON p.profile = conflicts.a
        UNION
        SELECT l.cluster_id FROM _cannot k
        JOIN components l ON l.unique_id = k.a
        JOIN components r ON r.unique_id = k.b AND r.cluster_id = l.cluster_id
        """
    )
    con.unregister("_cannot")
    tags_of: dict[int, set[Tag]] = {
        uid: {("profile", profile)}
        for uid, profile in con.sql(
            """
            SELECT c.unique_id, p.profile FROM components c
            JOIN conflicted USING (cluster_id)
            JOIN profiles p ON p.cluster_id = c.cluster_id
                AND p.dob IS NOT DISTINCT FROM c.dob AND p.gender IS NOT DISTINCT FROM c.gender
            """
        ).fetchall()
    }
    for uid in {uid for pair in cannot for uid in pair}:
        tags_of.setdefault(uid, set()).add(("record", uid))
    edges = con.sql(
        f"""
        SELECT e.unique_id_l, e.unique_id_r FROM {predictions} e
        JOIN components c ON c.unique_id = e.unique_id_l
        JOIN conflicted USING (cluster_id)
        WHERE e.match_probability >= {float(threshold)}
        ORDER BY e.match_weight DESC, e.unique_id_l, e.unique_id_r
        """
    ).fetchall()
    # People's must-links inside a conflicted component are joined before any scored pair.
    conflicted_records = _conflicted_records(con) if must else set()
    forced = [(a, b) for a, b in must if a in conflicted_records]
    roots, held_apart = greedy(forced, edges, tags_of, conflicting)
    labels = pa.table(
        {
            "unique_id": pa.array(list(roots), pa.int64()),
            "label": pa.array([f"split-{root}" for root in roots.values()], pa.string()),
        }
    )
    return labels, held_apart


def _conflicted_records(con: duckdb.DuckDBPyConnection) -> set[int]:
    rows = con.sql("SELECT unique_id FROM components JOIN conflicted USING (cluster_id)")
    return {int(uid) for (uid,) in rows.fetchall()}


def greedy(
    forced: Iterable[tuple[int, int]],
    edges: Iterable[tuple[int, int]],
    tags_of: dict[int, set[Tag]],
    conflicting: set[tuple[Tag, Tag]],
) -> tuple[dict[int, int], int]:
    """Union-find: `forced` edges (people's must-links) joined unconditionally, then `edges`
    strongest first, refusing unions that would join conflicting tags (profiles, or the two
    records of a cannot-link pair).

    A node is a record or, for incremental assignment, a whole entity carrying the tags of all
    its records. Returns each node's root and how many edges were refused.
    """
    parent: dict[int, int] = {}
    tags: dict[int, set[Tag]] = {}

    def find(node: int) -> int:
        parent.setdefault(node, node)
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    held_apart = 0
    for is_forced, (left, right) in chain(
        ((True, edge) for edge in forced), ((False, edge) for edge in edges)
    ):
        a, b = find(left), find(right)
        if a == b:
            continue
        # A root seen for the first time is the record itself.
        into = tags.setdefault(a, set(tags_of.get(a, ())))
        joining = tags.setdefault(b, set(tags_of.get(b, ())))
        if not is_forced and any((x, y) in conflicting for x in into for y in joining):
            held_apart += 1
            continue
        if len(into) < len(joining):
            a, b, into, joining = b, a, joining, into
        parent[b] = a
        into |= joining
        del tags[b]
    return {node: find(node) for node in parent}, held_apart
