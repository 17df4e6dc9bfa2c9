"""Review items over the canary county, for the matrix of the review list (issue 5).

Three pairs are queued by hand (a run on a store this small queues whatever its scores
say): two of the target's own records, seen by everyone who may see him; his record with his
intelligence log record, seen only with the intelligence category; and the victim with the
child witness, seen only by those who may see both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from polestar.store import decisions
from polestar.store.review_items import add_items
from polestar.store.runs import start_run
from polestar.store.tables import entity_members, link_constraints, link_decisions, review_items
from tests.canary import ACTOR, Seeded

PAIRS = {
    "target": (("custody", "CU-000901"), ("crime", "NOM-0009001")),
    "intelligence": (("custody", "CU-000901"), ("crime", "NOM-ZQINTEL")),
    "victim-child": (("crime", "CR-25-000902/persons/1"), ("crime", "CR-25-000901/persons/1")),
}
# Why each is queued (`linkage.grounds.GROUNDS`).
GROUNDS = {"target": "uncertain", "intelligence": "uncertain", "victim-child": "forenames differ"}
# The people whose canaries each item may carry.
PEOPLE = {"target": ("target",), "intelligence": ("target",), "victim-child": ("victim", "child")}


def queue_canary_items(seeded: Seeded, names: Iterable[str] = tuple(PAIRS)) -> dict[str, int]:
    """Queue these pairs (by default the three); returns each one's item id."""
    run_id = start_run(seeded.engine, "test", ACTOR)
    ids = {}
    with seeded.engine.begin() as conn:
        rows = conn.execute(
            sa.select(
                entity_members.c.source, entity_members.c.source_key, entity_members.c.record_id
            ).where(entity_members.c.kind == "person")
        )
        record_of = {(source, key): record_id for source, key, record_id in rows}
        for name in names:
            (left, right) = sorted(PAIRS[name], key=lambda r: (record_of[r], r[1]))
            add_items(
                conn,
                "person",
                [
                    {
                        "record_id_l": record_of[left],
                        "source_l": left[0],
                        "source_key_l": left[1],
                        "record_id_r": record_of[right],
                        "source_r": right[0],
                        "source_key_r": right[1],
                        "match_probability": 0.8,
                        "match_weight": 2.0,
                        "queued_because": GROUNDS[name],
                    }
                ],
                run_id,
                datetime.now(UTC),
            )
            ids[name] = int(conn.execute(sa.text("SELECT max(id) FROM review_items")).scalar_one())
    return ids


@contextmanager
def items_queued(seeded: Seeded) -> Iterator[dict[str, int]]:
    """The three pairs queued for the block (`queue_canary_items`), removed afterwards: the
    canary county is shared by a module's tests."""
    ids = queue_canary_items(seeded)
    try:
        yield ids
    finally:
        with seeded.engine.begin() as conn:
            conn.execute(review_items.delete().where(review_items.c.id.in_(list(ids.values()))))


@contextmanager
def only_queued(seeded: Seeded, *names: str) -> Iterator[dict[str, int]]:
    """Only these pairs in the queue for the block: the items the canary county's own run
    queued (on a store this small, every pair of the target's records) are set aside, and put
    back afterwards."""
    with seeded.engine.begin() as conn:
        held = [dict(row._mapping) for row in conn.execute(sa.select(review_items))]
        conn.execute(review_items.delete())
    try:
        ids = queue_canary_items(seeded, names)
        yield ids
    finally:
        with seeded.engine.begin() as conn:
            conn.execute(review_items.delete())
            if held:
                conn.execute(review_items.insert(), held)


@contextmanager
def ruled_apart(seeded: Seeded, one: tuple[str, str], other: tuple[str, str]) -> Iterator[None]:
    """A reviewer's rejection of two person records (each (source, key)) in force for the
    block, as `link review decide` leaves it until the next run; taken back afterwards."""
    with seeded.engine.begin() as conn:
        record_of = {
            (source, key): (record_id, key)
            for source, key, record_id in conn.execute(
                sa.select(
                    entity_members.c.source, entity_members.c.source_key, entity_members.c.record_id
                ).where(entity_members.c.kind == "person")
            )
        }
        decision_id = decisions.record_decision(
            conn, kind="person", decision="reject", actor=ACTOR, organisation="home-force",
            reason="not the same man", now=datetime.now(UTC),
        )  # fmt: skip
        pair = (record_of[one], record_of[other])
        sources = {record_of[one]: one[0], record_of[other]: other[0]}
        decisions.constrain(conn, decision_id, "person", decisions.CANNOT, [pair], sources)
    try:
        yield
    finally:
        with seeded.engine.begin() as conn:
            constraints = link_constraints.c
            conn.execute(link_constraints.delete().where(constraints.decision_id == decision_id))
            conn.execute(
                link_constraints.update()
                .where(constraints.superseded_by == decision_id)
                .values(superseded_by=None)
            )
            conn.execute(link_decisions.delete().where(link_decisions.c.id == decision_id))
