"""The duplicate check at entry: one new record against everyone, in milliseconds.

`incremental.assign_people` places a chunk with a few DuckDB statements of Splink's SQL, which
is right for thousands of records but costs tens of milliseconds of planning for one. Here the
same model runs in Python (`sql_python`): features as FEATURES_SQL derives them, the blocking
rules' keys and filters, and Splink's scoring SQL; DuckDB is used only for what its indexes
are for — finding the records that share a key, and an entity's records. Clustering, stable
ids and the store write are the batch's own (`cluster_arrivals`, `place_groups`), so a record
placed here lands where a chunk, or a batch run, would place it; tests hold the two paths to
the same result. So is the review queue's judgement of a join (`review_queue`'s `forenames
differ`), in Python over the records involved, by the model's own forename comparison.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import sqlglot
from sqlalchemy.engine import Connection, Engine

from polestar.linkage.clusters import Member
from polestar.linkage.constrained import Tag
from polestar.linkage.grounds import FORENAMES_DIFFER
from polestar.linkage.incremental import (
    Assigned,
    arrival_joins,
    by_strength,
    candidates_of,
    cluster_arrivals,
    join_rows,
)
from polestar.linkage.locations import address_keys
from polestar.linkage.person_features import person_features
from polestar.linkage.person_index import KeyRule, PersonIndex, ScoredPair, probe_key
from polestar.linkage.placement import merged_ids, place_groups
from polestar.linkage.row_store import RowStore
from polestar.linkage.scoring import PairScorer
from polestar.linkage.sql_python import compile_pair, compile_row
from polestar.pole.nicknames import name_form_pairs
from polestar.settings import Settings
from polestar.store import decisions, linkable, review_items
from polestar.store.entities import placed_in
from polestar.store.person_joins import place_joins

Row = dict[str, Any]
_PROFILE = ("dob", "dob_swapped", "dob_md", "yob", "gender")


@dataclass(frozen=True)
class RuleKeys:
    """One blocking rule's key forms (`S`, or `L` and `R`) as Python expressions."""

    rule: KeyRule
    forms: tuple[tuple[str, tuple[Callable[[Row], Any], ...]], ...]

    @classmethod
    def of(cls, rule: KeyRule) -> RuleKeys:
        """The rule's key expressions compiled to Python."""
        if rule.symmetric:
            return cls(rule, (("S", tuple(map(compile_row, rule.left))),))
        return cls(
            rule,
            (
                ("L", tuple(map(compile_row, rule.left))),
                ("R", tuple(map(compile_row, rule.right))),
            ),
        )

    def keys(self, row: Row) -> Iterable[str]:
        """The keys `person_index.stored_keys_sql` gives this record (exploded arrays too)."""
        lists = [row[column] or [] for column in self.rule.explode]
        for values in itertools.product(*lists) if lists else [()]:
            current = {**row, **dict(zip(self.rule.explode, values, strict=True))}
            for tag, expressions in self.forms:
                parts = [expression(current) for expression in expressions]
                if all(part is not None for part in parts):
                    yield f"{self.rule.number}{tag}|" + "|".join(str(part) for part in parts)


