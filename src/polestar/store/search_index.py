"""The search index table, and the scoped reads search builds its results from.

`search_keys` holds, for every placed person, vehicle and location row, the keys search looks
up (`search.keys`) with the record and the entity that holds it now; the keys of records that
arrived since the last full build are in `search_keys_recent`, read beside it. Looking keys up
gives candidate entities only; every value a result shows — and whether it is shown at all —
comes from `entity_rows`, which applies the viewer's scope in SQL (`visible.visible_rows`).
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Join

from polestar.pole.identifiers import PERSON_REFERENCES
from polestar.pole.names import full_name
from polestar.pole.vocabularies import Kind
from polestar.store.bulk import chunks
from polestar.store.scope import Scope
from polestar.store.tables import (
    entity_changes,
    entity_members,
    events,
    indexed_records,
    links,
    locations,
    objects,
    persons,
    search_index_version,
    search_key_tables,
    search_keys,
    search_keys_recent,
    search_keys_recent_records,
    source_records,
)
from polestar.store.visible import (
    VisibleRow,
    grant_clause,
    marked,
    visible_clause,
    visible_in_shown_records,
    visible_rows,
)

_BATCH = 20_000
# Arrivals' keys are merged into the large table once they number this share of it: each
# merge rewrites most of its pages, so that cost is paid once per this much growth. At 1M
# people a linked ingest took no longer with 2.5 million keys already in the small table than
# with none (bench/incremental.py's delta in halves), so it may grow this far; a quarter keeps
# the merge one ingest pays for within a minute there.
MERGE_SHARE = 0.25
_CHUNK = 2_000
# Keys' rows read again that cost about what one probe of the `(key, entity_id)` index does
# (`_chosen_hits`). At 1M people a probe read about 4 pages and a row read again at most 2
# (EXPLAIN's buffers); kept at 1, as measured.
ROWS_PER_PROBE = 1
# Source records per source system read to rank one candidate entity.
PER_SOURCE = 2
# Its next best records per source system, read only when the viewer may not see some of those
# (`candidate_rows`): a partner sees some of a source's records (CPS the crime records naming a
# suspect), and a person's best two were often others (the CPS found nobody for `June
# Ruiz-Myers` though it may see her record of that name).
FURTHER_PER_SOURCE = 8
# The entity kinds search finds, with the typed table and the columns their keys come from.
_SOURCES: dict[str, tuple[Kind, sa.Table, tuple[str, ...]]] = {
    "person": (
        Kind.PERSON,
        persons,
        ("forename", "middle_names", "surname", "aliases", "dob", *PERSON_REFERENCES),
    ),
    "vehicle": (Kind.OBJECT, objects, ("vrm", "make", "model", "colour")),
    "location": (Kind.LOCATION, locations, ("lines", "town", "postcode", "description")),
}


@dataclass(frozen=True)
class Placed:
    """A placed typed row, as the index builder reads it."""

    kind: str
    entity_id: str
    record_id: int
    values: dict[str, Any]


def _placed_query(kind: str, where: sa.ColumnElement[bool] | None = None) -> sa.Select[Any]:
    _, row, columns = _SOURCES[kind]
    conditions = [
        entity_members.c.kind == kind,
        entity_members.c.record_id == row.c.record_id,
        entity_members.c.source_key == row.c.source_key,
    ]
    if kind == "vehicle":
        conditions.append(row.c.object_type == "vehicle")
    if where is not None:
        conditions.append(where)
    selected: list[sa.ColumnElement[Any]] = [row.c[c] for c in columns]
    if kind == "person":
        selected.append(_towns_lived_in(row))
    return sa.select(entity_members.c.entity_id, row.c.record_id, *selected).where(*conditions)


def _towns_lived_in(person: sa.Table) -> sa.Label[Any]:
    """`towns`: the towns of the addresses a person row is linked to in its own record, one
    per line (for the `l` keys, `keys.lives_key`), as `_living` reads a person's addresses."""
    link, place = links.alias("lived"), locations.alias("lived_at")
    return (
        sa.select(sa.func.aggregate_strings(place.c.town, "\n"))
        .select_from(link)
        .join(
            place,
            sa.and_(place.c.record_id == link.c.record_id, place.c.source_key == link.c.to_key),
        )
        .where(
            link.c.record_id == person.c.record_id,
            link.c.from_kind == Kind.PERSON.value,
            link.c.from_key == person.c.source_key,
            link.c.to_kind == Kind.LOCATION.value,
            place.c.town.is_not(None),
        )
        .scalar_subquery()
        .label("towns")
    )


def _placed(conn: Connection, query: sa.Select[Any], kind: str) -> Iterator[Placed]:
    result = conn.execute(query)
    names = list(result.keys())[2:]  # after entity_id and record_id (`_placed_query`)
    # Zipped with the names once read, not through row mappings: an ingest's batch of
    # arrivals is a hundred thousand rows, and each mapping's keys cost more than its values.
    for entity_id, record_id, *values in result:
        yield Placed(kind, entity_id, record_id, dict(zip(names, values, strict=True)))


def all_placed(conn: Connection) -> Iterator[Placed]:
    """Every placed person, vehicle and location row, streamed."""
    for kind in _SOURCES:
        query = _placed_query(kind).execution_options(stream_results=True, yield_per=_BATCH)
        yield from _placed(conn, query, kind)


@dataclass(frozen=True)
class Arrived:
    """What re-indexing a set of source records must write and drop."""

    rows: list[Placed]  # their placed rows, and every row of an entity that absorbed another
    entities: set[str]  # entities whose keys are rewritten whole: the absorbing and absorbed
    records: set[int]  # the records of those entities, where their keys are found


def arrived(conn: Connection, record_ids: Sequence[int]) -> Arrived:
    """The placed rows of these source records. An arrival that merged entities leaves the
    absorbed ones' rows indexed under retired ids: the entities that absorbed them (found
    through `entity_changes`, while the index still holds a retired id) are re-read whole."""
    rows: list[Placed] = []
    rewritten: set[str] = set()
    records: set[int] = set()
    ids = set(record_ids)
    current: dict[str, str] = {}  # entity → kind
    for kind in _SOURCES:
        for chunk in chunks(sorted(ids), _CHUNK):
            query = _placed_query(kind, entity_members.c.record_id.in_(chunk))
            found = list(_placed(conn, query, kind))
            rows += found
            current.update((row.entity_id, kind) for row in found)
    for entity_id, absorbed in _absorbed(conn, set(current)).items():
        if not _still_indexed(conn, entity_id, absorbed):
            continue
        kind = current[entity_id]
        query = _placed_query(kind, entity_members.c.entity_id == entity_id)
        whole = list(_placed(conn, query, kind))
        rows += (row for row in whole if row.record_id not in ids)
        records |= {row.record_id for row in whole}
        rewritten |= {entity_id, *absorbed}
    return Arrived(rows, rewritten, records)


