"""The person index: what matching one new record against everyone needs, kept warm in memory.

The schema `idx` of an in-memory DuckDB holds every person record's features (as
`people.FEATURES_SQL` derives them), the batch's term frequencies, each record's entity and
its blocking keys. A blocking key is the text of one blocking rule's join expressions for one
record, so the candidates for a new record are the records sharing one of its keys: lookups
in an indexed table rather than the joins of a batch run. It is a cache of the store. A file
beside the store (`POLESTAR_DATA_DIR/linkage/person-index.duckdb`) keeps it, with the
vehicles' and locations' keys (`keyed`) and the ART indexes lookups use, as the last batch
run left it, written by that run; each process works in a private copy of it and catches up
with what incremental runs placed since, from the store, so nothing is written to the file
while records are assigned.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
from splink.internals.blocking import BlockingRule, ExplodingBlockingRule
from splink.internals.settings_creator import SettingsCreator
from sqlalchemy.engine import Engine

from polestar.linkage import duck, keyed, person_model
from polestar.linkage.people import load_people
from polestar.linkage.scoring import Scorer, compile_scorer
from polestar.settings import Settings
from polestar.store import replaced_rows
from polestar.store.entities import MemberKey, current_members, members_since, placed_in
from polestar.store.link_models import StoredModel, latest_model
from polestar.store.runs import last_completed_run

logger = logging.getLogger(__name__)

INDEX_FILE = Path("linkage") / "person-index.duckdb"
# The file's tables, as this code reads them; a file of another layout is rebuilt.
_LAYOUT = "3"  # 2: the vehicles' and locations' keys too; 3: the ART indexes too
# The ART indexes lookups read, saved in the file: built at each load they took 12 s of the
# start of an ingest's linking at 1M (under the ingest's load), read with the file nothing.
_INDEXES = (
    ("ix_keys_key", "keys", "key"),
    ("ix_people_unique_id", "people", "unique_id"),
    ("ix_people_entity_id", "people", "entity_id"),
    *((f"ix_{table}_key", table, "key") for table in keyed.KEY_TABLES),
)
# Up to this many values, a lookup uses the ART index value by value; beyond, one hash join.
_POINT_LOOKUPS = 500
# What `PersonIndex.add` does with rows an entity already holds.
Placed = Literal["skip", "index", "anew"]
# A scored pair: (left, right, match weight, match probability, left's entity, right's).
ScoredPair = tuple[int, int, float, float, str | None, str | None]
# Lookups finding up to this many rows read the index, not the table.
_INDEX_SCAN_ROWS = 100_000


@dataclass(frozen=True)
class KeyRule:
    """One blocking rule as key expressions: a record's `left` key meets another's `right`."""

    number: int
    left: tuple[str, ...]
    right: tuple[str, ...]
    explode: tuple[str, ...]
    filter: str

    @property
    def symmetric(self) -> bool:
        return self.left == self.right


def key_rules(model: dict[str, Any]) -> list[KeyRule]:
    """The stored model's blocking rules, as key expressions (Splink parses the SQL).

    Rules joining on the same expressions are one key rule whose filter is either rule's
    (`person_model` writes "either date of birth missing" as one rule per side): the pairs
    are the same, and each record is indexed under those keys once, not once per rule.
    """
    settings = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
    rules: dict[tuple[tuple[str, ...], ...], KeyRule] = {}
    for number, rule in enumerate(settings._blocking_rules_to_generate_predictions):
        assert isinstance(rule, BlockingRule)
        pairs = rule._equi_join_conditions
        left, right = tuple(lt for lt, _ in pairs), tuple(rt for _, rt in pairs)
        explode = (
            tuple(rule.array_columns_to_explode) if isinstance(rule, ExplodingBlockingRule) else ()
        )
        condition = rule._filter_conditions
        found = "" if condition in ("", "TRUE") else condition
        held = rules.get((left, right, explode))
        if held is not None:
            # Unfiltered on either side, every pair sharing the keys is compared.
            found = f"({held.filter}) OR ({found})" if held.filter and found else ""
            number = held.number
        rules[(left, right, explode)] = KeyRule(number, left, right, explode, found)
    return list(rules.values())


def _key_select(table: str, rule: KeyRule, expressions: tuple[str, ...], tag: str) -> str:
    """SELECT key, unique_id: the rule's expressions over `table`, NULL when any part is."""
    source = table
    if rule.explode:
        replaced = ", ".join(f"unnest({column}) AS {column}" for column in rule.explode)
        source = f"(SELECT * REPLACE ({replaced}) FROM {table})"
    parts = [f"CAST({expression} AS VARCHAR)" for expression in expressions]
    present = " AND ".join(f"{part} IS NOT NULL" for part in parts)
    key = f"'{rule.number}{tag}|' || concat_ws('|', {', '.join(parts)})"
    return f"SELECT {key} AS key, unique_id FROM {source} WHERE {present}"