class OneRecord:
    """The model compiled to Python and the index's records in a `RowStore`, ready for one
    record at a time. Records it places reach the DuckDB index at `flush`; chunks placed
    there do not reach it, so a session drops it before placing a chunk (see `Arrivals`)."""

    def __init__(self, index: PersonIndex) -> None:
        self.index = index
        con = index.con
        self.scorer = PairScorer(index.model)
        self.rule_keys = [RuleKeys.of(rule) for rule in index.rules]
        self.filters = {number: compile_pair(sql) for number, sql in index.filters.items()}
        self.conflict = compile_pair(index.conflict)
        self.forename_level = compile_pair(_unaliased(index.forename_level.case))
        forms: dict[str, list[str]] = defaultdict(list)
        for name, form in name_form_pairs():
            forms[name].append(form)
        self.forms = dict(forms)
        self.tf = {
            column: dict(con.sql(f"SELECT {column}, tf_{column} FROM idx.tf_{column}").fetchall())
            for column in self.scorer.tf_columns
        }
        self.people_schema = con.sql("FROM idx.people LIMIT 0").to_arrow_table().schema
        self.store = RowStore(con)
        self.columns = self.store.columns
        # Placed here, not yet in the DuckDB index (`flush`): records, and merges in order.
        self.pending: list[Row] = []
        self.pending_merges: list[tuple[str, str]] = []

    def place(self, engine: Engine, settings: Settings, record_id: int, run_id: int) -> Assigned:
        """Place the unplaced person rows of one source record; returns what it did, with each
        arrival's candidates (the records it may duplicate, with their probabilities)."""
        arrivals = self._arrivals(engine, record_id)
        if not arrivals:
            return Assigned(candidates={})
        by_uid = {row["unique_id"]: row for row in arrivals}
        pairs = self._candidate_pairs(arrivals)
        others = self._rows(sorted({uid for pair in pairs for uid in pair} - by_uid.keys()))
        rows = {**others, **by_uid}
        kept = [
            (left, right)
            for (left, right), rules in sorted(pairs.items())
            if any(
                rule not in self.filters or self.filters[rule](rows[left], rows[right])
                for rule in rules
            )
        ]
        scored = self._score(kept, rows)
        report = Assigned(records=len(arrivals), pairs_scored=len(scored))
        groups, entities_of_group = cluster_arrivals(
            list(by_uid),
            scored,
            settings.link_match_threshold,
            lambda node_of_entity, component: self._profiles(by_uid, node_of_entity, component),
        )
        review = self._to_review(
            engine, settings, (by_uid, rows), scored, groups, entities_of_group
        )
        joins = join_rows(
            arrival_joins(
                sorted(scored, key=by_strength),
                groups,
                entities_of_group,
                settings.link_match_threshold,
            ),
            lambda uid: _member(rows[uid]).key,
        )

        def also(conn: Connection) -> None:
            review_items.add_items(conn, "person", review, run_id, datetime.now(UTC))
            place_joins(conn, joins, (), run_id, self.index.model_version)

        assignment = place_groups(
            engine,
            "person",
            [
                ([_member(by_uid[uid]) for uid in uids], entities_of_group.get(root, []))
                for root, uids in groups.items()
            ],
            run_id,
            self.index.model_version,
            also=also,
        ).assignment
        report.review_items = len(review)
        report.new_entities = assignment.new_entities
        report.merged = len(assignment.changes.retired)
        report.joined = sum(len(u) for root, u in groups.items() if root in entities_of_group)
        for row in arrivals:
            row["entity_id"] = assignment.entity_of[(row["record_id"], row["source_key"])]
        self._index(arrivals, merged_ids(assignment))
        names = {
            uid: (f"{row['source']}:{row['source_key']}", row["entity_id"])
            for uid, row in rows.items()
        }
        report.candidates = candidates_of(scored, set(by_uid), names)
        return report

    def _to_review(
        self,
        engine: Engine,
        settings: Settings,
        records: tuple[Mapping[int, Row], Mapping[int, Row]],
        scored: Sequence[ScoredPair],
        groups: dict[int, list[int]],
        entities_of_group: dict[int, list[str]],
    ) -> list[dict[str, Any]]:
        """The review items a chunk would queue for these arrivals (`review_queue`'s ground
        `forenames differ`), judged in Python as the chunk's query judges them: `records` are
        the arrivals, and they with every record scored against them. In DuckDB the query
        took 40 ms at 1M people, most of it planning, for one record."""
        arrivals, rows = records
        entity_label = {entity: root for root, held in entities_of_group.items() for entity in held}
        label = {uid: entity_label.get(row["entity_id"]) for uid, row in rows.items()}
        label.update({uid: root for root, uids in groups.items() for uid in uids})
        members: dict[int, list[Row]] = defaultdict(list)
        for uid, root in label.items():
            if root is not None:
                members[root].append(rows[uid])
        threshold = float(settings.link_match_threshold)
        queued: list[ScoredPair] = []
        for uid, arrival in arrivals.items():
            root = label[uid]
            if arrival["dob"] is not None or arrival["fn"] is None or root is None:
                continue
            others = [row for row in members[root] if row["unique_id"] != uid]
            if any(_named_alike(arrival, other) for other in others):
                continue
            hits = [
                pair
                for pair in scored
                if pair[3] >= threshold
                and uid in pair[:2]
                and label[pair[1] if pair[0] == uid else pair[0]] == root
            ]
            if hits and all(self.forename_level(rows[a], rows[b]) == 0 for a, b, *_ in hits):
                queued.append(min(hits, key=lambda pair: (-pair[3], pair[0], pair[1])))
        if not queued:
            return []
        with engine.connect() as conn:
            return [
                item
                for item in (_item(rows[pair[0]], rows[pair[1]], pair) for pair in queued)
                if not _decided_or_open(conn, item)
            ]

    def _score(self, pairs: Sequence[tuple[int, int]], rows: Mapping[int, Row]) -> list[ScoredPair]:
        scored: list[ScoredPair] = []
        for left, right in pairs:
            weight, probability = self.scorer.score(rows[left], rows[right])
            entities = rows[left]["entity_id"], rows[right]["entity_id"]
            scored.append((left, right, weight, probability, *entities))
        return scored

    def _arrow(self, rows: Iterable[Row]) -> pa.Table:
        """Rows as a table of the index's `people` schema."""
        return pa.Table.from_pylist(
            [{column: row[column] for column in self.columns} for row in rows],
            schema=self.people_schema,
        )

    def _arrivals(self, engine: Engine, record_id: int) -> list[Row]:
        """The record's person rows no entity holds, with their features and frequencies."""
        with engine.connect() as conn:
            people = _rows_of(linkable.person_batches(conn, record_ids=[record_id]))
            if not people:
                return []
            placed = placed_in(conn, "person", [record_id])
            phones = _least(linkable.phone_batches(conn, record_ids=[record_id]))
            homes, places = places_of(linkable.place_batches(conn, record_ids=[record_id]))
        arrivals = []
        for person in people:
            key = (person["record_id"], person["source_key"])
            if key in placed:
                continue
            row = person_features(
                person, homes.get(key), phones.get(key), self.forms, places.get(key, ())
            )
            for column, frequencies in self.tf.items():
                value = row[column]
                # As the chunk path's LEFT JOIN: a value the batch never saw (or none at all)
                # is as rare as the rarest it did.
                row[f"tf_{column}"] = frequencies.get(value, self.index.rarest[column])
            row["entity_id"] = None
            row["keys"] = [key for rule in self.rule_keys for key in rule.keys(row)]
            arrivals.append(row)
        return arrivals

    def _candidate_pairs(self, arrivals: Sequence[Row]) -> dict[tuple[int, int], set[int]]:
        """(smaller id, larger id) → the rules that would have compared them: arrivals with
        indexed records sharing a key, and with each other."""
        probes: dict[str, list[int]] = defaultdict(list)
        for row in arrivals:
            for key in row["keys"]:
                probes[probe_key(key)].append(row["unique_id"])
        found = self.store.lookup(sorted(probes))
        for row in arrivals:  # arrivals find each other as the chunk path does
            for key in row["keys"]:
                if key in probes:
                    found.append((key, row["unique_id"]))
        pairs: dict[tuple[int, int], set[int]] = defaultdict(set)
        for key, other in found:
            rule = int(key.split("|", 1)[0][:-1])
            for uid in probes[key]:
                if uid != other:
                    pairs[(min(uid, other), max(uid, other))].add(rule)
        return pairs

    def _rows(self, unique_ids: Sequence[int]) -> dict[int, Row]:
        rows = [
            dict(zip(self.columns, values, strict=True)) for values in self.store.rows(unique_ids)
        ]
        return {row["unique_id"]: row for row in rows}

    def _profiles(
        self, arrivals: Mapping[int, Row], node_of_entity: dict[str, int], component: dict[int, int]
    ) -> tuple[dict[int, set[Tag]], set[tuple[Tag, Tag]]]:
        """Each node's date-of-birth and sex profiles and the pairs of them that conflict,
        within a component, as `constrained.PROFILES_SQL` and `conflicts_sql` find them: an
        entity's from all its records, an arrival's from itself."""
        at = [self.columns.index(column) for column in ("entity_id", *_PROFILE)]
        members: list[tuple[int, tuple[Any, ...]]] = [
            (node_of_entity[values[at[0]]], tuple(values[i] for i in at[1:]))
            for values in self.store.members(list(node_of_entity))
        ]
        members += [
            (node, tuple(arrivals[node][column] for column in _PROFILE))
            for node in component
            if node in arrivals
        ]
        numbers: dict[tuple[Any, ...], int] = {}
        tags_of: dict[int, set[Tag]] = defaultdict(set)
        for node, profile in members:
            dob, gender = profile[0], profile[4]
            if dob is None and gender is None:
                continue
            numbered = numbers.setdefault((component[node], *profile), len(numbers))
            tags_of[node].add(("profile", numbered))
        conflicting: set[tuple[Tag, Tag]] = set()
        for (one, a), (two, b) in itertools.combinations(numbers.items(), 2):
            if one[0] == two[0] and self.conflict(_named(one[1:]), _named(two[1:])):
                conflicting |= {(("profile", a), ("profile", b)), (("profile", b), ("profile", a))}
        return tags_of, conflicting

    def _index(self, arrivals: Sequence[Row], merged: Sequence[tuple[str, str]]) -> None:
        """Add the placed arrivals and their keys to the row store; follow any merge. The
        DuckDB index takes them in at the next `flush`."""
        self.store.add(
            [tuple(row[column] for column in self.columns) for row in arrivals],
            [(key, row["unique_id"]) for row in arrivals for key in row["keys"]],
        )
        for old, new in merged:
            self.store.merge(old, new)
        self.pending += arrivals
        self.pending_merges += merged

    def flush(self) -> None:
        """Put what was placed here into the DuckDB index, for chunks to find."""
        if not self.pending:
            return
        arrivals, merged = self.pending, self.pending_merges
        self.pending, self.pending_merges = [], []
        con = self.index.con
        ids = ", ".join(str(row["unique_id"]) for row in arrivals)
        con.execute(f"DELETE FROM idx.people WHERE unique_id IN ({ids})")
        con.register("_arrived", self._arrow(arrivals))
        con.execute("INSERT INTO idx.people FROM _arrived")
        con.unregister("_arrived")
        keys = [(key, row["unique_id"]) for row in arrivals for key in row["keys"]]
        con.register(
            "_keys",
            pa.table(
                {
                    "key": pa.array([key for key, _ in keys], pa.string()),
                    "unique_id": pa.array([uid for _, uid in keys], pa.int64()),
                }
            ),
        )
        con.execute("INSERT INTO idx.keys FROM _keys")
        con.unregister("_keys")
        for old, new in merged:
            con.execute("UPDATE idx.people SET entity_id = ? WHERE entity_id = ?", [new, old])

    def close(self) -> None:
        self.store.close()