def _absorbed(conn: Connection, entity_ids: set[str]) -> dict[str, set[str]]:
    """For each of these entities that absorbed others, every retired id merged into it,
    directly or through others."""
    merged_into: dict[str, set[str]] = defaultdict(set)
    for old, new in conn.execute(
        sa.select(entity_changes.c.old_id, entity_changes.c.new_id).where(
            entity_changes.c.reason == "merged"
        )
    ):
        merged_into[new].add(old)
    found: dict[str, set[str]] = {}
    for entity_id in entity_ids & merged_into.keys():
        absorbed: set[str] = set()
        frontier = merged_into[entity_id]
        while frontier:
            absorbed |= frontier
            frontier = {o for new in frontier for o in merged_into.get(new, ())} - absorbed
        found[entity_id] = absorbed
    return found


def _still_indexed(conn: Connection, entity_id: str, absorbed: set[str]) -> bool:
    """Whether any record of the entity is still indexed under one of the absorbed ids."""
    records = sa.select(entity_members.c.record_id).where(entity_members.c.entity_id == entity_id)
    return any(
        conn.execute(
            sa.select(table.c.record_id)
            .where(table.c.record_id.in_(records), table.c.entity_id.in_(absorbed))
            .limit(1)
        ).first()
        is not None
        for table in indexed_records
    )


def stale_record_ids(conn: Connection) -> list[int]:
    """Source records with a placed row the index does not hold under its current entity."""
    # Selecting a column the index holds, not `*`, so SQLite reads the index alone.
    indexed = [
        sa.select(key.c.record_id)
        .where(
            key.c.record_id == entity_members.c.record_id,
            key.c.entity_id == entity_members.c.entity_id,
        )
        .exists()
        for key in (table.alias() for table in indexed_records)
    ]
    query = (
        sa.select(entity_members.c.record_id)
        .where(entity_members.c.kind.in_(list(_SOURCES)), sa.not_(sa.or_(*indexed)))
        .distinct()
    )
    return sorted(conn.execute(query).scalars())


def placed_record_count(conn: Connection) -> int:
    """How many source records have a placed row of a kind the index holds (`_SOURCES`)."""
    query = sa.select(sa.func.count(sa.distinct(entity_members.c.record_id))).where(
        entity_members.c.kind.in_(list(_SOURCES))
    )
    return int(conn.execute(query).scalar_one())


def _one_of(
    conn: Connection, column: sa.ColumnElement[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """`column IN values`, on PostgreSQL as `= ANY(array)`: one parameter however many values,
    so the statement's text repeats and psycopg prepares it after a few runs instead of the
    server planning it anew. A partner's reads of rows, with their visibility clauses, run to
    15,000 characters; at 1M people planning them took 5 ms of each search."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=sa.ARRAY(column.type)))
    return column.in_(values)


def _write(conn: Connection, table: sa.TableClause, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert rows of `table`'s columns in batches; returns how many.

    A full rebuild writes millions of rows, so each batch goes to the driver as plain tuples
    (PostgreSQL: COPY) rather than through per-row statement compilation.
    """
    names = [column.name for column in table.columns]
    insert = str(table.insert().compile(dialect=conn.dialect))
    written = 0
    for batch in chunks(rows, _BATCH):
        if conn.dialect.name == "postgresql":
            raw: Any = conn.connection.driver_connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in batch:
                    copy.write_row(row)
        else:
            conn.exec_driver_sql(insert, batch)
        written += len(batch)
    return written


def _temporary(name: str, columns: Iterable[sa.Column[Any]]) -> sa.Table:
    """A temporary table of these columns' names and types, kept across transactions (its
    user empties it before filling it, `_empty`). No key: rows are appended, in the order
    written, which a copy then reads them in."""
    return sa.Table(
        name,
        sa.MetaData(),
        *(sa.Column(column.name, column.type) for column in columns),
        prefixes=["TEMPORARY"],
    )


def _empty(conn: Connection, table: sa.Table) -> None:
    """Empty a table of this connection's own: on PostgreSQL by TRUNCATE, as deleted rows of a
    temporary table stay in its file until a VACUUM that autovacuum never runs on it."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"TRUNCATE {table.name}"))
    else:
        conn.execute(table.delete())


def _expanded(conn: Connection, lists: sa.Table) -> sa.Select[Any]:
    """(key, entity_id, record_id) of every key the staged lists hold, expanded by the
    database (SQLite's `json_each`, PostgreSQL's `json_array_elements_text`)."""
    if conn.dialect.name == "postgresql":
        listed = sa.func.json_array_elements_text(sa.cast(lists.c["keys"], sa.JSON))
    else:
        listed = sa.func.json_each(lists.c["keys"])
    key = listed.table_valued("value")
    return (
        sa.select(key.c.value, lists.c.entity_id, lists.c.record_id)
        .select_from(lists)
        .join(key, sa.true())
    )


def _insert_new(conn: Connection, table: sa.Table, query: sa.Select[Any]) -> None:
    """Insert `query`'s rows into `table`, leaving a row already there as it is: on PostgreSQL,
    whose writers do not queue, an ingest's indexing process and a reviewer's merge may refresh
    one record at once and write the same rows."""
    names = [column.name for column in table.columns]
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql_insert(table).from_select(names, query).on_conflict_do_nothing())
    else:
        conn.execute(table.insert().prefix_with("OR IGNORE").from_select(names, query))


@dataclass(frozen=True)
class KeyLists:
    """Arrivals' keys made ready to write: a row of `search_keys_recent_records` per (record,
    entity), listing its keys as a JSON array, from which the database writes the key rows
    itself. Handed to the driver one key row at a time, sorted in Python, they held SQLite's
    writer about twice as long (docs/search.md)."""

    rows: list[tuple[int, str, str]]
    keys: int


def key_lists(keyed: Mapping[tuple[int, str], Collection[str]]) -> KeyLists:
    """The keys of each (record_id, entity_id), ready for `stage_recent`: made before the
    transaction, so SQLite's one writer is held only to write."""
    rows: list[tuple[int, str, str]] = []
    count = 0
    for (record_id, entity_id), keys in keyed.items():
        if keys:
            rows.append((record_id, entity_id, json.dumps(list(keys))))
            count += len(keys)
    return KeyLists(rows, count)


@dataclass(frozen=True)
class StagedKeys:
    """Arrivals' keys in temporary tables of this connection (`stage_recent`): the lists, and
    their key rows in key order."""

    lists: sa.Table
    rows: sa.Table
    keys: int


def stage_recent(conn: Connection, lists: KeyLists) -> StagedKeys:
    """Stage arrivals' keys for `write_recent` in temporary tables, expanded and sorted by the
    database. Done and committed before the transaction that writes them: a temporary table is
    the connection's own, so on SQLite the store's one writer is not held while the keys are
    expanded and sorted (most of the writing transaction's time: docs/search.md)."""
    staged = StagedKeys(
        _temporary("_incoming_key_lists", search_keys_recent_records.columns),
        _temporary("_incoming_keys", search_keys_recent.columns),
        lists.keys,
    )
    for table in (staged.lists, staged.rows):
        conn.execute(sa.schema.CreateTable(table, if_not_exists=True))
        _empty(conn, table)  # what a failed write left
    _write(conn, staged.lists, lists.rows)
    expanded = _expanded(conn, staged.lists)
    conn.execute(
        staged.rows.insert().from_select(
            [column.name for column in staged.rows.columns],
            expanded.order_by(*expanded.selected_columns),
        )
    )
    return staged


def write_keys(conn: Connection, rows: Iterable[tuple[str, str, int]]) -> int:
    """Insert a full build's (key, entity_id, record_id) rows; returns how many. (Expanded by
    the database from lists, as arrivals' keys are, the 55.8 million of a 1M county took as
    long to write on SQLite, 126 s against 127 s: writing the table's pages costs the time.)"""
    return _write(conn, search_keys, rows)


def write_recent(conn: Connection, staged: StagedKeys) -> int:
    """Insert the staged arrivals' keys, with the rows naming them for deletion, and empty the
    staging tables; returns how many keys, any already there included. Each in its primary
    key's order, so its B-tree is written page after page, not at random: the keys as staged
    (sorted then, outside this transaction), the few lists sorted here."""
    lists = sa.select(staged.lists).order_by(staged.lists.c.record_id, staged.lists.c.entity_id)
    _insert_new(conn, search_keys_recent_records, lists)
    _insert_new(conn, search_keys_recent, sa.select(staged.rows))
    for table in (staged.lists, staged.rows):
        _empty(conn, table)
    return staged.keys


def _delete_recent(conn: Connection, where: sa.ColumnElement[bool]) -> int:
    """Drop the recent keys of the (record, entity) rows `where` picks of
    `search_keys_recent_records`, and those rows; returns how many keys."""
    named = conn.execute(
        sa.select(
            search_keys_recent_records.c.record_id,
            search_keys_recent_records.c.entity_id,
            search_keys_recent_records.c["keys"],
        ).where(where)
    ).all()
    if not named:
        return 0
    keys = [
        {"key": key, "entity_id": entity_id, "record_id": record_id}
        for record_id, entity_id, text in named
        for key in json.loads(text)
    ]
    recent = search_keys_recent.c
    conn.execute(
        search_keys_recent.delete().where(
            recent.key == sa.bindparam("key"),
            recent.entity_id == sa.bindparam("entity_id"),
            recent.record_id == sa.bindparam("record_id"),
        ),
        keys,
    )
    conn.execute(search_keys_recent_records.delete().where(where))
    return len(keys)


def delete_record_keys(conn: Connection, record_ids: Iterable[int]) -> int:
    """Drop every key of these source records, built or recent; returns how many."""
    deleted = 0
    for chunk in chunks(sorted(set(record_ids)), _CHUNK):
        result = conn.execute(search_keys.delete().where(search_keys.c.record_id.in_(chunk)))
        deleted += result.rowcount
        deleted += _delete_recent(conn, search_keys_recent_records.c.record_id.in_(chunk))
    return deleted


def delete_keys(conn: Connection, record_ids: Iterable[int], arrived: Arrived) -> None:
    """Drop every key of these source records, and the keys of `arrived`'s rewritten entities
    (found through their records' index, never by scanning the table)."""
    delete_record_keys(conn, record_ids)
    entities = sorted(arrived.entities)
    for chunk in chunks(sorted(arrived.records), _CHUNK):
        conn.execute(
            search_keys.delete().where(
                search_keys.c.record_id.in_(chunk), search_keys.c.entity_id.in_(entities)
            )
        )
        _delete_recent(
            conn,
            sa.and_(
                search_keys_recent_records.c.record_id.in_(chunk),
                search_keys_recent_records.c.entity_id.in_(entities),
            ),
        )


# Every table of the index.
_KEY_TABLES = (*search_key_tables, search_keys_recent_records)


def clear(conn: Connection) -> None:
    """Drop the large table's B-trees and empty the index, so a full rebuild inserts without
    maintaining them (`restore_indexes` builds them once, sorted, at the end). Dropped first,
    they are not emptied page by page with the table (at 1M people on SQLite 21 s against 26).

    On PostgreSQL by TRUNCATE: a DELETE would leave the fifty million old rows of a 1M county
    as dead tuples beside the new ones, doubling the table until a vacuum had crawled through
    both (the B-trees' drop already locks searches out until the rebuild commits)."""
    for index in search_keys.indexes:
        index.drop(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"TRUNCATE {', '.join(t.name for t in _KEY_TABLES)}"))
    else:
        for table in _KEY_TABLES:
            conn.execute(table.delete())


