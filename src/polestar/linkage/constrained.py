"""Clustering that holds apart records which cannot be one person.

Connected components at the match threshold let one ambiguous record chain two people
together: "John Smith" from a 999 call, with only a name and a phone, scores above the
threshold against two different John Smiths and joins them both. Records of one person
practically never carry two incompatible dates of birth or both sexes (training puts the
m probability of those levels near zero), so a component holding them is such a chain.

Components without a conflict are kept as they are. Within a conflicted component, pairs
are taken strongest first and a pair that would put conflicting records into one cluster is
refused — greedy clustering with cannot-link constraints — so each ambiguous record joins
the person it matches best and the two people stay apart.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import duckdb
import pyarrow as pa

from polestar.linkage.clusters import Member, group
from polestar.linkage.person_model import CONFLICT

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
CONFLICTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE conflicts AS
SELECT a, b FROM (
    SELECT l.cluster_id, l.profile AS a, r.profile AS b, {_SIDE.format(side="l")},
        {_SIDE.format(side="r")}
    FROM profiles l JOIN profiles r ON l.cluster_id = r.cluster_id AND l.profile < r.profile
)
WHERE {CONFLICT}
"""


def cluster(
    con: duckdb.DuckDBPyConnection, predictions: str, clustered: str, threshold: float
) -> tuple[list[list[Member]], int]:
    """Clusters of person records, and how many scored pairs were held apart.

    Args:
        con: the run's DuckDB, holding the `people` features.
        predictions: the table of scored pairs.
        clustered: connected components of the pairs at `threshold` (cluster_id, unique_id).
        threshold: the match probability a pair needs to join two records.
    """
    con.execute(COMPONENTS_SQL.format(clustered=clustered))
    con.execute(PROFILES_SQL)
    con.execute(CONFLICTS_SQL)
    relabelled, held_apart = _split_conflicted(con, predictions, threshold)
    con.register("_relabelled", relabelled)
    rows = con.sql(
        "SELECT coalesce(s.label, c.cluster_id) AS label, c.record_id, c.source_key, c.source "
        "FROM components c LEFT JOIN _relabelled s USING (unique_id) ORDER BY label"
    ).fetchall()
    con.unregister("_relabelled")
    return group(rows), held_apart


def _split_conflicted(
    con: duckdb.DuckDBPyConnection, predictions: str, threshold: float
) -> tuple[pa.Table, int]:
    """New labels for the records of conflicted components (none when there is no conflict)."""
    pairs = con.sql("SELECT a, b FROM conflicts").fetchall()
    conflicting = set(pairs) | {(b, a) for a, b in pairs}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE conflicted AS SELECT DISTINCT p.cluster_id "
        "FROM conflicts JOIN profiles p ON p.profile = conflicts.a"
    )
    profile_of: dict[int, int] = dict(
        con.sql(
            """
            SELECT c.unique_id, p.profile FROM components c
            JOIN conflicted USING (cluster_id)
            JOIN profiles p ON p.cluster_id = c.cluster_id
                AND p.dob IS NOT DISTINCT FROM c.dob AND p.gender IS NOT DISTINCT FROM c.gender
            """
        ).fetchall()
    )
    edges = con.sql(
        f"""
        SELECT e.unique_id_l, e.unique_id_r FROM {predictions} e
        JOIN components c ON c.unique_id = e.unique_id_l
        JOIN conflicted USING (cluster_id)
        WHERE e.match_probability >= {float(threshold)}
        ORDER BY e.match_weight DESC, e.unique_id_l, e.unique_id_r
        """
    ).fetchall()
    roots, held_apart = greedy(
        edges, {node: {profile} for node, profile in profile_of.items()}, conflicting
    )
    labels = pa.table(
        {
            "unique_id": pa.array(list(roots), pa.int64()),
            "label": pa.array([f"split-{root}" for root in roots.values()], pa.string()),
        }
    )
    return labels, held_apart


def greedy(
    edges: Iterable[tuple[int, int]],
    profiles_of: Mapping[int, Collection[int]],
    conflicting: set[tuple[int, int]],
) -> tuple[dict[int, int], int]:
    """Union-find over edges strongest first, refusing unions that join conflicting profiles.

    A node is a record or, for incremental assignment, a whole entity: `profiles_of` gives
    the date-of-birth and sex profiles each node starts with. Returns each node's root and
    how many edges were refused.
    """
    parent: dict[int, int] = {}
    profiles: dict[int, set[int]] = {}

    def find(node: int) -> int:
        parent.setdefault(node, node)
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    held_apart = 0
    for left, right in edges:
        a, b = find(left), find(right)
        if a == b:
            continue
        # A root seen for the first time is the node itself.
        into = profiles.setdefault(a, set(profiles_of.get(a, ())))
        joining = profiles.setdefault(b, set(profiles_of.get(b, ())))
        if any((x, y) in conflicting for x in into for y in joining):
            held_apart += 1
            continue
        if len(into) < len(joining):
            a, b, into, joining = b, a, joining, into
        parent[b] = a
        into |= joining
        del profiles[b]
    return {node: find(node) for node in parent}, held_apart