def _named(profile: Sequence[Any]) -> Row:
    return dict(zip(_PROFILE, profile, strict=True))


def _member(row: Mapping[str, Any]) -> Member:
    return Member((row["record_id"], row["source_key"]), row["source"])


def _rows_of(batches: Iterable[dict[str, list[Any]]]) -> list[Row]:
    return [
        dict(zip(batch, values, strict=True))
        for batch in batches
        for values in zip(*batch.values(), strict=True)
    ]


def places_of(
    batches: Iterable[dict[str, list[Any]]],
) -> tuple[dict[tuple[int, str], str], dict[tuple[int, str], list[str]]]:
    """(record, person key) → the least home postcode, and → the keys of its places, as
    FEATURES_SQL derives them."""
    postcodes: dict[tuple[int, str], str] = {}
    keys: dict[tuple[int, str], list[str]] = defaultdict(list)
    for row in _rows_of(batches):
        person = (row["record_id"], row["source_key"])
        keys[person].extend(address_keys(row))
        postcode = row["postcode"]
        if row["role"] == "resides-at" and postcode is not None:
            postcodes[person] = min(postcode, postcodes.get(person, postcode))
    return postcodes, keys


def _least(batches: Iterable[dict[str, list[Any]]]) -> dict[tuple[int, str], Any]:
    """(record, person key) → the least value, as FEATURES_SQL's `min` takes it."""
    least: dict[tuple[int, str], Any] = {}
    for row in _rows_of(batches):
        key = (row["record_id"], row["source_key"])
        value = row[next(column for column in row if column not in ("record_id", "source_key"))]
        if key not in least or value < least[key]:
            least[key] = value
    return least