# Tables a search reads; PostgreSQL plans them well only with statistics, which a bulk load
# followed at once by searches (ingest, link, serve) has not had time to gather.
_READ = ("search_keys", "entity_members", "persons", "objects", "locations", "events", "links")


def recent_due(conn: Connection) -> bool:
    """Whether the arrivals' keys have grown to `MERGE_SHARE` of the large table's (its size
    estimated from the highest row id or the planner's count: exactness does not matter)."""
    recent = conn.execute(sa.select(sa.func.count()).select_from(search_keys_recent)).scalar_one()
    if not recent:
        return False
    if conn.dialect.name == "postgresql":
        estimate = sa.text(
            "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'search_keys'::regclass"
        )
    else:
        estimate = sa.text("SELECT coalesce(max(rowid), 0) FROM search_keys")
    return recent >= MERGE_SHARE * float(conn.execute(estimate).scalar_one())


def merge_recent(conn: Connection) -> None:
    """Move the arrivals' keys into the large table, in key order so its B-tree is written page
    after page."""
    columns = [
        search_keys_recent.c.key,
        search_keys_recent.c.entity_id,
        search_keys_recent.c.record_id,
    ]
    conn.execute(
        search_keys.insert().from_select(
            ["key", "entity_id", "record_id"], sa.select(*columns).order_by(*columns)
        )
    )
    conn.execute(search_keys_recent.delete())
    conn.execute(search_keys_recent_records.delete())


def keys_version(conn: Connection) -> int:
    """The version of the keys the index was last built with (`search.keys.KEYS_VERSION`);
    0 where none is recorded, which no build writes."""
    query = sa.select(sa.func.max(search_index_version.c.keys_version))
    return int(conn.execute(query).scalar_one() or 0)


def set_keys_version(conn: Connection, version: int) -> None:
    """Record that a full build wrote every key with this version."""
    conn.execute(search_index_version.delete())
    conn.execute(search_index_version.insert().values(keys_version=version))


def restore_indexes(conn: Connection) -> None:
    """Build the index's B-trees after a full rebuild, refresh the planner's statistics, and
    have the rebuild's commit flushed (`mark_visible` follows it)."""
    for index in search_keys.indexes:
        index.create(conn)
    _flush_on_commit(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"ANALYZE {', '.join(_READ)}"))
    else:
        conn.execute(sa.text("ANALYZE search_keys"))


