"""SQL of disposal: one function per place a source record's personal data is copied to.

Each deletes what it holds of the given source records (by `source_records.id`), inside the
caller's transaction, and returns the rows it removed. `polestar.retention.disposal` lists
them in the order foreign keys need (what names a record goes before the record).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store import search_index
from polestar.store.tables import (
    POLE_TABLES,
    entities,
    entity_members,
    field_warnings,
    link_constraints,
    link_term_frequencies,
    links,
    person_joins,
    persons,
    quarantine,
    record_versions,
    replaced_rows,
    review_items,
    source_records,
)


def _deleted(conn: Connection, statement: sa.Delete) -> int:
    return int(conn.execute(statement).rowcount)


def review_items_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """Queued pairs with a disposed record on either side."""
    either = sa.or_(
        review_items.c.record_id_l.in_(record_ids), review_items.c.record_id_r.in_(record_ids)
    )
    return _deleted(conn, review_items.delete().where(either))


def link_constraints_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """Reviewers' must/cannot-link pairs naming a disposed record (their decisions stay)."""
    either = sa.or_(
        link_constraints.c.record_id_l.in_(record_ids),
        link_constraints.c.record_id_r.in_(record_ids),
    )
    return _deleted(conn, link_constraints.delete().where(either))


def person_joins_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """Stored explanations: the join of a disposed record, and joins that point at one."""
    either = sa.or_(
        person_joins.c.record_id.in_(record_ids), person_joins.c.other_record_id.in_(record_ids)
    )
    return _deleted(conn, person_joins.delete().where(either))


def replaced_rows_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """The note that a disposed record's rows were replaced since the last batch run."""
    return _deleted(conn, replaced_rows.delete().where(replaced_rows.c.record_id.in_(record_ids)))


def search_keys_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """The search index's keys taken from a disposed record (a full build's and recent)."""
    return search_index.delete_record_keys(conn, record_ids)


def members_of(conn: Connection, record_ids: Sequence[int], run_id: int) -> int:
    """Entity membership of disposed records; an entity left without records is retired by
    `run_id`, one that keeps some (a partner's) stays with its count corrected."""
    touched = list(
        conn.execute(
            sa.select(entity_members.c.entity_id)
            .where(entity_members.c.record_id.in_(record_ids))
            .distinct()
        ).scalars()
    )
    removed = _deleted(
        conn, entity_members.delete().where(entity_members.c.record_id.in_(record_ids))
    )
    remaining = (
        sa.select(sa.func.count())
        .where(entity_members.c.entity_id == entities.c.id)
        .scalar_subquery()
    )
    conn.execute(entities.update().where(entities.c.id.in_(touched)).values(records=remaining))
    conn.execute(
        entities.update()
        .where(entities.c.id.in_(touched), entities.c.records == 0)
        .values(retired_run_id=run_id)
    )
    return removed


def person_names_of(
    conn: Connection, record_ids: Sequence[int]
) -> list[tuple[str | None, str | None]]:
    """(forename, surname) of the person rows of the records."""
    rows = conn.execute(
        sa.select(persons.c.forename, persons.c.surname).where(persons.c.record_id.in_(record_ids))
    )
    return [(row.forename, row.surname) for row in rows]


def names_held_elsewhere(
    conn: Connection, record_ids: Sequence[int], upper_names: Collection[str]
) -> set[str]:
    """Which upper-cased names a person row outside the records still holds, as forename or
    surname (compared upper-cased; a spelling with punctuation is not recognised)."""
    names = list(upper_names)
    held: set[str] = set()
    for column in (persons.c.forename, persons.c.surname):
        held.update(
            conn.execute(
                sa.select(sa.func.upper(column))
                .where(sa.func.upper(column).in_(names), persons.c.record_id.not_in(record_ids))
                .distinct()
            ).scalars()
        )
    return held


def term_frequencies_of(
    conn: Connection, column_names: Collection[str], values: Collection[str]
) -> int:
    """Term-frequency rows of values no remaining record holds (a rare name is personal)."""
    if not values:
        return 0
    return _deleted(
        conn,
        link_term_frequencies.delete().where(
            link_term_frequencies.c.column_name.in_(list(column_names)),
            link_term_frequencies.c.value.in_(list(values)),
        ),
    )


def typed_rows_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """The POLE rows, links and field warnings (raw values) projected from the records."""
    removed = 0
    for table in (*POLE_TABLES.values(), links, field_warnings):
        removed += _deleted(conn, table.delete().where(table.c.record_id.in_(record_ids)))
    return removed


def versions_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """Every version of the records, as they arrived."""
    return _deleted(
        conn, record_versions.delete().where(record_versions.c.record_id.in_(record_ids))
    )


def quarantine_of(conn: Connection, names: Collection[tuple[str, str]]) -> int:
    """Quarantine entries with a disposed record's source and key."""
    removed = 0
    for source, key in names:
        removed += _deleted(
            conn,
            quarantine.delete().where(
                quarantine.c.source == source, quarantine.c.source_key == key
            ),
        )
    return removed


def records_of(conn: Connection, record_ids: Sequence[int]) -> int:
    """The source records themselves (their tombstones keep source, key and hash)."""
    return _deleted(conn, source_records.delete().where(source_records.c.id.in_(record_ids)))


def member_names_of(conn: Connection, record_ids: Sequence[int]) -> list[str]:
    """SOURCE:KEY of every typed row of the records that linkage placed (audit entries may
    name a row such as a nominal rather than its record)."""
    rows = conn.execute(
        sa.select(entity_members.c.source, entity_members.c.source_key)
        .where(entity_members.c.record_id.in_(record_ids))
        .distinct()
    )
    return [f"{row.source}:{row.source_key}" for row in rows]
