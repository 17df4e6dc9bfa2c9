"""Candidate entities and the records to rank them by are what the index's keys say, whichever
way the chosen entities' rows are read: probing the `(key, entity_id)` index for each entity,
or reading the keys' rows again (`search_index._chosen_hits`). Checked against the same
arithmetic done in Python over every key in the index of a generated county, whose common
names give entities with many rows per key and names with many keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from polestar.search.keys import query_name_keys
from polestar.search.query import parse
from polestar.search.results import person_terms
from polestar.settings import Settings
from polestar.store import search_index
from polestar.store.search_index import PER_SOURCE, Candidates, Terms
from polestar.store.tables import persons, source_records
from tests.canary import canary_model
from tests.search.indexed import index_keys
from tests.search.linked import county, linked

__all__ = ["canary_model", "county", "linked"]
# On one worker: the module's linked county (per dialect) is built there once, not on each.
pytestmark = pytest.mark.xdist_group("search-recall")


# What the index holds: (key, entity_id, record_id) rows, and each record's source.
_Index = tuple[set[tuple[str, str, int]], dict[int, str]]


def _index(engine: Engine) -> _Index:
    with engine.connect() as conn:
        sources = conn.execute(sa.select(source_records.c.id, source_records.c.source))
        return index_keys(engine), dict(sources.all())


def _expected(index: _Index, terms: Terms, need: int, limit: int) -> Candidates:
    rows, source_of = index
    per_term: dict[str, dict[int, int]] = defaultdict(dict)
    per_record: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    for number, keys in enumerate(terms):
        for key, entity, record in rows:
            if key in keys:
                held = per_term[entity].get(number, 0)
                per_term[entity][number] = max(held, keys[key])
                held = per_record[entity, record].get(number, 0)
                per_record[entity, record][number] = max(held, keys[key])
    scored = sorted(
        ((-sum(hit.values()), entity) for entity, hit in per_term.items() if len(hit) >= need)
    )[:limit]
    records: dict[str, list[int]] = {}
    for _, entity in scored:
        by_source: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (holder, record), hit in per_record.items():
            if holder == entity:
                by_source[source_of[record]].append((-sum(hit.values()), record))
        records[entity] = sorted(
            record for ranked in by_source.values() for _, record in sorted(ranked)[:PER_SOURCE]
        )
    return Candidates(records, -scored[0][0] if scored else 0)


def _queries(engine: Engine) -> list[str]:
    """Names the county holds: its commonest surnames alone (many rows per key), and whole
    names, initialled names and surnames first (many keys per name)."""
    with engine.connect() as conn:
        surnames = conn.execute(
            sa.select(persons.c.surname)
            .where(persons.c.surname.is_not(None))
            .group_by(persons.c.surname)
            .order_by(sa.func.count().desc(), persons.c.surname)
            .limit(3)
        ).scalars()
        names = conn.execute(
            sa.select(persons.c.forename, persons.c.surname)
            .where(persons.c.forename.is_not(None), persons.c.surname.is_not(None))
            .order_by(persons.c.record_id)
            .limit(4)
        ).all()
    return [
        *surnames,
        *(f"{forename} {surname}" for forename, surname in names),
        *(f"{forename[0]}. {surname}" for forename, surname in names),
        *(f"{surname} {forename}" for forename, surname in names),
    ]


def _cases(engine: Engine) -> Iterator[tuple[str, Terms, int]]:
    """Each name's terms as a search first looks them up, then each word's own keys (the
    fallback when no pair of words matches), needing from one word to all of them, and all
    of them weighed alike."""
    for text in _queries(engine):
        query = parse(text)
        yield text, person_terms(query), 1
        words = [query_name_keys(name) for name in query.names]
        for need in range(1, len(words) + 1):
            yield text, words, need
        # Keys weighed alike, every term needed, as an address's words and postcode are.
        yield text, [dict.fromkeys(keys, 1) for keys in words], len(words)


@pytest.mark.parametrize(
    ("strongest", "few_rows"),
    [(True, -1), (True, 5), (False, -1)],
    ids=["strongest-intersected", "strongest-from-the-rarest", "ranked"],
)
@pytest.mark.parametrize(("rows_per_probe", "read"), [(0, "probed"), (10**9, "again")])
def test_candidates_are_what_the_keys_say_on_either_read(
    linked: tuple[Engine, Settings],
    monkeypatch: pytest.MonkeyPatch,
    rows_per_probe: int,
    read: str,
    strongest: bool,
    few_rows: int,
) -> None:
    # Read first by the strongest keys alone (`search_index._strongest`), when enough entities
    # hold them, or by every key's rows grouped; either way the same candidates. The strongest
    # keys' entities are intersected in SQL, or found from the term naming fewest rows and
    # probed for the others' keys (`_from_the_rarest`): where every term is needed, here when
    # one names 5 rows or fewer and another more, and with `FEW_ROWS` at -1 never.
    engine, _ = linked
    monkeypatch.setattr(search_index, "ROWS_PER_PROBE", rows_per_probe)
    monkeypatch.setattr(search_index, "FEW_ROWS", few_rows)
    first, rarest = search_index._strongest, search_index._from_the_rarest
    shortcuts = []
    from_the_rarest = []

    def strongest_first(*args: Any) -> list[str] | None:
        found = first(*args) if strongest else None
        shortcuts.append(found is not None)
        return found

    def rarest_first(*args: Any) -> list[str] | None:
        found = rarest(*args)
        if found is not None:
            from_the_rarest.append(found)
        return found

    monkeypatch.setattr(search_index, "_strongest", strongest_first)
    monkeypatch.setattr(search_index, "_from_the_rarest", rarest_first)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    index = _index(engine)
    checked = taken = 0
    for text, terms, need in _cases(engine):
        for limit in (1, 60):
            expected = _expected(index, terms, need, limit)
            statements.clear()
            shortcuts.clear()
            with engine.connect() as conn:
                event.listen(conn, "before_cursor_execute", seen)
                found = search_index.candidates(conn, terms, need, limit)
                event.remove(conn, "before_cursor_execute", seen)
                # Among given entities, they are always probed.
                among = search_index.candidates(conn, terms, need, limit, list(expected.records))
            for got in (found, among):
                assert list(got.records) == list(expected.records), text
                assert {e: sorted(r) for e, r in got.records.items()} == expected.records
                assert got.best == expected.best
            if expected.records:
                checked += 1
                assert ("MATERIALIZED" in statements[-1]) == (read == "again")
                taken += shortcuts[0]
    assert checked >= 20
    assert (taken >= 10) if strongest else (taken == 0)
    found_from_the_rarest = [found for found in from_the_rarest if found]
    assert (len(found_from_the_rarest) >= 5) if few_rows > 0 else not from_the_rarest


def test_entities_found_from_the_rarest_term_hold_every_term(
    linked: tuple[Engine, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key few rows hold beside one more rows hold, some of whose holders lack the first: the
    # entities found from the rarer are kept only where they hold a key of every other term
    # too, as the index says (`_from_the_rarest`), whichever order the terms come in.
    engine, _ = linked
    monkeypatch.setattr(search_index, "FEW_ROWS", 5)
    holders: dict[str, set[str]] = defaultdict(set)
    rows: dict[str, int] = defaultdict(int)
    for key, entity, _record in index_keys(engine):
        holders[key].add(entity)
        rows[key] += 1
    rare = sorted(key for key, count in rows.items() if len(holders[key]) > 1 and count <= 5)
    common = sorted(key for key, count in rows.items() if count > 5)
    narrowed = 0
    with engine.connect() as conn:
        for key in rare[:40]:
            for other in common:
                shared = holders[key] & holders[other]
                if not shared or shared == holders[key]:
                    continue
                for terms in ([[key], [other]], [[other], [key], [other, key]]):
                    found = search_index._from_the_rarest(conn, terms)
                    assert found == sorted(shared), (key, other)
                narrowed += 1
                break
    assert narrowed >= 5
