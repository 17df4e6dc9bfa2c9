"""People's decisions on a linked county, on SQLite and PostgreSQL: review items appear for band
pairs; a confirm, a reject, a merge and a split take effect (merge and split at once) and
survive a re-run and a `--retrain`; each is in the ledger and the audit trail; bad input is
refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import load_agreements, operator
from polestar.errors import Forbidden, InvalidInput
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.decisions import Reviewer, UnknownReference, history, merge, split
from polestar.linkage.explanations import explain
from polestar.linkage.grounds import FORENAMES_DIFFER, UNCERTAIN
from polestar.linkage.review import decide
from polestar.linkage.run import link
from polestar.settings import Settings
from polestar.store.entities import members, resolve
from polestar.store.tables import entity_changes, review_items
from tests import generated
from tests.conftest import DIALECTS, built_store, copied_store
from tests.linkage.models import ACTOR, store_person_model

OPERATOR = Reviewer(ACTOR, "home-force", "administrator")
Placement = dict[tuple[str, str], str]


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated.county(tmp_path_factory, people=200, seed=7)


@pytest.fixture(scope="session")
def county_model(county: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return generated.person_model(tmp_path_factory, county)


@pytest.fixture(params=DIALECTS)
def linked(
    request: pytest.FixtureRequest,
    county: Path,
    county_model: dict[str, Any],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, Settings]]:
    """The county ingested and linked with a threshold inside the review band, so the queue
    holds both pairs that were joined and pairs that were not (built once per dialect and
    test process; each test gets a copy)."""

    def build(engine: Engine, settings: Settings) -> None:
        store_person_model(engine, county_model)
        ingest(engine, plan_inputs([county]), settings, actor=ACTOR)
        _link(engine, settings)

    template, _ = built_store(
        "decisions-linked", request.param, build, tmp_path_factory, link_match_threshold=0.9
    )
    with copied_store(template, tmp_path / "linked") as copy:
        yield copy


def _link(engine: Engine, settings: Settings, retrain: bool = False) -> None:
    link(engine, settings, actor=ACTOR, retrain=retrain, warn=lambda _message: None)


def _placement(engine: Engine) -> Placement:
    with engine.connect() as conn:
        return {(source, key): entity for source, key, entity in members(conn, "person")}


def _items(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(review_items).order_by(review_items.c.id)))


def _side(item: Any, side: str) -> tuple[str, str]:
    return item._mapping[f"source_{side}"], item._mapping[f"source_key_{side}"]


def test_band_pairs_are_queued_once_and_only_where_a_decision_would_change_an_entity(
    linked: tuple[Engine, Settings],
) -> None:
    engine, settings = linked
    items = _items(engine)
    placement = _placement(engine)
    assert items, "a county of 200 people has pairs in the band"
    low, high = settings.link_review_band
    for item in items:
        if item.queued_because == FORENAMES_DIFFER:  # tests/linkage/test_review_queue.py
            assert placement[_side(item, "l")] == placement[_side(item, "r")], item
            continue
        assert item.queued_because == UNCERTAIN
        assert low <= item.match_probability < high
        joined = placement[_side(item, "l")] == placement[_side(item, "r")]
        assert not joined or item.match_probability >= settings.link_match_threshold, item
        assert (item.record_id_l, item.source_key_l) < (item.record_id_r, item.source_key_r)

    _link(engine, settings)

    assert len(_items(engine)) == len(items), "open items are not queued again"


def test_decisions_take_effect_and_survive_a_rerun_and_a_retrain(
    linked: tuple[Engine, Settings],
) -> None:
    engine, settings = linked
    placement = _placement(engine)
    items = _items(engine)
    apart = next(i for i in items if placement[_side(i, "l")] != placement[_side(i, "r")])
    joined = next(i for i in items if placement[_side(i, "l")] == placement[_side(i, "r")])
    decide(engine, settings, OPERATOR, apart.id, "confirm", "same PNC ID on paper file")
    decide(engine, settings, OPERATOR, joined.id, "reject", "twins, per custody sergeant")

    sizes = Counter(placement.values())
    used = {placement[_side(i, s)] for i in (apart, joined) for s in ("l", "r")}
    first, second = sorted(e for e in sizes if e not in used and sizes[e] >= 2)[:2]
    merged = merge(engine, settings, OPERATOR, second, first, "one man: same custody photo")
    assert (merged.kept, merged.other) == (first, second), "a merge keeps the older id"
    assert set(_placement(engine).values()) >= {first}
    assert second not in set(_placement(engine).values())

    big = next(e for e, n in sizes.most_common() if e not in used | {first, second} and n >= 3)
    records = sorted(r for r, e in placement.items() if e == big)
    out = records[:1]
    outcome = split(engine, settings, OPERATOR, big, [f"{s}:{k}" for s, k in out], "wrong man")
    assert outcome.kept == big, "the part with most records keeps the id"
    now = _placement(engine)
    assert now[out[0]] == outcome.other
    assert now[records[1]] == big
    with engine.connect() as conn:
        changes = set(
            conn.execute(
                sa.select(entity_changes.c.old_id, entity_changes.c.new_id, entity_changes.c.reason)
            ).all()
        )
        assert resolve(conn, second) == first
    assert {(second, first, "merged"), (big, outcome.other, "split")} <= changes

    for retrain in (False, True):
        _link(engine, settings, retrain=retrain)
        after = _placement(engine)
        assert after[_side(apart, "l")] == after[_side(apart, "r")], retrain
        assert after[_side(joined, "l")] != after[_side(joined, "r")], retrain
        merged_records = [r for r, e in placement.items() if e in (first, second)]
        assert {after[r] for r in merged_records} == {first}, retrain
        assert after[out[0]] == outcome.other, retrain
        assert {after[r] for r in records[1:]} == {big}, retrain

    ledger = history(engine, settings, OPERATOR, first)
    assert [(d.decision, d.entity_id, d.other_entity_id) for d in ledger] == [
        ("merge", first, second)
    ]
    assert ledger[0].reason == "one man: same custody photo"
    assert ledger[0].actor == ACTOR
    found = audit.by_user(engine, ACTOR, reader=audit.Actor("cli:reader"), settings=settings)
    actions = Counter(f.entry.action for f in found if f.entry.operation == "alteration")
    assert actions == {"link.review.decide": 2, "link.merge": 1, "link.split": 1}
    assert "link.history" in {f.entry.action for f in found}


def test_bad_decisions_are_refused_with_what_to_do(linked: tuple[Engine, Settings]) -> None:
    engine, settings = linked
    placement = _placement(engine)
    item = _items(engine)[0]
    entity = placement[_side(item, "l")]
    other = next(e for e in placement.values() if e != entity)
    stranger = next(r for r, e in placement.items() if e == other)
    decide(engine, settings, OPERATOR, item.id, "reject", "different people")

    refusals: list[tuple[type[Exception], str, Any]] = [
        (InvalidInput, "decided already", lambda: decide(
            engine, settings, OPERATOR, item.id, "confirm", "changed my mind")),
        (UnknownReference, "no review item", lambda: decide(
            engine, settings, OPERATOR, 10**6, "confirm", "x")),
        (InvalidInput, "confirm or reject", lambda: decide(
            engine, settings, OPERATOR, item.id, "maybe", "x")),
        (UnknownReference, "no entity", lambda: merge(
            engine, settings, OPERATOR, entity, "PER-99999999", "x")),
        (InvalidInput, "one entity", lambda: merge(
            engine, settings, OPERATOR, entity, entity, "x")),
        (InvalidInput, "give a reason", lambda: merge(
            engine, settings, OPERATOR, entity, other, "  ")),
        (InvalidInput, f"not in {entity}", lambda: split(
            engine, settings, OPERATOR, entity, [f"{stranger[0]}:{stranger[1]}"], "x")),
        (InvalidInput, "not a person record", lambda: split(
            engine, settings, OPERATOR, entity, ["custody:NO-SUCH"], "x")),
        (Forbidden, "home force", lambda: merge(
            engine, settings, Reviewer("fire-caseworker", "fire"), entity, other, "x")),
    ]  # fmt: skip
    for error, words, attempt in refusals:
        with pytest.raises(error, match=words):
            attempt()


def test_an_explanation_shows_the_decision_that_holds_the_pair(
    linked: tuple[Engine, Settings],
) -> None:
    engine, settings = linked
    item = _items(engine)[0]
    left, right = (":".join(_side(item, side)) for side in ("l", "r"))
    load_agreements(engine, [], datetime.now(UTC), actor=ACTOR, settings=settings)
    viewer = operator(ACTOR, "investigation", "reviewing a linkage decision")
    assert explain(engine, settings, viewer, left, right).as_dict()["decision"] is None

    decide(engine, settings, OPERATOR, item.id, "reject", "twins, per custody sergeant")

    shown = explain(engine, settings, viewer, left, right).as_dict()["decision"]
    assert shown is not None
    assert (shown["decision"], shown["by"], shown["reason"]) == (
        "reject",
        ACTOR,
        "twins, per custody sergeant",
    )
