"""Incremental vehicles and locations: an arrival joins the entity holding a record with its key.

The batch joins vehicles by VRM and locations by UPRN, first line with postcode, or first line
with town, transitively. Arriving records do the same against a table of every key and the
entity holding it (kept in the run's DuckDB beside the person index): an arrival sharing no key
founds an entity, one sharing keys with two entities merges them, as the batch would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine

from polestar.linkage import duck, locations, vehicles
from polestar.linkage.clusters import Member
from polestar.linkage.placement import moved_members, place_groups
from polestar.linkage.union_find import UnionFind
from polestar.store import replaced_rows
from polestar.store.entities import current_members, members_since, placed_in

Loader = Callable[[duckdb.DuckDBPyConnection, Engine, Sequence[int] | None], int]
KINDS: dict[str, tuple[str, Loader, str]] = {
    # kind: (raw table, loader, SQL of (unique_id, key) over the raw table)
    "vehicle": ("vehicle_raw", vehicles.load_vehicles, vehicles.KEYS_SQL),
    "location": ("location_raw", locations.load_locations, locations.KEY_ROWS_SQL),
}


# The key tables the index file holds beside the person index's (`person_index._loaded`).
KEY_TABLES = tuple(f"{kind}_keys" for kind in KINDS)


def _keyed_rows(kind: str, placement: str) -> str:
    """SQL of (key, record_id, source_key, entity_id) for the rows of `kind` loaded in its raw
    table that the registered table `placement` places."""
    raw, _load, keys_sql = KINDS[kind]
    return (
        "SELECT DISTINCT k.key, r.record_id, r.source_key, m.entity_id "
        f"FROM ({keys_sql}) k JOIN {raw} r USING (unique_id) "
        f"JOIN {placement} m USING (record_id, source_key)"
    )


def build_keys(con: duckdb.DuckDBPyConnection, engine: Engine, kind: str) -> None:
    """`idx.{kind}_keys` from the store: every key of every placed row of `kind`, with the row
    and its entity (a row that moves later is re-keyed by `KeyIndex`'s catch-up)."""
    _raw, load, _keys_sql = KINDS[kind]
    load(con, engine, None)
    with engine.connect() as conn:
        placed = current_members(conn, kind)
    con.register("_placed", duck.placement_table(placed))
    con.execute(f"CREATE OR REPLACE TABLE idx.{kind}_keys AS {_keyed_rows(kind, '_placed')}")
    con.unregister("_placed")


class KeyIndex:
    """Keys → entities for one kind, in the database `idx` of the index's DuckDB.

    Opened over `idx.{kind}_keys` as batch run `run_id` left it (`build_keys`, saved in the
    index file with an ART index on its keys), and brought up to date with the rows later runs
    placed or moved.
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, engine: Engine, kind: str, run_id: int
    ) -> None:
        self.con, self.kind = con, kind
        self.raw, self.load, self.keys_sql = KINDS[kind]
        self.table = f"idx.{kind}_keys"
        self._catch_up(engine, run_id)

    def _catch_up(self, engine: Engine, run_id: int) -> None:
        """Take in the rows runs placed after batch run `run_id`, and the rows as they are
        now of the records placed anew since (`replaced_rows`: the keys of a row a new
        version dropped or changed go)."""
        with engine.connect() as conn:
            later = {key[0] for key in members_since(conn, self.kind, run_id)}
            record_ids = sorted(later | set(replaced_rows.placed_since_batch(conn)))
            if not record_ids:
                return
            placed = placed_in(conn, self.kind, record_ids)
        con = self.con
        con.register("_records", pa.table({"record_id": pa.array(record_ids, pa.int64())}))
        con.execute(f"DELETE FROM {self.table} WHERE record_id IN (FROM _records)")
        con.unregister("_records")
        con.register("_placed", duck.placement_table(placed))
        self.load(con, engine, record_ids)
        con.execute(f"INSERT INTO {self.table} {_keyed_rows(self.kind, '_placed')}")
        con.unregister("_placed")

    def assign(
        self,
        engine: Engine,
        record_ids: Sequence[int],
        run_id: int,
        *,
        anew: bool = False,
        done: frozenset[int] = frozenset(),
    ) -> tuple[int, set[int]]:
        """Place this kind's rows of these source records that no entity holds yet, and with
        `anew` (an ingest's new and changed records) those it does as well, anew: a changed
        record joins whatever its keys now reach, as in a batch run, under the stable-id rules
        (`placement.place_groups`); a row the new version no longer has leaves its entity, and
        what stays of the entity is placed anew in turn (`Placement.rest`; `done` are the
        records placed anew already by the call that asks). Returns how many rows were
        placed, and the other source records that changed entity (for the search index)."""
        con = self.con
        loaded = self.load(con, engine, record_ids)
        if not (loaded or anew):
            return 0, set()
        with engine.connect() as conn:
            placed = placed_in(conn, self.kind, record_ids)
        arriving = {
            uid: Member((record_id, key), source)
            for uid, record_id, key, source in con.sql(
                f"SELECT unique_id, record_id, source_key, source FROM {self.raw}"
            ).fetchall()
            if anew or (record_id, key) not in placed
        }
        # Placed anew: every row an entity held, those the new version dropped included.
        replacing = placed if anew else {}
        if not (arriving or replacing):
            return 0, set()
        if replacing:  # its keys as they were: a changed plate no longer reaches the old entity
            con.register("_replacing", duck.placement_table(replacing))
            con.execute(
                f"DELETE FROM {self.table} t USING _replacing r "
                "WHERE t.record_id = r.record_id AND t.source_key = r.source_key"
            )
            con.unregister("_replacing")
        keyed = [
            (uid, key, entity)
            for uid, key, entity in con.sql(
                f"SELECT DISTINCT k.unique_id, k.key, e.entity_id FROM ({self.keys_sql}) k "
                f"LEFT JOIN {self.table} e USING (key)"
            ).fetchall()
            if uid in arriving
        ]
        groups = _groups(list(arriving), keyed)
        placement = place_groups(
            engine,
            self.kind,
            [([arriving[uid] for uid in uids], entities) for uids, entities in groups],
            run_id,
            None,
            replacing=replacing,
        )
        assignment = placement.assignment
        moved = moved_members(assignment, {member.key for member in arriving.values()})
        duck.reassign(con, (self.table,), moved)
        rows = {
            (key, *arriving[uid].key, assignment.entity_of[arriving[uid].key])
            for uid, key, _entity in keyed
        }
        con.register(
            "_new",
            pa.table(
                {
                    "key": pa.array([r[0] for r in rows], pa.string()),
                    "record_id": pa.array([r[1] for r in rows], pa.int64()),
                    "source_key": pa.array([r[2] for r in rows], pa.string()),
                    "entity_id": pa.array([r[3] for r in rows], pa.string()),
                }
            ),
        )
        con.execute(f"INSERT INTO {self.table} SELECT * FROM _new")
        con.unregister("_new")
        others = {record_id for record_id, _key in moved}
        done = done | set(record_ids)
        rest = [record_id for record_id in placement.rest if record_id not in done]
        if rest:
            _placed, moved_too = self.assign(engine, rest, run_id, anew=True, done=done)
            others |= {*rest, *moved_too}
        return len(arriving), others


def _groups(
    arrivals: list[int], keyed: list[tuple[int, str, str | None]]
) -> list[tuple[list[int], list[str]]]:
    """Arrivals joined through shared keys, each group with the entities its keys reach."""
    sets: UnionFind[Hashable] = UnionFind()
    for uid, key, entity in keyed:
        sets.union(("key", key), uid)
        if entity is not None:
            sets.union(("entity", entity), uid)
    members: dict[Hashable, list[int]] = defaultdict(list)
    for uid in arrivals:
        members[sets.find(uid)].append(uid)
    reached: dict[Hashable, set[str]] = defaultdict(set)
    for _uid, _key, entity in keyed:
        if entity is not None:
            reached[sets.find(("entity", entity))].add(entity)
    return [(uids, sorted(reached.get(root, set()))) for root, uids in members.items()]
