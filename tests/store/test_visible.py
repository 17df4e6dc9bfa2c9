"""A Scope as SQL, on both dialects: each grant condition, each restricted category, and field
redaction to the union of the matching grants' fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from polestar.pole.vocabularies import Kind
from polestar.store.scope import Category, Grant, Scope
from polestar.store.visible import eighteen_years_before, visible_clause, visible_rows
from tests.canary import Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]
NOW = datetime(2026, 12, 1, tzinfo=UTC)
EVERY = sa.true()


def _scope(*grants: Grant, categories: frozenset[Category] = frozenset()) -> Scope:
    return Scope("home-force", "investigation", NOW, grants=grants, categories=categories)


def _names(canary: Seeded, scope: Scope, kind: Kind) -> list[str]:
    with canary.engine.connect() as conn:
        return [row.name for row in visible_rows(conn, scope, kind, EVERY)]


def test_no_grants_match_nothing(canary: Seeded) -> None:
    assert _names(canary, _scope(), Kind.PERSON) == []


def test_types_and_attribute_fields(canary: Seeded) -> None:
    grant = Grant(
        Kind.EVENT,
        frozenset({"occurred_at", "attributes.custody_suite"}),
        types=frozenset({"custody"}),
    )
    with canary.engine.connect() as conn:
        [row] = visible_rows(conn, _scope(grant), Kind.EVENT, EVERY)
    assert row.name == "custody:CU-000901"
    assert set(row.values) == {"occurred_at", "attributes"}
    assert row.values["attributes"] == {"custody_suite": "Stafford"}


def test_fields_are_the_union_of_the_grants_a_row_matches(canary: Seeded) -> None:
    names = Grant(Kind.PERSON, frozenset({"surname"}), sources=frozenset({"custody", "probation"}))
    dob = Grant(Kind.PERSON, frozenset({"dob"}), sources=frozenset({"probation"}))
    with canary.engine.connect() as conn:
        rows = {
            r.name: r.values for r in visible_rows(conn, _scope(names, dob), Kind.PERSON, EVERY)
        }
    assert set(rows["custody:CU-000901"]) == {"surname"}
    assert set(rows["probation:X123456"]) == {"surname", "dob"}


def test_restricted_categories_hide_rows_whatever_the_grants(canary: Seeded) -> None:
    every_person = Grant(Kind.PERSON, frozenset({"surname"}))
    hidden = set(_names(canary, _scope(every_person, categories=frozenset(Category)), Kind.PERSON))
    shown = set(_names(canary, _scope(every_person), Kind.PERSON))
    assert hidden - shown == {
        "crime:IN-26-000903/persons/1",  # intelligence
        "crime:NOM-ZQINTEL",  # intelligence
        "crime:CR-25-000902/persons/1",  # sexual-offence victim
        "crime:CR-25-000901/persons/1",  # under 18
    }


def test_a_sexual_offence_victims_home_is_hidden_with_them(canary: Seeded) -> None:
    homes = Grant(Kind.LOCATION, frozenset({"lines"}), roles=frozenset({"resides-at"}))
    allowed = frozenset({Category.INTELLIGENCE, Category.UNDER_18})
    shown = _names(canary, _scope(homes, categories=allowed), Kind.LOCATION)
    assert "crime:CR-25-000902/persons/1/address" not in shown
    assert "crime:CR-25-000901/persons/1/address" in shown


def test_flags_and_entity_in(canary: Seeded) -> None:
    flagged = Grant(Kind.PERSON, frozenset({"surname"}), flags=frozenset({"wanted"}))
    supervised = Grant(Kind.PERSON, frozenset({"surname"}), entity_in=frozenset({"courts"}))
    assert _names(canary, _scope(flagged), Kind.PERSON) == ["crime:NOM-0009001"]
    assert _names(canary, _scope(supervised), Kind.PERSON) == [
        "courts:D-000901",
        "crime:NOM-0009001",
        "crime:NOM-0009001",
        "custody:CU-000901",
        "probation:X123456",
    ]


def test_the_sources_the_grants_name_come_first_and_match_no_index() -> None:
    """Every grant names its sources, so their union is tested first. On PostgreSQL it is
    written so that no index matches it: as a bare `source IN (…)` the planner ANDed a bitmap of
    every row of those sources into reads of a few rows by record id."""
    scope = _scope(
        Grant(Kind.EVENT, frozenset({"occurred_at"}), sources=frozenset({"probation"})),
        Grant(Kind.EVENT, frozenset({"occurred_at"}), sources=frozenset({"crime", "custody"})),
    )
    clause = visible_clause(scope, Kind.EVENT)
    union = "events.source IN ('crime', 'custody', 'probation')"

    def written(dialect: sa.Dialect) -> str:
        return str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    assert written(postgresql.dialect()).startswith(f"(({union}) IS TRUE) AND ")
    assert written(sqlite.dialect()).startswith(f"likely({union})")


def test_a_scopes_clauses_are_built_once_a_day() -> None:
    """A scope is built for each request, at its moment; its clauses read only the day (the
    `under-18` cutoff), so the requests of one day share them and the next day's differ."""
    grant = Grant(Kind.PERSON, frozenset({"forename"}), sources=frozenset({"crime"}))
    morning = Scope("cps", "prosecution", datetime(2026, 12, 1, 9, tzinfo=UTC), grants=(grant,))
    evening = replace(morning, as_of=datetime(2026, 12, 1, 21, 30, 5, 17, tzinfo=UTC))
    next_day = replace(morning, as_of=datetime(2026, 12, 2, 0, 0, 1, tzinfo=UTC))
    assert visible_clause(morning, Kind.PERSON) is visible_clause(evening, Kind.PERSON)

    def cutoff(scope: Scope) -> str:
        clause = visible_clause(scope, Kind.PERSON)
        return str(clause.compile(compile_kwargs={"literal_binds": True}))

    assert "'2008-12-01'" in cutoff(evening)
    assert "'2008-12-02'" in cutoff(next_day)


def test_eighteen_years_before_a_leap_day() -> None:
    assert eighteen_years_before(datetime(2024, 2, 29).date()).isoformat() == "2006-02-28"