def _unaliased(sql: str) -> str:
    """Splink's case statement without its `AS gamma_<name>`."""
    return sqlglot.parse_one(sql, read="duckdb").unalias().sql("duckdb")


def _named_alike(one: Row, other: Row) -> bool:
    """Whether another record gives `one`'s forename or shares a reference number with it:
    then `one` did not join on a surname and a place alone."""
    return any(
        one[column] is not None and one[column] == other[column]
        for column in ("fn", "pnc_id", "crn", "ni_number")
    )


def _item(left: Row, right: Row, pair: ScoredPair) -> dict[str, Any]:
    """A review item of `forenames differ` for a scored pair, its records in order."""
    sides = sorted((left, right), key=lambda row: (row["record_id"], row["source_key"]))
    item: dict[str, Any] = {}
    for side, row in zip("lr", sides, strict=True):
        item |= {
            f"record_id_{side}": row["record_id"],
            f"source_{side}": row["source"],
            f"source_key_{side}": row["source_key"],
        }
    return item | {
        "match_probability": pair[3],
        "match_weight": pair[2],
        "queued_because": FORENAMES_DIFFER,
    }


def _decided_or_open(conn: Connection, item: Mapping[str, Any]) -> bool:
    """Whether a decision covers the item's pair, or an open item holds it already."""
    left = (item["record_id_l"], item["source_key_l"])
    right = (item["record_id_r"], item["source_key_r"])
    decided = decisions.decision_on_pair(conn, "person", left, right)
    return decided is not None or review_items.is_open(conn, "person", left, right)