def stored_keys_sql(table: str, rules: Sequence[KeyRule]) -> str:
    """Every key a record is found by: its left and right forms (one form when symmetric)."""
    selects = []
    for rule in rules:
        if rule.symmetric:
            selects.append(_key_select(table, rule, rule.left, "S"))
        else:
            selects.append(_key_select(table, rule, rule.left, "L"))
            selects.append(_key_select(table, rule, rule.right, "R"))
    return " UNION ALL ".join(selects)


_PROBE_TAG = {"S": "S", "L": "R", "R": "L"}


def probe_key(stored_key: str) -> str:
    """The key a record looks for, from one it is stored under: a left form meets stored right
    forms and vice versa (`3L|…` → `3R|…`); a symmetric rule's key meets itself."""
    tag, value = stored_key.split("|", 1)
    return f"{tag[:-1]}{_PROBE_TAG[tag[-1]]}|{value}"


class PersonIndex:
    """An open person index: the database `idx` attached to an in-memory DuckDB, a private copy
    of the index file."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        stored: StoredModel,
        run_id: int,
        scorer: Scorer,
        working: tempfile.TemporaryDirectory[str],
        conflict_bound: float,
    ) -> None:
        self.con = con
        self.working = working  # the private copy of the file `idx` is, removed on close
        self.model = stored.model
        self.model_version = stored.version
        self.conflict = person_model.conflict(stored.model, conflict_bound)
        self.forename_level = person_model.level_sql(stored.model, "forename")
        self.run_id = run_id
        self.rules = key_rules(stored.model)
        self.scorer = scorer
        self.filters = {rule.number: rule.filter for rule in self.rules if rule.filter}
        self.arriving_keys: list[tuple[str, int]] = []
        self.replacing: dict[MemberKey, str] = {}  # `add`: arrivals placed before, by entity
        # Source records of people placed since the batch run the index was built from: those
        # caught up with, and those this process placed (`ArrivalsReport.since_batch`).
        self.since_batch: set[int] = set()
        # Statements run for every arrival are planned once: Splink's scoring SQL is long.
        con.execute("CREATE TEMP TABLE arriving AS FROM idx.people LIMIT 0")
        con.execute("CREATE TEMP TABLE involved AS FROM idx.people LIMIT 0")
        con.execute("CREATE TEMP TABLE pairs (join_key_l BIGINT, join_key_r BIGINT)")
        con.execute(f"PREPARE arriving_keys AS {stored_keys_sql('arriving', self.rules)}")
        # A value the batch never saw is as rare as the rarest it did.
        self.rarest = {
            column: float(
                con.sql(f"SELECT coalesce(min(tf_{column}), 1) FROM idx.tf_{column}").fetchall()[0][
                    0
                ]
            )
            for column in self.scorer.tf_columns
        }

    def close(self) -> None:
        # Detached first, so that closing writes no checkpoint (`open_index`); a connection a
        # failure left unusable is closed all the same.
        with contextlib.suppress(duckdb.Error):
            self.con.execute("DETACH idx")
        self.con.close()
        self.working.cleanup()

    def edges(
        self, threshold: float
    ) -> list[tuple[int, int, float, float, str | None, str | None]]:
        """The scored pairs of `pairs` clustering needs, strongest first: those at or above
        `threshold`, and of those between two nodes (an entity, or an arrival no entity holds)
        only the strongest. Each is (left, right, weight, probability, their entities)."""
        scored = (
            "SELECT s.unique_id_l, s.unique_id_r, s.match_weight, s.match_probability, "
            "l.entity_id AS entity_l, r.entity_id AS entity_r, "
            "coalesce(l.entity_id, s.unique_id_l::VARCHAR) AS node_l, "
            "coalesce(r.entity_id, s.unique_id_r::VARCHAR) AS node_r "
            f"FROM ({self.scorer.query('pairs', 'involved', 'involved')}) s "
            "JOIN involved l ON l.unique_id = s.unique_id_l "
            "JOIN involved r ON r.unique_id = s.unique_id_r"
        )
        return self.con.execute(
            f"""
            SELECT unique_id_l, unique_id_r, match_weight, match_probability, entity_l, entity_r
            FROM ({scored}) WHERE match_probability >= ? AND node_l <> node_r
            QUALIFY row_number() OVER (
                PARTITION BY least(node_l, node_r), greatest(node_l, node_r)
                ORDER BY match_weight DESC, unique_id_l, unique_id_r
            ) = 1
            ORDER BY match_weight DESC, unique_id_l, unique_id_r
            """,
            [threshold],
        ).fetchall()

    def catch_up(self, engine: Engine) -> None:
        """Take in what incremental runs placed after the batch run the index was built from,
        and the rows as they are now of the records placed anew since (`replaced_rows`: a
        record that stayed where it was, or whose new version dropped a row)."""
        with engine.connect() as conn:
            later = members_since(conn, "person", self.run_id)
            replaced = replaced_rows.placed_since_batch(conn)
        record_ids = sorted({key[0] for key in later} | set(replaced))
        if not record_ids:
            return
        self.since_batch.update(record_ids)
        self.add(engine, record_ids, placed="index")
        with engine.connect() as conn:
            duck.reassign(self.con, ("idx.people",), placed_in(conn, "person", record_ids))

    def add(
        self, engine: Engine, record_ids: Sequence[int], *, placed: Placed = "skip"
    ) -> list[int]:
        """Index these source records' person rows, unplaced; they form the temp table
        `arriving`. Returns their unique ids.

        Rows an entity already holds are left out (`skip`: `link --incremental` places what
        no entity holds); indexed, for the caller to give their entities (`index`: catching up
        with placements since the batch run); or placed anew (`anew`: an ingest hands on new
        and changed records, and a changed record is placed as a batch run would place it,
        from the entity it was in, `replacing`; a row the new version no longer has leaves
        its entity). The records' rows indexed before go first, but for `skip` only those
        indexed again: a changed version's rows have new ids, and the rest are placed.
        """
        con = self.con
        self.replacing = {}
        loaded = load_people(con, engine, record_ids)
        if placed == "anew" or (placed == "skip" and loaded):
            with engine.connect() as conn:
                held = placed_in(conn, "person", record_ids)
            if placed == "anew":
                self.replacing = held
            elif held:
                con.register("_held", duck.placement_table(held))
                con.execute(
                    "DELETE FROM people WHERE (record_id, source_key) IN "
                    "(SELECT record_id, source_key FROM _held)"
                )
                con.unregister("_held")
        if not loaded and placed == "skip":
            return []
        # The keys of a row indexed again under its own id stay (deleting from the key table
        # reads all of it: at 1M, 2.8 s of a chunk of 20,000 held-out records' 17 s); those of
        # an earlier version's rows (other ids) and of dropped rows go.
        con.register("_records", pa.table({"record_id": pa.array(record_ids, pa.int64())}))
        indexed = con.sql(
            "SELECT i.unique_id, p.unique_id IS NULL AS stale FROM idx.people i "
            "LEFT JOIN people p USING (unique_id) WHERE "
            + (
                "(i.record_id, i.source_key) IN (SELECT record_id, source_key FROM people)"
                if placed == "skip"
                else "i.record_id IN (SELECT record_id FROM _records)"
            )
        ).fetchall()
        con.unregister("_records")
        for table, ids in (
            ("idx.people", [uid for uid, _stale in indexed]),
            ("idx.keys", [uid for uid, stale in indexed if stale]),
        ):
            if ids:
                con.register("_indexed", pa.table({"unique_id": pa.array(ids, pa.int64())}))
                con.execute(f"DELETE FROM {table} WHERE unique_id IN (FROM _indexed)")
                con.unregister("_indexed")
        keyed = {uid for uid, stale in indexed if not stale}
        tf = ", ".join(
            f"coalesce(t_{c}.tf_{c}, {self.rarest[c]!r}) AS tf_{c}" for c in self.scorer.tf_columns
        )
        joins = " ".join(
            f"LEFT JOIN idx.tf_{c} t_{c} ON t_{c}.{c} = p.{c}" for c in self.scorer.tf_columns
        )
        con.execute("DELETE FROM arriving")
        con.execute(
            f"INSERT INTO arriving BY NAME SELECT p.*, {tf}, NULL::VARCHAR AS entity_id "
            f"FROM people p {joins}"
        )
        arrived = con.sql("SELECT unique_id, record_id FROM arriving").fetchall()
        ids = [uid for uid, _record in arrived]
        if placed != "index":
            self.since_batch.update(record for _uid, record in arrived)
        self.arriving_keys = []
        if ids:
            con.execute("INSERT INTO idx.people BY NAME SELECT * FROM arriving")
            self.arriving_keys = con.execute("EXECUTE arriving_keys").fetchall()
            new_keys = [(key, uid) for key, uid in self.arriving_keys if uid not in keyed]
            con.register(
                "_keys",
                pa.table(
                    {
                        "key": pa.array([key for key, _ in new_keys], pa.string()),
                        "unique_id": pa.array([uid for _, uid in new_keys], pa.int64()),
                    }
                ),
            )
            con.execute("INSERT INTO idx.keys FROM _keys")
            con.unregister("_keys")
        return ids

    def person_records(self) -> int:
        """How many source records the index holds people of."""
        (count,) = self.con.sql("SELECT count(DISTINCT record_id) FROM idx.people").fetchall()[0]
        return int(count)

    def drop_lookup_indexes(self) -> None:
        """Drop the ART indexes from this process's copy of the index, for a process that only
        places chunks (an ingest's). They serve point lookups — a few arrivals' keys, a merge's
        update by entity, the duplicate check — and every chunk's inserts, deletes and updates
        maintain them, while a chunk meets the index by hash joins. At 1M, a linked ingest of
        bench/incremental.py's delta took medians of 49.1 and 49.8 s without them against 53.1 s
        (docs/linkage.md); without them a lookup reads the whole table (tenths of a second)."""
        for name, _table, _column in _INDEXES:
            self.con.execute(f"DROP INDEX idx.{name}")

    def candidate_pairs(self, arrivals: Sequence[int]) -> None:
        """Pairs (join_key_l < join_key_r) of arrivals with any indexed record a blocking rule
        would have compared, in the temp table `pairs`; the records involved in `involved`.

        A few arrivals' keys are looked up one by one in the key index and only the records
        found are read, so the work grows with the candidates, not with the index. A chunk's
        keys are joined to the key table inside DuckDB, in one pass: the records they find
        (millions, for common names) never travel through Python.
        """
        con = self.con
        probes = [(probe_key(key), uid) for key, uid in self.arriving_keys]
        keys = sorted({key for key, _ in probes})
        few = len(arrivals) <= _POINT_LOOKUPS and len(keys) <= _POINT_LOOKUPS
        found = self.lookup_keys(keys) if few else []
        con.register(
            "_probes",
            pa.table(
                {
                    "key": pa.array([key for key, _ in probes], pa.string()),
                    "unique_id": pa.array([uid for _, uid in probes], pa.int64()),
                }
            ),
        )
        con.register(
            "_found",
            pa.table(
                {
                    "key": pa.array([key for key, _ in found], pa.string()),
                    "unique_id": pa.array([uid for _, uid in found], pa.int64()),
                }
            ),
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _pairs AS SELECT "
            "least(p.unique_id, f.unique_id) AS l, greatest(p.unique_id, f.unique_id) AS r, "
            "CAST(left(split_part(p.key, '|', 1), -1) AS INTEGER) AS rule "
            f"FROM _probes p JOIN {'_found' if few else 'idx.keys'} f "
            "ON f.key = p.key AND f.unique_id <> p.unique_id"
        )
        con.unregister("_probes")
        con.unregister("_found")
        con.execute("DELETE FROM involved")
        ids = (
            "SELECT l FROM _pairs UNION SELECT r FROM _pairs "
            f"UNION SELECT unnest([{_literal(arrivals)}])"
        )
        if few and len(found) <= _POINT_LOOKUPS:
            involved = [uid for (uid,) in con.sql(ids).fetchall()]
            con.execute(
                f"INSERT INTO involved FROM idx.people WHERE unique_id IN ({_literal(involved)})"
            )
        else:
            con.execute(
                "INSERT INTO involved FROM idx.people "
                f"SEMI JOIN ({ids}) i(unique_id) USING (unique_id)"
            )
        filters = " ".join(
            f"WHEN {number} THEN ({condition})" for number, condition in self.filters.items()
        )
        keep = f"CASE p.rule {filters} ELSE true END" if filters else "true"
        con.execute("DELETE FROM pairs")
        con.execute(
            f"""
            INSERT INTO pairs
            SELECT DISTINCT p.l AS join_key_l, p.r AS join_key_r
            FROM _pairs p JOIN involved l ON l.unique_id = p.l JOIN involved r ON r.unique_id = p.r
            WHERE {keep}
            """
        )

    def lookup_keys(self, keys: Sequence[str]) -> list[tuple[str, int]]:
        """(key, unique id) of every indexed record stored under one of a few `keys`, each
        looked up in the key index."""
        if not keys:
            return []
        placeholders = ", ".join("?" * len(keys))
        return self.con.execute(
            f"SELECT key, unique_id FROM idx.keys WHERE key IN ({placeholders})", list(keys)
        ).fetchall()


def _literal(ids: Sequence[int]) -> str:
    """Integer ids as an SQL list (literals, so DuckDB looks them up in the ART index)."""
    return ", ".join(str(int(uid)) for uid in ids) or "NULL"


def index_path(settings: Settings) -> Path:
    return settings.data_dir / INDEX_FILE


def open_index(engine: Engine, settings: Settings) -> PersonIndex | None:
    """The person index, warm; None when no batch run has placed people yet.

    The file holds the index as the last batch run left it and is written once per batch run
    and model (`save_index`); each process works in a copy of it (building it first when
    missing or older), removed on `close`, and catches up with what incremental runs placed
    since, from the store.
    """
    loaded = _loaded(engine, settings)
    if loaded is None:
        return None
    con, stored, run_id, scorer = loaded
    working = tempfile.TemporaryDirectory(prefix="polestar-person-index-")
    try:
        # The saved file's tables and indexes, read and written in a private copy.
        con.execute("DROP SCHEMA idx CASCADE")
        copy = Path(working.name) / INDEX_FILE.name
        shutil.copyfile(index_path(settings), copy)
        con.execute(f"ATTACH '{copy}' AS idx")
        # The copy is deleted on close, so writing its tables back (a checkpoint) is mostly
        # wasted: DuckDB writes one whenever the WAL passes 16 MiB, when a statement writes
        # enough to skip the WAL, and on detach. At 1M one took 0.9 s of a chunk of 20,000
        # records. Once the WAL passes 1 GiB it still writes one, so that what a long ingest
        # adds is not all held in memory until the end.
        con.execute("SET checkpoint_threshold = '1GiB'")
        con.execute(f"SET auto_checkpoint_skip_wal_threshold = {2**62}")
        con.execute("SET checkpoint_on_detach = 'DISABLED'")
        # A common key (a shared phone, a busy postcode) finds thousands of records; past
        # DuckDB's default threshold (2,048 rows) a lookup would scan the whole key table.
        con.execute(f"SET index_scan_max_count = {_INDEX_SCAN_ROWS}")
        index = PersonIndex(con, stored, run_id, scorer, working, settings.link_conflict_bound)
    except BaseException:
        con.close()
        working.cleanup()
        raise
    index.catch_up(engine)
    return index


def save_index(engine: Engine, settings: Settings) -> None:
    """Write the index file for the last batch run unless it is written already: a batch run
    calls it, so the first ingest after it loads the index rather than building it."""
    loaded = _loaded(engine, settings)
    if loaded is not None:
        loaded[0].close()


def _loaded(
    engine: Engine, settings: Settings
) -> tuple[duckdb.DuckDBPyConnection, StoredModel, int, Scorer] | None:
    """A DuckDB with the index file current for the last batch run (built and saved when it is
    missing or older, in the schema `idx`, else an empty `idx`), with the model and its compiled
    scorer (compiled once: Splink generates its SQL); None before any batch run has placed
    people."""
    with engine.connect() as conn:
        stored = latest_model(conn, "person")
        run_id = last_completed_run(conn, "link")
    if stored is None or run_id is None:
        return None
    path = index_path(settings)
    meta = {"run_id": str(run_id), "model_version": str(stored.version), "layout": _LAYOUT}
    scorer = compile_scorer(stored.model)
    tf_columns = scorer.tf_columns
    tables = ("people", "keys", *(f"tf_{column}" for column in tf_columns), *keyed.KEY_TABLES)
    con = duck.connect(settings)
    try:
        con.execute("CREATE SCHEMA idx")
        if _saved_meta(con, path) != meta:
            _build(con, engine, stored, tf_columns)
            _save(con, path, tables, meta)
    except BaseException:
        con.close()
        raise
    return con, stored, run_id, scorer


def _saved_meta(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    con.execute(f"ATTACH '{path}' AS saved (READ_ONLY)")
    try:
        return dict(con.sql("SELECT name, value FROM saved.meta").fetchall())
    except duckdb.Error:
        return {}
    finally:
        con.execute("DETACH saved")


def _save(
    con: duckdb.DuckDBPyConnection, path: Path, tables: Sequence[str], meta: dict[str, str]
) -> None:
    """Write the index, with its ART indexes, to a new file and put it in place at once
    (readers never see half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    con.execute(f"ATTACH '{partial}' AS saved")
    for table in tables:
        con.execute(f"CREATE TABLE saved.{table} AS FROM idx.{table}")
    for name, table, column in _INDEXES:
        con.execute(f"CREATE INDEX {name} ON saved.{table} ({column})")
    con.execute("CREATE TABLE saved.meta (name VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO saved.meta VALUES (?, ?)", list(meta.items()))
    con.execute("DETACH saved")
    partial.replace(path)


def _build(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    stored: StoredModel,
    tf_columns: Sequence[str],
) -> None:
    """The index from the store, in `idx`: every current person record with its entity, their
    blocking keys, and the vehicles' and locations' keys (`keyed.build_keys`)."""
    logger.info("building the person index")
    load_people(con, engine)
    with engine.connect() as conn:
        placed = current_members(conn, "person")
    con.register("_placed", duck.placement_table(placed))
    for column in tf_columns:
        con.execute(
            f"CREATE TABLE idx.tf_{column} AS SELECT {column}, count(*) / "
            f"(SELECT count({column}) FROM people) AS tf_{column} FROM people "
            f"WHERE {column} IS NOT NULL GROUP BY {column}"
        )
    tf = ", ".join(f"t_{c}.tf_{c}" for c in tf_columns)
    joins = " ".join(f"LEFT JOIN idx.tf_{c} t_{c} ON t_{c}.{c} = p.{c}" for c in tf_columns)
    con.execute(
        f"CREATE TABLE idx.people AS SELECT p.*, {tf}, m.entity_id FROM people p {joins} "
        "LEFT JOIN _placed m USING (record_id, source_key)"
    )
    con.unregister("_placed")
    rules = key_rules(stored.model)
    con.execute(
        f"CREATE TABLE idx.keys AS SELECT * FROM ({stored_keys_sql('idx.people', rules)}) "
        "ORDER BY key"
    )
    for kind in keyed.KINDS:
        keyed.build_keys(con, engine, kind)
