"""Search recall against the generator's truth: the queries `synth.queries` makes for true
people, plates and places, and whether the true entity comes back (shared by the recall test
and `bench/search.py`)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.synth.queries import Sought, fragment_queries, name_queries, named_people

Search = Callable[[str, str], list[str]]  # (text, kind) → entity ids, best first


@dataclass(frozen=True)
class Truth:
    """What the store holds of each true identity: its entities, and values to query by."""

    entities: dict[str, set[str]]  # true id → entity ids holding its records
    names: list[Sought]
    plates: list[Sought]
    postcodes: list[Sought]


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load(
    engine: Engine, truth_csv: Path, count: int, seed: int, fragments: int | None = None
) -> Truth:
    """Read the truth file and the store; make `count` name queries and up to `fragments`
    (by default `count // 5`) plate and postcode fragments each."""
    fragments = count // 5 if fragments is None else fragments
    truth: dict[tuple[str, str, str], str] = {}
    with truth_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            truth[row["kind"], row["source"], row["source_key"]] = row["true_id"]
    entities: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for kind, source, key, entity in conn.execute(
            sa.text("SELECT kind, source, source_key, entity_id FROM entity_members")
        ):
            true_id = truth.get((kind, source, key))
            if true_id is not None:
                entities[true_id].add(entity)
        people = conn.execute(
            sa.text("SELECT source, source_key, forename, surname, dob FROM persons")
        ).all()
        plates = conn.execute(
            sa.text("SELECT source, source_key, vrm FROM objects WHERE vrm IS NOT NULL")
        ).all()
        places = conn.execute(
            sa.text("SELECT source, source_key, postcode FROM locations WHERE postcode IS NOT NULL")
        ).all()
    person_truth = [(s, k, t) for (kind, s, k), t in truth.items() if kind == "person"]
    named = named_people(person_truth, ((s, k, f, n, _date(d)) for s, k, f, n, d in people))
    return Truth(
        entities=dict(entities),
        names=name_queries(named, count, seed),
        plates=fragment_queries(
            ((truth[("vehicle", s, k)], v) for s, k, v in plates if ("vehicle", s, k) in truth),
            "vehicle",
            fragments,
            seed,
        ),
        postcodes=fragment_queries(
            ((truth[("location", s, k)], p) for s, k, p in places if ("location", s, k) in truth),
            "location",
            fragments,
            seed,
        ),
    )


@dataclass(frozen=True)
class Recall:
    queries: int
    top10: float
    top1: float
    misses: list[str]


def recall(truth: Truth, queries: list[Sought], run: Search) -> Recall:
    """The share of queries whose true entity is in the top 10, and at rank 1."""
    top10 = top1 = 0
    misses = []
    for sought in queries:
        expected = truth.entities.get(sought.true_id, set())
        found = [e for e in run(sought.text, sought.kind) if e[:3] == sought.kind[:3].upper()]
        if found and found[0] in expected:
            top1 += 1
        if expected & set(found[:10]):
            top10 += 1
        else:
            misses.append(f"{sought.variant}: {sought.text}")
    total = max(1, len(queries))
    return Recall(len(queries), top10 / total, top1 / total, misses)