def _flush_on_commit(conn: Connection) -> None:
    """Commit this transaction with its WAL flushed, even where `synchronous_commit` is off:
    VACUUM marks a page all-visible only once its rows' commit is on disk (until then it may
    not set their hint bits), so `mark_visible` straight after would mark nothing."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL synchronous_commit = on"))


# VACUUMs a rebuild runs at most, and the pause before the second (doubled before each later).
_VACUUM_TRIES = 4
_VACUUM_PAUSE = 0.25


def mark_visible(conn: Connection) -> None:
    """On PostgreSQL, VACUUM the large table once a full rebuild has committed, so a search
    reads its keys from the B-tree alone. Until its pages are marked all-visible, every key an
    index-only scan finds also visits the table: straight after a rebuild at 1M people searches
    ran at p95 91 ms against 41 ms once marked, and autovacuum, throttled, took minutes to
    catch up. (A merge of the recent keys, a quarter of the table at most, is left to
    autovacuum.) Nothing on SQLite, which keeps no visibility map (and whose VACUUM rewrites
    the whole file). Takes a connection with no transaction begun.

    A snapshot another session of the database took before the rebuild committed (a search
    begun before it, autovacuum analysing a catalog) keeps VACUUM from marking a page of the
    rebuild's rows: it marked none, twice in full test runs. So while pages are left unmarked
    it runs again after a pause, `_VACUUM_TRIES` times at most; a pass skips the runs of pages
    the last marked."""
    if conn.dialect.name != "postgresql":
        return
    autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
    for attempt in range(_VACUUM_TRIES):
        if attempt:
            time.sleep(_VACUUM_PAUSE * 2 ** (attempt - 1))
        autocommit.execute(sa.text(f"VACUUM {search_keys.name}"))
        if _all_visible(autocommit):
            return


def _all_visible(conn: Connection) -> bool:
    """Whether the VACUUM just run marked every page of the large table all-visible (it
    records both counts in `pg_class`)."""
    pages = sa.text(
        "SELECT relpages, relallvisible FROM pg_class WHERE oid = CAST(:table AS regclass)"
    )
    row = conn.execute(pages, {"table": search_keys.name}).one()
    return bool(row.relallvisible >= row.relpages)


Terms = Sequence[Mapping[str, int]]


def _weighing(keys: Mapping[str, int], weight: int) -> list[str]:
    """The keys of a term that weigh `weight`, in order."""
    return sorted(key for key, weighs in keys.items() if weighs == weight)


def _term_hits(conn: Connection, terms: Terms, chosen: Sequence[str] | None) -> sa.Subquery:
    """(entity_id, record_id, term, weight) for every key of every term, optionally for some
    entities only."""
    parts = []
    for number, keys in enumerate(terms):
        for weight in sorted(set(keys.values())):
            weighed = _weighing(keys, weight)
            for table in search_key_tables:
                conditions = [_one_of(conn, table.c.key, weighed)]
                if chosen is not None:
                    conditions.append(_one_of(conn, table.c.entity_id, chosen))
                parts.append(
                    sa.select(
                        table.c.entity_id,
                        table.c.record_id,
                        sa.literal(number).label("term"),
                        sa.literal(weight).label("weight"),
                    ).where(*conditions)
                )
    return sa.union_all(*parts).subquery()


def _chosen_hits(
    conn: Connection, terms: Terms, chosen: Sequence[str], probed: bool, read: int
) -> sa.Subquery:
    """The chosen entities' rows of `_term_hits`, read the cheaper way: by probing the
    `(key, entity_id)` index with every key for every entity, or, when the keys name fewer
    rows than that makes probes, by reading those rows again and keeping the chosen ones. (A
    double-barrelled name's 200 keys probed for 60 entities read 50,000 pages at 1M people,
    13 ms of a 50 ms search, to find 420 rows; `smith`'s keys name 140,000 rows.) Entities that
    were found by probing (`probed`) are probed again: read by key alone, a common word's rows
    would all be."""
    if probed or read > ROWS_PER_PROBE * sum(len(keys) for keys in terms) * len(chosen):
        return _term_hits(conn, terms, chosen)
    # Materialised, so the database does not fold the entities back into the index probe.
    again = _term_hits(conn, terms, None).select().cte("hits").prefix_with("MATERIALIZED")
    return sa.select(again).where(_one_of(conn, again.c.entity_id, chosen)).subquery()


@dataclass(frozen=True)
class Candidates:
    """Candidate entities, best first, each with the source records to rank it by and its
    further records hitting the search, next best (`FURTHER_PER_SOURCE`), each with its
    source system."""

    records: dict[str, list[int]]
    best: int  # the best entity's score: the sum of its best weight per term
    further: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def without(self, entity_ids: Collection[str]) -> Candidates:
        """These candidates but those entities."""
        return Candidates(
            {e: r for e, r in self.records.items() if e not in entity_ids},
            self.best,
            {e: r for e, r in self.further.items() if e not in entity_ids},
        )

    def joined(self, other: Candidates) -> Candidates:
        """These candidates and another search's, the other's records for an entity in both."""
        return Candidates(
            {**self.records, **other.records},
            max(self.best, other.best),
            {**self.further, **other.further},
        )


@contextmanager
def reading_for_latency(engine: Engine) -> Iterator[Connection]:
    """A transaction for reads someone is waiting on.

    On PostgreSQL its statements are planned with no parallel workers and no JIT compilation:
    a search's statements take milliseconds; at 1M people, starting two workers took 28 ms of
    a 37 ms statement (EXPLAIN ANALYZE), and bench/search.py's queries ran at p95 57 ms without
    them against 92 ms with them; a statement whose estimate passed `jit_above_cost` spent 263
    of its 266 ms compiling (docs/search.md). And it ends by COMMIT, not the ROLLBACK of a
    closing connection, on which psycopg forgets every statement it has prepared: so the
    statements a search repeats are prepared, not planned again each time (`_one_of`).
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.select(
                    sa.func.set_config("max_parallel_workers_per_gather", "0", True),
                    sa.func.set_config("jit", "off", True),
                )
            )
        yield conn
        conn.commit()


def keyed(conn: Connection, keys: Collection[str], most: int) -> list[str] | None:
    """The entities indexed under any of these keys, or None when more than `most` are (a date
    of birth names a few dozen people in a million; a placeholder date that many records share
    does not narrow a search, and its thousands of ids would not fit one statement)."""
    found: set[str] = set()
    for table in search_key_tables:
        found.update(
            conn.execute(
                sa.select(table.c.entity_id)
                .where(_one_of(conn, table.c.key, sorted(keys)))
                .distinct()
                .limit(most + 1)
            ).scalars()
        )
    return None if len(found) > most else sorted(found)


def _stepped(
    table: sa.Table, name: str, start: str | None = None, end: str | None = None
) -> sa.Select[Any]:
    """The distinct values of an indexed column (from `start`, before `end`), one seek of its
    index apiece: a recursive statement stepping to the next value, not a read of every row."""
    column, after = table.c[name], table.alias().c[name]
    first = (
        sa.select(sa.func.min(column).label("value"))
        .where(
            *([] if start is None else [column >= start]), *([] if end is None else [column < end])
        )
        .cte("stepped", recursive=True)
    )
    step = sa.select(sa.func.min(after)).where(
        after > first.c.value, *([] if end is None else [after < end])
    )
    stepped = first.union_all(sa.select(step.scalar_subquery()).where(first.c.value.is_not(None)))
    return sa.select(stepped.c.value).where(stepped.c.value.is_not(None))


def keys_starting(conn: Connection, prefix: str, most: int) -> list[str]:
    """The distinct keys starting with `prefix`, `most` of each table at most (`_stepped`), not
    a read of every row under them, thousands for `a:ST` at 1M. On the index alone, like
    `held`."""
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    found: set[str] = set()
    for table in search_key_tables:
        query = _stepped(table, "key", prefix, end).limit(most)
        found.update(key for key in conn.execute(query).scalars() if key.startswith(prefix))
    return sorted(found)


def sources_held(conn: Connection) -> set[str]:
    """The source systems the store holds people, objects or places from: by each table's
    `(source, source_key)` index, a seek per source (`_stepped`)."""
    return {
        source
        for table in (persons, objects, locations)
        for source in conn.execute(_stepped(table, "source")).scalars()
    }


def held(conn: Connection, keys: Collection[str]) -> bool:
    """Whether any entity is indexed under any of the keys: a row at most read per table."""
    return any(
        conn.execute(
            sa.select(table.c.key).where(_one_of(conn, table.c.key, list(keys))).limit(1)
        ).first()
        for table in search_key_tables
    )


def _strongest(conn: Connection, terms: Terms, need: int, limit: int) -> list[str] | None:
    """The first `limit` entities by id that hit every term with a key of its greatest
    weight, or None when fewer do. With `limit` of them they are the candidates (none can
    score more, and equals go by id), found without grouping every row the terms' keys name:
    `smith` alone named 140,000 rows at 1M people, 300 ms of each such search. So are fewer,
    when every term must be hit and weighs all its keys alike (an address's words and its
    district: `10 Duke Lane ST13`): nobody else can be a candidate."""
    if not all(terms):
        return None
    strongest = [_weighing(keys, max(keys.values())) for keys in terms]
    # Counting the terms' rows first pays where every term is needed, as an address's words
    # are, from its house number and `LANE` to its street's name; a name's terms are fewer
    # and more alike, and counting them cost PostgreSQL 1.3 ms a search and saved nothing.
    found = _from_the_rarest(conn, strongest) if need == len(terms) > 1 else None
    if found is None:
        held = [
            sa.union(
                *(
                    sa.select(table.c.entity_id).where(_one_of(conn, table.c.key, keys))
                    for table in search_key_tables
                )
            ).subquery()
            for keys in strongest
        ]
        # INTERSECT, not IN: PostgreSQL planned the IN form at 1M as nested loops under the
        # LIMIT, comparing every row of one word with every row of another (`28 whitington
        # close`: 3.3 s, `a:28` against `a:CLOSE`); a set operation reads each term's rows
        # once whatever the plan.
        common = sa.intersect(*(sa.select(term.c.entity_id) for term in held)).subquery()
        query = sa.select(common.c.entity_id).order_by(common.c.entity_id).limit(limit)
        found = list(conn.execute(query).scalars())
    found = found[:limit]
    alike = need == len(terms) and all(len(set(keys.values())) == 1 for keys in terms)
    return found if len(found) == limit or alike else None


# A term whose keys name this many rows or fewer, beside one naming more, is read first, and
# the others' keys are probed for its entities only (`_from_the_rarest`). Counting this many
# rows of the key index took 0.5 ms at 1M people on SQLite; `a:LANE` names 101,109.
FEW_ROWS = 10_000


def _from_the_rarest(conn: Connection, keys_of_terms: Sequence[Sequence[str]]) -> list[str] | None:
    """The entities indexed under a key of every term, by id, found from the term whose keys
    name fewest rows, when it names `FEW_ROWS` or fewer and another names more: the others'
    keys are then probed for its entities (`_entities_under`), not read whole. None otherwise:
    where every term names few rows, reading them is as cheap as probing, and where every
    term names many, no term is rare enough to start from. A name typed with its street spent
    most of its time reading the rows of `a:LANE` and the house number (`Oja Perry 21 Fenton
    Lane`: 31 ms of INTERSECT at 1M people on SQLite; `a:FENTON`'s 2,523 entities probed
    under `a:21`, then the 67 left under `a:LANE`: 8.5 ms, the counting included)."""
    counts = [_rows_counted(conn, keys, FEW_ROWS) for keys in keys_of_terms]
    if not min(counts) <= FEW_ROWS < max(counts):
        return None
    order = sorted(range(len(counts)), key=counts.__getitem__)
    found = _entities_under(conn, keys_of_terms[order[0]], None)
    for number in order[1:]:
        if found:
            found = _entities_under(conn, keys_of_terms[number], sorted(found))
    return sorted(found)


class _Probing(Join):
    """An inner join run in the order written: every row of the left probes the right's index.

    SQLite plans `key IN (...) AND entity_id IN (...)` from the key index's statistics, whose
    average of 7 rows a key hides `a:LANE`'s 101,109: it read every row of `a:LANE` and `a:LN`
    to keep 67 entities' (13.7 ms) instead of probing `(key, entity_id)` for each (0.1 ms).
    SQLite keeps the order of a `CROSS JOIN`; other databases plan by their statistics.
    """

    inherit_cache = True


@compiles(_Probing, "sqlite")
def _sqlite_cross_join(join: _Probing, compiler: SQLCompiler, **kw: Any) -> str:
    kw.pop("asfrom", None)  # the sides are FROM items, the condition is not (`visit_join`)
    left, right = (compiler.process(side, asfrom=True, **kw) for side in (join.left, join.right))
    assert join.onclause is not None  # made with one (`_entities_under`)
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


def _entities_under(conn: Connection, keys: Sequence[str], among: Sequence[str] | None) -> set[str]:
    """The entities indexed under any of `keys`; of `among` only, when given, each probed by
    the `(key, entity_id)` index (`_Probing`)."""
    found: set[str] = set()
    for table in search_key_tables:
        query = sa.select(table.c.entity_id).where(_one_of(conn, table.c.key, keys)).distinct()
        if among is not None and conn.dialect.name == "sqlite":
            ids = sa.func.json_each(json.dumps(list(among))).table_valued("value").alias("among")
            query = query.select_from(_Probing(ids, table, table.c.entity_id == ids.c.value))
        elif among is not None:
            query = query.where(_one_of(conn, table.c.entity_id, among))
        found.update(conn.execute(query).scalars())
    return found


def _rows_counted(conn: Connection, keys: Sequence[str], most: int) -> int:
    """How many rows these keys name, counted no further than `most + 1`."""
    counted = 0
    for table in search_key_tables:
        named = (
            sa.select(table.c.key).where(_one_of(conn, table.c.key, keys)).limit(most + 1 - counted)
        )
        counted += conn.execute(
            sa.select(sa.func.count()).select_from(named.subquery())
        ).scalar_one()
        if counted > most:
            break
    return counted


def _rows_named(conn: Connection, terms: Terms, most: int) -> int:
    """How many rows the terms' keys name, counted no further than `most + 1`: enough to
    choose between reading them again and probing for the chosen entities (`_chosen_hits`),
    as for any candidates, without reading all of `smith`'s to count them."""
    return _rows_counted(conn, sorted({key for term in terms for key in term}), most)


def _ranked(
    conn: Connection, terms: Terms, need: int, limit: int, among: Sequence[str] | None
) -> list[Any]:
    """(entity, score, rows read) of the best `limit` entities hitting `need` terms or more,
    by score, then id: every row the terms' keys name, grouped."""
    hits = _term_hits(conn, terms, among)
    per_term = (
        sa.select(
            hits.c.entity_id,
            sa.func.max(hits.c.weight).label("weight"),
            sa.func.count().label("found"),
        )
        .group_by(hits.c.entity_id, hits.c.term)
        .subquery()
    )
    per_entity = (
        sa.select(
            per_term.c.entity_id,
            sa.func.sum(per_term.c.weight).label("score"),
            sa.func.count().label("terms"),
            # Every row the keys name, before `need` drops any entity (`_chosen_hits`).
            sa.func.sum(sa.func.sum(per_term.c.found)).over().label("read"),
        )
        .group_by(per_term.c.entity_id)
        .subquery()
    )
    return list(
        conn.execute(
            sa.select(per_entity.c.entity_id, per_entity.c.score, per_entity.c.read)
            .where(per_entity.c.terms >= need)
            .order_by(per_entity.c.score.desc(), per_entity.c.entity_id)
            .limit(limit)
        )
    )


def candidates(
    conn: Connection, terms: Terms, need: int, limit: int, among: Sequence[str] | None = None
) -> Candidates:
    """Entities with keys of at least `need` of `terms`, best first, each with the source
    records to rank it by.

    Args:
        terms: one mapping of keys to weights per query term (an exact key outweighs a
            one-letter deletion); an entity scores its best weight for each term it hits.
        need: the fewest terms an entity must hit.
        limit: the most entities returned.
        among: only these entities (read by the `(key, entity_id)` index, so a common word's
            thousands of rows are not).

    Returns:
        Each entity, best first (then by id), with its records scoring best, at most
        `PER_SOURCE` of each source system: a prolific person's hundreds of records need not
        all be read to rank them, and a viewer who may see only one source still gets some.
    """
    if not any(terms) or (among is not None and not among):
        return Candidates({}, 0)
    strongest = None if among is not None else _strongest(conn, terms, need, limit)
    if strongest == []:
        return Candidates({}, 0)  # every term needed, its keys alike, and none held
    if strongest is not None:
        chosen, best, probed = strongest, sum(max(keys.values()) for keys in terms), False
        read = _rows_named(conn, terms, ROWS_PER_PROBE * sum(map(len, terms)) * len(chosen))
    else:
        scored = _ranked(conn, terms, need, limit, among)
        if not scored:
            return Candidates({}, 0)
        chosen = [entity_id for entity_id, _, _ in scored]
        best, probed, read = int(scored[0][1]), among is not None, scored[0][2]
    hits = _chosen_hits(conn, terms, chosen, probed, read)
    per_record_term = (
        sa.select(hits.c.entity_id, hits.c.record_id, sa.func.max(hits.c.weight).label("weight"))
        .group_by(hits.c.entity_id, hits.c.record_id, hits.c.term)
        .subquery()
    )
    per_record = (
        sa.select(
            per_record_term.c.entity_id,
            per_record_term.c.record_id,
            sa.func.sum(per_record_term.c.weight).label("score"),
        )
        .group_by(per_record_term.c.entity_id, per_record_term.c.record_id)
        .subquery()
    )
    place = (
        sa.func.row_number()
        .over(
            partition_by=(per_record.c.entity_id, source_records.c.source),
            order_by=(per_record.c.score.desc(), per_record.c.record_id),
        )
        .label("place")
    )
    numbered = (
        sa.select(per_record.c.entity_id, per_record.c.record_id, source_records.c.source, place)
        .join(source_records, source_records.c.id == per_record.c.record_id)
        .subquery()
    )
    records: dict[str, list[int]] = {entity_id: [] for entity_id in chosen}
    further: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for entity_id, record_id, source, place in conn.execute(
        sa.select(numbered.c.entity_id, numbered.c.record_id, numbered.c.source, numbered.c.place)
        .where(numbered.c.place <= PER_SOURCE + FURTHER_PER_SOURCE)
        .order_by(numbered.c.place)
    ).all():
        if place <= PER_SOURCE:
            records[entity_id].append(record_id)
        else:
            further[entity_id].append((record_id, source))
    return Candidates(records, best, dict(further))


def candidate_rows(
    conn: Connection,
    scope: Scope,
    kind: str,
    found: Candidates,
    only: frozenset[str] | None = None,
) -> dict[str, list[VisibleRow]]:
    """The candidates' rows `scope` shows (`entity_rows`): of the records to rank each by, and,
    for an entity some of those records of which it hides, of its further records as well."""
    rows_of = entity_rows(conn, scope, kind, list(found.records), found.records, only)
    hidden = {
        entity_id: found.further[entity_id]
        for entity_id, chosen in found.records.items()
        if entity_id in found.further
        and not {row.record_id for row in rows_of.get(entity_id, ())}.issuperset(chosen)
    }
    further = _may_show(conn, scope, kind, hidden)
    for entity_id, rows in entity_rows(conn, scope, kind, list(further), further, only).items():
        rows_of.setdefault(entity_id, []).extend(rows)
    return rows_of


def _may_show(
    conn: Connection, scope: Scope, kind: str, further: dict[str, list[tuple[int, str]]]
) -> dict[str, list[int]]:
    """Of the entities' further records, those some grant of `scope` could show by their
    source and, where it names some (`Grant.entity_in`), the sources of the entity's other
    records: a superset of what `entity_rows` shows, read on the store's membership alone
    (no value of a record). A probation officer's search had read the further records of
    every namesake, nearly none supervised, through its visibility conditions row by row."""
    grants = scope.grants_for(_SOURCES[kind][0])
    holds = _sources_held(conn, list(further), {s for g in grants for s in g.entity_in or ()})

    def shown(entity_id: str, source: str) -> bool:
        return any(
            (grant.sources is None or source in grant.sources)
            and (grant.entity_in is None or bool(grant.entity_in & holds[entity_id]))
            for grant in grants
        )

    return {
        entity_id: mine
        for entity_id, records in further.items()
        if (mine := [record for record, source in records if shown(entity_id, source)])
    }


def _sources_held(
    conn: Connection, entity_ids: list[str], sources: set[str]
) -> defaultdict[str, set[str]]:
    """Which of `sources` each entity holds a record of (none asked, none read). By the
    `(entity_id, source)` index alone, as `visible._entity_has` reads it: with the kind named
    too (an entity's id names its kind), SQLite read every person's membership by the primary
    key's kind, 0.5 s a search at 1M people."""
    held: defaultdict[str, set[str]] = defaultdict(set)
    for chunk in chunks(sorted(entity_ids), 500) if sources else ():
        query = (
            sa.select(entity_members.c.entity_id, entity_members.c.source)
            .where(
                _one_of(conn, entity_members.c.entity_id, chunk),
                entity_members.c.source.in_(sorted(sources)),
            )
            .distinct()
        )
        for entity_id, source in conn.execute(query):
            held[entity_id].add(source)
    return held


def entity_rows(
    conn: Connection,
    scope: Scope,
    kind: str,
    entity_ids: Sequence[str],
    records: dict[str, list[int]] | None = None,
    only: frozenset[str] | None = None,
) -> dict[str, list[VisibleRow]]:
    """The rows of these entities `scope` shows, redacted, by entity; an entity none of whose
    rows is visible is absent.

    Args:
        records: read only these source records of each entity.
        only: read no field outside these (`visible.visible_rows`).
    """
    pole_kind, row, _ = _SOURCES[kind]
    if not entity_ids or not scope.grants_for(pole_kind):
        return {}
    member = entity_members.alias()
    found: dict[str, list[VisibleRow]] = defaultdict(list)
    for chunk in chunks(sorted(set(entity_ids)), 500):
        conditions = [member.c.kind == kind, _one_of(conn, member.c.entity_id, chunk)]
        if records is not None:
            wanted = sorted({r for entity_id in chunk for r in records.get(entity_id, ())})
            conditions.append(_one_of(conn, member.c.record_id, wanted))
        owner = {
            (record_id, key): entity_id
            for record_id, key, entity_id in conn.execute(
                sa.select(member.c.record_id, member.c.source_key, member.c.entity_id).where(
                    *conditions
                )
            ).all()
        }
        if not owner:
            continue
        where = sa.and_(
            _one_of(conn, row.c.record_id, sorted({record_id for record_id, _ in owner})),
            sa.exists().where(
                member.c.record_id == row.c.record_id,
                member.c.source_key == row.c.source_key,
                *conditions,
            ),
        )
        for visible in visible_rows(conn, scope, pole_kind, where, only):
            entity_id = owner.get((visible.record_id, visible.source_key))
            if entity_id is not None:
                found[entity_id].append(visible)
    return dict(found)


# Person rows linked to some rows, each with its entity and the keys (`VisibleRow.key`) of
# those it links to.
LinkedPeople = list[tuple[VisibleRow, str, set[tuple[int, str]]]]


def linked_people(
    conn: Connection,
    scope: Scope,
    rows: Sequence[VisibleRow],
    object_type: str | None = None,
    only: frozenset[str] | None = None,
) -> LinkedPeople:
    """Visible person rows linked to any of `rows` within their own source records, each with
    its entity and which of `rows` (as `VisibleRow.key`) it links to (`object_type` names the
    link kind of object rows: `vehicle`, `phone`; `only` the fields to read, as
    `visible.visible_rows`'s)."""
    if not rows or not scope.grants_for(Kind.PERSON):
        return []
    target = object_type or rows[0].kind.value
    pairs = sorted({(row.record_id, row.source_key) for row in rows})
    member = entity_members.alias()
    linked = sa.exists().where(
        links.c.record_id == persons.c.record_id,
        links.c.from_kind == Kind.PERSON.value,
        links.c.from_key == persons.c.source_key,
        links.c.to_kind == target,
        sa.tuple_(links.c.record_id, links.c.to_key).in_(pairs),
    )
    within = persons.c.record_id.in_(sorted({record_id for record_id, _ in pairs}))
    people = visible_rows(conn, scope, Kind.PERSON, sa.and_(within, linked), only)
    if not people:
        return []
    # By record (the primary key's prefix); a row-value IN list would not use the index.
    owner = {
        (record_id, key): entity_id
        for record_id, key, entity_id in conn.execute(
            sa.select(member.c.record_id, member.c.source_key, member.c.entity_id).where(
                member.c.kind == Kind.PERSON.value,
                member.c.record_id.in_(sorted({p.record_id for p in people})),
            )
        )
    }
    wanted = set(pairs)
    targets: dict[tuple[int, str], set[tuple[int, str]]] = defaultdict(set)
    for record_id, from_key, to_key in conn.execute(
        sa.select(links.c.record_id, links.c.from_key, links.c.to_key).where(
            links.c.record_id.in_(sorted({p.record_id for p in people})),
            links.c.from_kind == Kind.PERSON.value,
            links.c.to_kind == target,
        )
    ):
        if (record_id, to_key) in wanted:
            targets[record_id, from_key].add((record_id, to_key))
    return [
        (person, owner[person.key], targets[person.key]) for person in people if person.key in owner
    ]


def people_at(
    conn: Connection,
    scope: Scope,
    outward: str,
    inward: str,
    among: Sequence[str] | None = None,
) -> dict[str, set[str]]:
    """People with an address at a postcode, or in a sector or district (`inward` the start
    of the inward code, or empty), each with those addresses' postcodes, each address linked
    to the person in a record where the viewer may see both and the address's postcode. A
    whole postcode is read by its own index (a few dozen rows); a sector or district, only in
    the records of the people `among`."""
    showing = _showing(scope, Kind.LOCATION, "postcode")
    if showing is None or not scope.grants_for(Kind.PERSON) or (among is not None and not among):
        return {}
    postcode = locations.c.postcode
    whole = len(inward) == len("2DJ")
    at = postcode == f"{outward} {inward}" if whole else postcode.like(f"{outward} {inward}%")
    if among is None:
        places = visible_rows(conn, scope, Kind.LOCATION, sa.and_(showing, at), _POSTCODE)
        held = {place.key: place.values["postcode"] for place in places}
        found: dict[str, set[str]] = defaultdict(set)
        for _, entity_id, targets in linked_people(conn, scope, places, only=_NONE):
            found[entity_id].update(held[target] for target in targets)
        return dict(found)
    return {
        entity_id: {place.values["postcode"] for place in places}
        for entity_id, places in _living(
            conn, scope, among, sa.and_(showing, at), _POSTCODE
        ).items()
    }


def towns_of(
    conn: Connection, scope: Scope, among: Sequence[str], containing: str
) -> dict[str, set[str]]:
    """The towns of the addresses of each of the people `among` whose name, upper case without
    spaces, hyphens and apostrophes, contains `containing` (a match key or a word of one),
    each address linked to the person in a record where the viewer may see both and the
    address's town."""
    showing = _showing(scope, Kind.LOCATION, "town")
    if showing is None or not scope.grants_for(Kind.PERSON) or not among:
        return {}
    compact = sa.func.upper(locations.c.town)
    for mark in (" ", "-", "'"):
        compact = sa.func.replace(compact, mark, "")
    held = sa.and_(showing, compact.contains(containing, autoescape=True))
    return {
        entity_id: {place.values["town"] for place in places}
        for entity_id, places in _living(conn, scope, among, held, _TOWN).items()
    }


def _living(
    conn: Connection,
    scope: Scope,
    people: Sequence[str],
    condition: sa.ColumnElement[bool],
    fields: frozenset[str],
) -> dict[str, list[VisibleRow]]:
    """The addresses meeting `condition` linked to each of these people in their own source
    records, where the viewer may see the person row, the address and `fields` of it: a
    district's or a town's thousands of addresses read only where these people are, and the
    links read by record (a 7,000-pair row-value list, as `linked_people` takes, was 280 ms
    at 1M people on SQLite)."""
    # The records listed, not a subquery: SQLite read every address in the county to match
    # the pattern rather than look up the people's records first. (No condition on the
    # member's kind, which the ids name: with one, SQLite reads every person's membership.)
    members = entity_members.c
    owner = {
        (record_id, key): entity_id
        for record_id, key, entity_id in conn.execute(
            sa.select(members.record_id, members.source_key, members.entity_id).where(
                _one_of(conn, members.entity_id, sorted(people))
            )
        )
    }
    places = {
        place.key: place
        for chunk in chunks(sorted({record_id for record_id, _ in owner}), _CHUNK)
        for place in visible_rows(
            conn,
            scope,
            Kind.LOCATION,
            sa.and_(condition, _one_of(conn, locations.c.record_id, chunk)),
            fields,
        )
    }
    found: dict[str, list[VisibleRow]] = defaultdict(list)
    for chunk in chunks(sorted({record_id for record_id, _ in places}), _CHUNK):
        shown = {
            person.key
            for person in visible_rows(
                conn, scope, Kind.PERSON, _one_of(conn, persons.c.record_id, chunk), _NONE
            )
        }
        for record_id, from_key, to_key in conn.execute(
            sa.select(links.c.record_id, links.c.from_key, links.c.to_key).where(
                _one_of(conn, links.c.record_id, chunk),
                links.c.from_kind == Kind.PERSON.value,
                links.c.to_kind == Kind.LOCATION.value,
            )
        ):
            person, place = (record_id, from_key), places.get((record_id, to_key))
            if place is not None and person in shown and person in owner:
                found[owner[person]].append(place)
    return found


_POSTCODE = frozenset({"postcode"})
_TOWN = frozenset({"town"})
_NONE: frozenset[str] = frozenset()


def phones(conn: Connection, scope: Scope, number: str, start: bool = False) -> list[VisibleRow]:
    """Visible phone rows holding this E.164 number, or (`start`) a number starting with it:
    read as a range of the column's own index, bounded by the next number of that length
    (`+4477009001` up to `+4477009002`), which compares so in any collation."""
    column = objects.c.phone_number
    if start:
        stem = number.rstrip("9")
        after = stem[:-1] + str(int(stem[-1]) + 1)
        held = sa.and_(column >= number, column < after)
    else:
        held = column == number
    return visible_rows(conn, scope, Kind.OBJECT, sa.and_(objects.c.object_type == "phone", held))


@dataclass
class Summary:
    """What a result line shows of an entity, from its visible rows only: for a person, the
    names and dates of birth they give, each with how many give it."""

    sources: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    last_seen: datetime | None = None
    last_seen_day_only: bool = False  # its source gave the day alone (`pole.model.DAY_ONLY`)
    names: Counter[str] = field(default_factory=Counter)
    births: Counter[date] = field(default_factory=Counter)


def _members_of(
    conn: Connection, kind: str, row: sa.Table, entity_ids: Sequence[str]
) -> tuple[Any, list[Any]]:
    member = entity_members.alias()
    # No condition on `member.kind`: an entity id names its kind, and with one SQLite would
    # read every member of the kind through the primary key instead of these entities'.
    conditions = [
        _one_of(conn, member.c.entity_id, sorted(set(entity_ids))),
        member.c.record_id == row.c.record_id,
        member.c.source_key == row.c.source_key,
    ]
    if kind == "vehicle":
        conditions.append(row.c.object_type == "vehicle")
    return member, conditions


def _showing(scope: Scope, kind: Kind, name: str) -> sa.ColumnElement[bool] | None:
    """Rows of `kind` matching a grant that shows field `name`; None when no grant does, and
    true when every grant does (a visible row then shows it)."""
    grants = scope.grants_for(kind)
    showing = [grant for grant in grants if name in grant.fields]
    if not showing:
        return None
    if len(showing) == len(grants):
        return sa.true()
    return sa.or_(*(grant_clause(grant) for grant in showing))


# A person's name as written and date of birth, as a summary counts them.
_NAMED = ("forename", "middle_names", "surname", "dob")


def _field_shown(scope: Scope, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """The column where a grant matching the row shows it, else null."""
    shown = _showing(scope, Kind.PERSON, column.name)
    return sa.null() if shown is None else sa.case((shown, column))


def summaries(
    conn: Connection, scope: Scope, kind: str, entity_ids: Sequence[str]
) -> dict[str, Summary]:
    """Sources, warning markers and last seen of each entity, and a person's names and dates
    of birth, from the rows `scope` shows: read in one statement, so a prolific person's
    hundreds of records cost a few index probes, not hundreds of decoded rows. Last seen is the
    latest visible event in a source record that holds one of the entity's visible rows."""
    pole_kind, row, _ = _SOURCES[kind]
    found = {entity_id: Summary() for entity_id in entity_ids}
    if not entity_ids or not scope.grants_for(pole_kind):
        return found
    member, joined = _members_of(conn, kind, row, entity_ids)
    records: dict[int, set[str]] = defaultdict(set)
    # Markers in the same statement, so a partner's agreement conditions (correlated probes
    # per row) are checked once per row, not once for sources and again for markers.
    shown = _showing(scope, pole_kind, "markers") if kind == "person" else None
    markers: sa.ColumnElement[Any] = sa.null()
    if shown is not None:
        markers = sa.case((sa.and_(marked(), shown), persons.c.markers))
    named = [_field_shown(scope, persons.c[name]) for name in _NAMED] if kind == "person" else []
    query = sa.select(member.c.entity_id, row.c.source, row.c.record_id, markers, *named).where(
        *joined, visible_clause(scope, pole_kind)
    )
    for entity_id, source, record_id, codes, *name in conn.execute(query).all():
        summary = found[entity_id]
        summary.sources.add(source)
        records[record_id].add(entity_id)
        summary.markers.update(
            str(marker.get("code")) for marker in codes or () if isinstance(marker, dict)
        )
        if name:
            values = dict(zip(_NAMED, name, strict=True))
            if written := full_name(values):
                summary.names[written] += 1
            if isinstance(born := values["dob"], date):
                summary.births[born] += 1
    timed = _showing(scope, Kind.EVENT, "occurred_at")
    if timed is None or not records:
        return found
    # Events by the records found above: one index range per record, whatever the planner
    # would make of a four-way join. Each record holds a row the scope shows (its currency and
    # record-wide categories are settled), so only the event grants are tested.
    for chunk in chunks(sorted(records), _CHUNK):
        day_only = sa.func.coalesce(events.c.day_only, sa.false())
        query = (
            sa.select(
                events.c.record_id,
                sa.func.max(sa.case((day_only, None), else_=events.c.occurred_at)),
                sa.func.max(sa.case((day_only, events.c.occurred_at))),
            )
            .where(
                _one_of(conn, events.c.record_id, chunk),
                events.c.occurred_at.is_not(None),
                visible_in_shown_records(scope, Kind.EVENT),
                timed,
            )
            .group_by(events.c.record_id)
        )
        for record_id, *latest in conn.execute(query).all():
            # The later of its latest timed event and its latest event known only to the day.
            for when, to_the_day in zip(latest, (False, True), strict=True):
                if when is None:
                    continue
                when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
                for entity_id in records[record_id]:
                    summary = found[entity_id]
                    if summary.last_seen is None or when > summary.last_seen:
                        summary.last_seen, summary.last_seen_day_only = when, to_the_day
    return found
