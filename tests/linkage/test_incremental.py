"""Incremental linkage against the batch, on SQLite and PostgreSQL (issue 5, item 1).

A county is split: its first exports are ingested and linked by a batch run; the rest arrive
later through `polestar ingest`, which links them chunk by chunk as they commit. A second
store ingests everything and runs the batch with the same model. Every arriving record must
land with the same companions as in that batch run.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.access import load_agreements
from polestar.cli import app, linking
from polestar.cli.linking import Linker
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage import person_model
from polestar.linkage.arrivals import link_unplaced, start_arrivals
from polestar.linkage.grounds import FORENAMES_DIFFER
from polestar.linkage.keyed import KEY_TABLES, KINDS, KeyIndex
from polestar.linkage.person_index import index_path, key_rules, open_index
from polestar.linkage.run import link
from polestar.search.index import rebuild
from polestar.settings import Settings, get_settings
from polestar.store import replaced_rows
from polestar.store.entities import members, resolve
from polestar.store.linkable import unplaced_record_ids
from polestar.store.review_items import add_items
from polestar.store.runs import last_completed_run
from polestar.store.tables import (
    entities,
    entity_changes,
    entity_members,
    person_joins,
    review_items,
    runs,
    source_records,
)
from polestar.web.app import create_app
from tests.conftest import another_store
from tests.ingest.exports import CUSTODY_HEADER, crime_line, write_crime, write_custody
from tests.linkage.models import ACTOR, store_person_model
from tests.search.indexed import index_keys
from tests.web.sessions import BASE_URL, make_account, open_session

runner = CliRunner()
Placement = dict[tuple[str, str], str]


def _linked(engine: Engine, settings: Settings, exports: list[Path], model: Any) -> None:
    """Ingest these exports and place them with a batch run of `model`."""
    ingest(engine, plan_inputs(exports), settings, actor=ACTOR)
    store_person_model(engine, model)
    link(engine, settings, actor=ACTOR, warn=lambda _message: None)


def _placement(engine: Engine, kind: str) -> Placement:
    with engine.connect() as conn:
        return {(source, key): entity for source, key, entity in members(conn, kind)}


Joins = dict[tuple[str, str], tuple[tuple[str, str], float, float]]


def _joins(engine: Engine) -> Joins:
    """Each stored join: (source, key) → the other record's, the weight and the probability."""
    record, other = source_records.alias(), source_records.alias()
    query = (
        sa.select(
            record.c.source,
            person_joins.c.source_key,
            other.c.source.label("other_source"),
            person_joins.c.other_source_key,
            person_joins.c.match_weight,
            person_joins.c.match_probability,
        )
        .join(record, record.c.id == person_joins.c.record_id)
        .join(other, other.c.id == person_joins.c.other_record_id)
    )
    with engine.connect() as conn:
        return {(row[0], row[1]): ((row[2], row[3]), row[4], row[5]) for row in conn.execute(query)}


def _companions(placement: Placement) -> dict[tuple[str, str], frozenset[tuple[str, str]]]:
    by_entity: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for record, entity in placement.items():
        by_entity[entity].add(record)
    return {record: frozenset(by_entity[entity]) for record, entity in placement.items()}


def _assert_joins_within_entities(placement: Placement, joins: Joins) -> None:
    """Each record placed with others stores a pair that joined it, with another record of its
    entity, at or above the threshold; one placed alone stores none."""
    threshold = get_settings().link_match_threshold
    for record, companions in _companions(placement).items():
        join = joins.get(record)
        assert (join is None) == (len(companions) == 1), (record, join)
        if join is not None:
            assert join[0] in companions - {record}, (record, join)
            assert join[2] >= threshold, (record, join)


@pytest.mark.parametrize(
    "way", ["in chunks", "in chunks, no lookup indexes", "one at a time", "mixed"]
)
def test_arriving_records_land_with_the_same_companions_as_in_a_batch_run(
    database_url: str, tmp_path: Path, split: tuple[Path, Path, Path], model: Any, way: str
) -> None:
    """Chunks go through `assign` (DuckDB); one at a time through `check_person`, the
    duplicate check at entry, which runs the same model in Python on its own copy of the
    index; mixed, each chunk's first half one at a time and the rest as a chunk, so each
    path must find what the other placed. Without lookup indexes, as an ingest's linking
    process places chunks, a chunk of few arrivals reads the tables whole."""
    first, later, _county = split
    with another_store(database_url, tmp_path / "incremental") as (engine, settings):
        ingest(engine, plan_inputs([first]), settings, actor=ACTOR)
        store_person_model(engine, model)
        link(engine, settings, actor=ACTOR, warn=lambda _message: None)
        before = _placement(engine, "person")
        with start_arrivals(engine, settings, ACTOR) as arrivals:  # type: ignore[union-attr]
            if way.endswith("no lookup indexes"):
                listed = "SELECT count(*) FROM duckdb_indexes() WHERE database_name = 'idx'"
                assert arrivals.index.con.sql(listed).fetchall()[0][0] > 0
                arrivals.index.drop_lookup_indexes()
                assert arrivals.index.con.sql(listed).fetchall()[0][0] == 0

            def arrive(record_ids: Sequence[int]) -> None:
                singly = {"mixed": len(record_ids) // 2, "one at a time": len(record_ids)}.get(
                    way, 0
                )
                for record_id in record_ids[:singly]:
                    arrivals.check_person(record_id)
                arrivals.assign(record_ids)  # the rest, and vehicles and locations

            ingest(engine, plan_inputs([later]), settings, actor=ACTOR, on_chunk_committed=arrive)
        incremental = {kind: _placement(engine, kind) for kind in ("person", "vehicle", "location")}
        our_joins = _joins(engine)
        _assert_entities_as_held(engine)
    with another_store(database_url, tmp_path / "batch") as (engine, settings):
        ingest(engine, plan_inputs([first, later]), settings, actor=ACTOR)
        store_person_model(engine, model)
        link(engine, settings, actor=ACTOR, warn=lambda _message: None)
        batch = {kind: _placement(engine, kind) for kind in ("person", "vehicle", "location")}
        batch_joins = _joins(engine)

    arrived = [record for record in incremental["person"] if record not in before]
    assert len(arrived) >= 300, len(arrived)
    assert set(incremental["person"]) == set(batch["person"])  # every record placed once
    ours, theirs = _companions(incremental["person"]), _companions(batch["person"])
    disagreements = [record for record in arrived if ours[record] != theirs[record]]
    assert len(disagreements) <= 0.01 * len(arrived), [
        (record, sorted(ours[record]), sorted(theirs[record])) for record in disagreements
    ]
    for kind in ("vehicle", "location"):  # exact keys: the same partition, record for record
        assert _companions(incremental[kind]) == _companions(batch[kind]), kind
    _assert_joins_within_entities(incremental["person"], our_joins)
    # The arrivals' joins mostly name the record the batch's own join names (314 of 328 here):
    # a batch run scores with term frequencies of every record, and sees pairs with records
    # that came later.
    joined = our_joins.keys() & set(arrived)
    same = [r for r in joined if our_joins[r][0] == batch_joins[r][0]]
    assert len(same) >= 0.9 * len(joined), (len(same), len(joined))


def test_ingest_links_on_arrival_once_a_batch_run_exists(
    db: Engine,
    settings: Settings,
    split: tuple[Path, Path, Path],
    model: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, later, _county = split
    assert runner.invoke(app, ["ingest", str(first)]).exit_code == 0
    store_person_model(db, model)
    assert runner.invoke(app, ["link", "--json"]).exit_code == 0
    with db.connect() as conn:
        batch_run = conn.execute(
            sa.select(sa.func.max(runs.c.id)).where(runs.c.command == "link")
        ).scalar_one()
    # The batch run leaves the matcher's index behind it, so ingest loads rather than builds.
    saved = duckdb.connect(str(index_path(settings)), read_only=True)
    assert dict(saved.sql("SELECT name, value FROM meta").fetchall())["run_id"] == str(batch_run)
    saved.close()
    built = index_path(settings).stat().st_mtime_ns
    # Ingest commits 50 records at a time; linkage is handed 80 of them (or the end).
    monkeypatch.setenv("POLESTAR_INGEST_CHUNK_RECORDS", "50")
    get_settings.cache_clear()
    monkeypatch.setattr(linking, "HAND_OVER", 80)
    batches: list[int] = []
    hand_over = Linker._hand_over

    def counted(linker: Linker) -> None:
        batches.append(len(linker._pending))
        hand_over(linker)

    monkeypatch.setattr(Linker, "_hand_over", counted)

    result = runner.invoke(app, ["ingest", str(later), "--json"])

    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)  # the ingest report, nothing of linkage added
    assert {"total", "sources"} <= set(printed)
    assert not {"person", "linked"} & set(printed)
    assert "linked on arrival" in result.stderr
    # More than a tenth of the people came since the batch run (`POLESTAR_LINK_BATCH_DUE_SHARE`).
    assert "person records" in result.stderr
    assert "were placed on arrival since the last batch run" in result.stderr
    # The arrivals' keys, a large share of the built ones, were merged in when it ended.
    assert index_keys(db, recent=True) == set()
    assert index_keys(db, recent=False)
    # Every batch placed was indexed, under the entity it joined: as a full build indexes them.
    indexed = index_keys(db)
    rebuild(db)
    assert index_keys(db) == indexed
    # Nothing is left waiting to be placed anew.
    assert _awaiting(db) == set()
    assert index_path(settings).stat().st_mtime_ns == built  # loaded, not built again
    assert len(batches) >= 3, batches
    assert all(80 <= size < 80 + 50 for size in batches[:-1]), batches
    assert 0 < batches[-1] < 80 + 50, batches
    assert sum(batches) == printed["total"]["new"] + printed["total"]["changed"]
    with db.connect() as conn:
        unplaced = conn.execute(
            sa.text(
                "SELECT count(*) FROM persons p JOIN source_records s ON s.id = p.record_id "
                "WHERE NOT EXISTS (SELECT 1 FROM entity_members m WHERE m.kind = 'person' "
                "AND m.record_id = p.record_id AND m.source_key = p.source_key)"
            )
        ).scalar_one()
        statuses = conn.execute(
            sa.select(runs.c.status).where(runs.c.command == "link-incremental")
        ).scalars()
        assert list(statuses) == ["completed"]
    assert unplaced == 0


def test_link_incremental_places_only_unplaced_records(
    db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any
) -> None:
    first, later, _county = split
    _linked(db, settings, [first], model)
    before = _placement(db, "person")
    ingest(db, plan_inputs([later]), settings, actor=ACTOR)  # no hook: nothing placed yet

    result = runner.invoke(app, ["link", "--incremental", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    after = _placement(db, "person")
    assert report["person"]["records"] == len(after) - len(before) > 0
    assert all(after[record] == entity or record in before for record, entity in before.items())
    again = link_unplaced(db, settings, ACTOR)
    assert again is not None
    assert again.person["records"] == 0


def _person_records(db: Engine, since_run: int = 0) -> int:
    """Source records of people placed by runs after `since_run`."""
    with db.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count(sa.distinct(entity_members.c.record_id))).where(
                entity_members.c.kind == "person", entity_members.c.run_id > since_run
            )
        ).scalar_one()


def test_a_batch_run_is_called_for_once_arrivals_pass_a_share_of_the_people(
    db: Engine,
    settings: Settings,
    split: tuple[Path, Path, Path],
    model: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, later, _county = split
    _linked(db, settings, [first], model)
    with db.connect() as conn:
        batch_run = last_completed_run(conn, "link")
    assert batch_run is not None
    ingest(db, plan_inputs([later]), settings, actor=ACTOR)

    def incremental(due: str) -> tuple[dict[str, int], str]:
        monkeypatch.setenv("POLESTAR_LINK_BATCH_DUE_SHARE", due)
        get_settings.cache_clear()
        result = runner.invoke(app, ["link", "--incremental", "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["since_batch"], result.stderr

    since, stderr = incremental("0")  # never
    # Every person record placed since the batch run (arrivals, and those they moved) is
    # counted once, against every person record.
    held = _person_records(db)
    placed = _person_records(db, batch_run)
    assert since == {"records": placed, "of": held}
    assert 0 < placed < held
    assert "batch run" not in stderr
    # A later session counts what the earlier placed (its catch-up); below the share it says
    # nothing, at it warns.
    since, stderr = incremental(f"{placed / held + 0.001:.6f}")
    assert since == {"records": placed, "of": held}
    assert "batch run" not in stderr
    since, stderr = incremental(str(placed * 10**6 // held / 10**6))
    assert since == {"records": placed, "of": held}
    assert f"warning: {placed:,} of {held:,} person records" in stderr
    assert "run `polestar link`" in stderr
    # A batch run starts the count again.
    assert runner.invoke(app, ["link"]).exit_code == 0
    since, stderr = incremental("0.0001")
    assert since == {"records": 0, "of": held}
    assert "batch run" not in stderr


def test_linking_on_arrival_out_of_memory_says_which_settings_to_change(
    db: Engine,
    settings: Settings,
    split: tuple[Path, Path, Path],
    model: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, later, _county = split
    _linked(db, settings, [first], model)
    monkeypatch.setenv("POLESTAR_LINK_DUCKDB_MEMORY_LIMIT", "100KB")
    get_settings.cache_clear()

    result = runner.invoke(app, ["ingest", str(later)])

    assert result.exit_code == 1, result.output
    assert "linking on arrival failed: OutOfMemory: linkage ran out of memory" in result.stderr
    assert "100KB (POLESTAR_LINK_DUCKDB_MEMORY_LIMIT)" in result.stderr
    assert "`polestar link --incremental`" in result.stderr
    assert "Traceback" not in result.output
    with db.connect() as conn:  # the records are stored; placing them waits for more memory
        assert unplaced_record_ids(conn, "person")


def test_link_incremental_before_any_batch_run_says_what_to_do(
    db: Engine, settings: Settings
) -> None:
    result = runner.invoke(app, ["link", "--incremental"])

    assert result.exit_code == 1
    assert "run `polestar link` first" in result.stderr


def test_duplicate_check_returns_candidates_with_probabilities(
    db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any, tmp_path: Path
) -> None:
    first, _later, _county = split
    _linked(db, settings, [first], model)
    existing = (first / "custody.csv").read_text(encoding="utf-8").splitlines()[1]
    copy = tmp_path / "entry"
    copy.mkdir()
    key = existing.split(",", 1)[0]
    (copy / "custody.csv").write_text(
        f"{CUSTODY_HEADER}\n{existing.replace(key, 'CU-NEW-0001', 1)}\n", encoding="utf-8"
    )
    ingest(db, plan_inputs([copy]), settings, actor=ACTOR)
    with db.connect() as conn:
        record_id = conn.execute(
            sa.text("SELECT id FROM source_records WHERE source_key = 'CU-NEW-0001'")
        ).scalar_one()

    with start_arrivals(db, settings, ACTOR) as arrivals:  # type: ignore[union-attr]
        found = arrivals.check_person(record_id)

    candidates = found["custody:CU-NEW-0001"]
    assert candidates[0].record == f"custody:{key}"
    assert candidates[0].match_probability > 0.99
    assert all(0 <= c.match_probability <= 1 for c in candidates)
    placement = _placement(db, "person")
    assert placement[("custody", "CU-NEW-0001")] == placement[("custody", key)]


PREMISES_HEADER = (
    "premises_id,uprn,address_line,town,postcode,premises_type,risk_level,hazards,"
    "occupant_name,occupant_dob,occupant_markers,last_inspected"
)


def _premises(folder: Path, *rows: str) -> Path:
    folder.mkdir()
    (folder / "fire_premises.csv").write_text(
        "\n".join([PREMISES_HEADER, *rows]) + "\n", encoding="utf-8"
    )
    return folder


def test_an_arrival_bridging_two_locations_merges_them_into_the_older_id(
    db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any, tmp_path: Path
) -> None:
    first, _later, _county = split
    known = _premises(
        tmp_path / "known",
        "PR-T-A,100000000001,1 Brook Street,Leek,ST13 6AB,House,low,,,,,2024-01-01",
        "PR-T-B,,9 Mill Road,Leek,ST13 6AD,House,low,,,,,2024-01-01",
    )
    _linked(db, settings, [first, known], model)
    rebuild(db)  # as `polestar link` does
    before = _placement(db, "location")
    a, b = before[("fire_premises", "PR-T-A")], before[("fire_premises", "PR-T-B")]
    assert a != b
    # The same UPRN as A, the same first line and postcode as B.
    bridge = _premises(
        tmp_path / "bridge",
        "PR-T-C,100000000001,9 Mill Rd,Leek,ST13 6AD,House,low,,,,,2024-06-01",
        "PR-T-F,,5 New Lane,Leek,ST13 7ZZ,House,low,,,,,2024-06-01",
    )

    result = runner.invoke(app, ["ingest", str(bridge)])

    assert result.exit_code == 0, result.output
    after = _placement(db, "location")
    older, newer = sorted((a, b))
    for key in ("PR-T-A", "PR-T-B", "PR-T-C"):
        assert after[("fire_premises", key)] == older
    with db.connect() as conn:
        assert resolve(conn, newer) == older
        reasons = conn.execute(
            sa.select(entity_changes.c.reason).where(
                entity_changes.c.old_id == newer, entity_changes.c.new_id == older
            )
        ).scalars()
        assert list(reasons) == ["merged"]
    # The ingest refreshed the search index: the absorbed id's keys now name the older one,
    # exactly as a rebuild would have them.
    refreshed = index_keys(db)
    assert not any(entity == newer for _key, entity, _record in refreshed)
    rebuild(db)
    assert refreshed == index_keys(db)
    # A later ingest loads the keys as the batch run left them and catches up: B's key now
    # names the older entity, and F (placed since the batch run) has its keys.
    later = _premises(
        tmp_path / "later",
        "PR-T-D,,9 Mill Road,Leek,ST13 6AD,House,low,,,,,2024-07-01",
        "PR-T-G,,5 New Lane,Leek,ST13 7ZZ,House,low,,,,,2024-07-01",
    )

    assert runner.invoke(app, ["ingest", str(later)]).exit_code == 0

    final = _placement(db, "location")
    assert final[("fire_premises", "PR-T-D")] == older
    assert final[("fire_premises", "PR-T-G")] == final[("fire_premises", "PR-T-F")]


def test_rules_joining_on_the_same_keys_index_each_record_once() -> None:
    """The model writes "either date of birth missing" as one rule per side; the index
    holds their keys once, under either side's filter, so the same pairs are compared."""
    rules = key_rules(person_model.settings().create_settings_dict("duckdb"))
    shapes = [(rule.left, rule.right, rule.explode) for rule in rules]
    assert len(shapes) == len(set(shapes))
    caller = next(rule for rule in rules if rule.left == ("sn", "SUBSTRING(fn, 1, 2)"))
    assert caller.filter == "(l.dob IS NULL) OR (r.dob IS NULL)"


def _crimes(folder: Path, *lines: dict[str, object]) -> Path:
    folder.mkdir()
    write_crime(folder, list(lines))
    return folder


def _custody(folder: Path, *rows: str) -> Path:
    folder.mkdir()
    write_custody(folder, list(rows))
    return folder


HOME = '"7 Quarry Bank, Cheadle",ST10 1QB,07700 900991'


@pytest.fixture
def household(
    db: Engine,
    settings: Settings,
    split: tuple[Path, Path, Path],
    model: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Settings, dict[str, int]]:
    """William McKillop's two records linked by a batch run; then, at his home with no date
    of birth, David (his relative) and Bill (William himself) ingested, not yet placed.
    Returns the settings and the arrivals' record ids by source key."""
    # A threshold this model's joins of the household clear; the ground is what is tested.
    monkeypatch.setenv("POLESTAR_LINK_MATCH_THRESHOLD", "0.5")
    get_settings.cache_clear()
    settings = settings.model_copy(update={"link_match_threshold": 0.5})
    first, _later, _county = split
    william = f"Q,14/03/2024 02:17,MCKILLOP,William,05/06/1991,M,,,{HOME},Assault,Stafford,"
    known = _custody(
        tmp_path / "known", william.replace("Q", "CU-Q1", 1), william.replace("Q", "CU-Q2", 1)
    )
    _linked(db, settings, [first, known], model)
    arriving = _custody(
        tmp_path / "arriving",
        f"CU-Q3,01/05/2024 09:00,MCKILLOP,David,,M,,,{HOME},Theft,Stafford,",  # his relative
        f"CU-Q4,02/05/2024 09:00,MCKILLOP,Bill,,M,,,{HOME},Theft,Stafford,",  # William himself
    )
    ingest(db, plan_inputs([arriving]), settings, actor=ACTOR)
    with db.connect() as conn:
        found = conn.execute(
            sa.text("SELECT source_key, id FROM source_records WHERE source_key LIKE 'CU-Q%'")
        ).all()
    return settings, {str(key): int(record_id) for key, record_id in found}


def _queued_on_arrival(db: Engine) -> list[set[str]]:
    """The source keys of each `forenames differ` item incremental linkage queued."""
    with db.connect() as conn:
        items = conn.execute(
            sa.select(review_items.c.source_key_l, review_items.c.source_key_r)
            .join(runs, runs.c.id == review_items.c.run_id)
            .where(
                review_items.c.queued_because == FORENAMES_DIFFER,
                runs.c.command == "link-incremental",
            )
        ).all()
    return [set(item) for item in items]


def _assert_the_household_joined(db: Engine) -> None:
    placement = _placement(db, "person")
    williams = {placement[("custody", "CU-Q1")], placement[("custody", "CU-Q2")]}
    assert williams == {placement[("custody", "CU-Q3")]} == {placement[("custody", "CU-Q4")]}


def test_an_undated_arrival_joined_on_a_surname_and_a_place_alone_is_queued_for_review(
    db: Engine, household: tuple[Settings, dict[str, int]]
) -> None:
    result = runner.invoke(app, ["link", "--incremental", "--json"])

    assert result.exit_code == 0, result.output
    _assert_the_household_joined(db)
    items = _queued_on_arrival(db)
    (queued,) = [item for item in items if {"CU-Q3", "CU-Q4"} & item]
    assert "CU-Q3" in queued, "David, joined on the surname and the home alone"
    assert "CU-Q4" not in queued, "Bill is a short form of William"
    assert (queued - {"CU-Q3"}) <= {"CU-Q1", "CU-Q2"}
    assert json.loads(result.stdout)["person"]["review_items"] == len(items)


def test_the_duplicate_check_queues_an_undated_record_joined_on_a_surname_and_a_place_alone(
    db: Engine, household: tuple[Settings, dict[str, int]]
) -> None:
    # One record at a time (`check_person`) judges as a chunk does: David is queued, Bill not.
    settings, record_ids = household

    with start_arrivals(db, settings, ACTOR) as arrivals:  # type: ignore[union-attr]
        for key in ("CU-Q3", "CU-Q4"):
            arrivals.check_person(record_ids[key])
        counted = arrivals.report().person["review_items"]

    _assert_the_household_joined(db)
    (queued,) = _queued_on_arrival(db)
    assert "CU-Q3" in queued, "David, joined on the surname and the home alone"
    assert (queued - {"CU-Q3"}) <= {"CU-Q1", "CU-Q2"}
    assert counted == 1


def test_the_duplicate_check_does_not_queue_a_pair_already_open(
    db: Engine, household: tuple[Settings, dict[str, int]]
) -> None:
    settings, record_ids = household
    open_items = [
        {
            "record_id_l": record_ids[william],
            "source_l": "custody",
            "source_key_l": william,
            "record_id_r": record_ids["CU-Q3"],
            "source_r": "custody",
            "source_key_r": "CU-Q3",
            "match_probability": 0.9,
            "match_weight": 3.0,
            "queued_because": FORENAMES_DIFFER,
        }
        for william in ("CU-Q1", "CU-Q2")
    ]
    with db.begin() as conn:
        run_id = conn.execute(sa.select(sa.func.max(runs.c.id))).scalar_one()
        add_items(conn, "person", open_items, run_id, datetime.now(UTC))

    with start_arrivals(db, settings, ACTOR) as arrivals:  # type: ignore[union-attr]
        arrivals.check_person(record_ids["CU-Q3"])
        counted = arrivals.report().person["review_items"]
    assert counted == 0
    assert _queued_on_arrival(db) == []


def test_a_review_item_says_which_record_changed_after_it_was_queued(
    db: Engine, household: tuple[Settings, dict[str, int]], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["link", "--incremental"]).exit_code == 0
    (queued,) = [item for item in _queued_on_arrival(db) if "CU-Q3" in item]
    (other,) = queued - {"CU-Q3"}
    # David's record is corrected: he was Dafydd, born in 1994. Linked on arrival.
    corrected = _custody(
        tmp_path / "corrected",
        f"CU-Q3,01/05/2024 09:00,MCKILLOP,Dafydd,02/02/1994,M,,,{HOME},Theft,Stafford,",
    )
    assert runner.invoke(app, ["ingest", str(corrected)]).exit_code == 0
    load_agreements(db, [], datetime.now(UTC), actor=ACTOR, settings=household[0])

    ground = ["--ground", FORENAMES_DIFFER]
    result = runner.invoke(
        app, ["link", "review", "list", "--purpose", "investigation", *ground, "--json"]
    )

    assert result.exit_code == 0, result.output
    (item,) = [
        item
        for item in json.loads(result.stdout)["items"]
        if {record["record"] for record in item["records"]} == {"custody:CU-Q3", f"custody:{other}"}
    ]
    sides = {record["record"]: record for record in item["records"]}
    david = sides["custody:CU-Q3"]
    assert david["values"]["forename"] == "Dafydd"  # as it is now
    assert david["changed_at"] is not None
    assert datetime.fromisoformat(david["changed_at"]) > datetime.fromisoformat(item["queued_at"])
    assert sides[f"custody:{other}"]["changed_at"] is None
    table = runner.invoke(app, ["link", "review", "list", "--purpose", "investigation", *ground])
    assert table.stdout.count("changed") == 1, table.stdout  # under David's record
    # The review page says so above the pair, of David's record alone.
    make_account(db, household[0], "reviewer", "home-force", "analyst")
    web = create_app(household[0])
    with TestClient(web, base_url=BASE_URL, follow_redirects=False) as client:
        open_session(client, db, household[0], "reviewer", "investigation")
        page = client.get("/review", params={"ground": FORENAMES_DIFFER})
    assert page.status_code == 200, page.text
    shown = BeautifulSoup(page.text, "html.parser").select_one(f"#item-{item['item']}")
    assert shown is not None, page.text
    notices = [notice.get_text(" ", strip=True) for notice in shown.select("p.changed")]
    assert len(notices) == 1, notices
    assert notices[0].startswith("custody:CU-Q3 changed on ")
    assert "after this pair was queued" in notices[0]


def _detained(key: str, surname: str, forename: str, born: str, pnc: str, home: str) -> str:
    return f"{key},14/03/2024 02:17,{surname},{forename},{born},M,{pnc},,{home},Assault,Stafford,"


WILLIAM = ("MCKILLOP", "William", "05/06/1991", "2019/0123456E", HOME)
GEORGE = ("HALE", "George", "19/04/1983", "", '"2 Kiln Lane, Leek",ST13 5AA,')
ELSEWHERE = '"4 Park Road, Stafford",ST16 2DJ,'


@pytest.mark.parametrize("placed", ["on arrival", "after a killed ingest"])
def test_a_changed_record_is_placed_anew_as_a_batch_run_would_place_it(
    db: Engine,
    settings: Settings,
    split: tuple[Path, Path, Path],
    model: Any,
    tmp_path: Path,
    placed: str,
) -> None:
    first, _later, _county = split
    known = _custody(
        tmp_path / "known",
        _detained("CU-R1", *WILLIAM),
        _detained("CU-R2", *WILLIAM),
        _detained("CU-R3", "ZANETTI", "Bruno", "11/11/1966", "", ELSEWHERE),
        *(_detained(f"CU-R{n}", *GEORGE) for n in (4, 5, 6)),
    )
    assert runner.invoke(app, ["ingest", str(first), str(known)]).exit_code == 0
    store_person_model(db, model)
    assert runner.invoke(app, ["link"]).exit_code == 0
    before = _placement(db, "person")
    william, bruno, george = (before["custody", f"CU-R{n}"] for n in (1, 3, 4))
    assert before["custody", "CU-R2"] == william
    assert before["custody", "CU-R5"] == before["custody", "CU-R6"] == george
    assert len({william, bruno, george}) == 3
    # The custody system corrects its records: CU-R1 was another man; CU-R3 was William,
    # not Bruno; CU-R4 and CU-R5 were one other man, not George.
    chidi = ("NWOSU", "Chidi", "02/02/1975", "", ELSEWHERE)
    corrected = _custody(
        tmp_path / "corrected",
        _detained("CU-R1", "OKONJO", "Felix", "30/01/1958", "", ELSEWHERE),
        _detained("CU-R3", *WILLIAM),
        _detained("CU-R4", *chidi),
        _detained("CU-R5", *chidi),
    )

    if placed == "on arrival":
        result = runner.invoke(app, ["ingest", str(corrected), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["total"]["changed"] == 4
    else:
        # Committed, never handed over: the records stay where their old rows were placed,
        # until `link --incremental` places them anew.
        ingest(db, plan_inputs([corrected]), settings, actor=ACTOR)
        assert _placement(db, "person") == before
        assert _awaiting(db) == {"CU-R1", "CU-R3", "CU-R4", "CU-R5"}
        result = runner.invoke(app, ["link", "--incremental", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["person"]["records"] == 4
    after = _placement(db, "person")
    held = {e: {r[1] for r, x in after.items() if x == e} for e in set(after.values())}
    felix, williams = after["custody", "CU-R1"], after["custody", "CU-R2"]
    assert held[felix] == {"CU-R1"}
    assert held[williams] == {"CU-R2", "CU-R3"}
    assert held[george] == {"CU-R4", "CU-R5"}  # two of George's three records keep his id
    lone = after["custody", "CU-R6"]
    assert held[lone] == {"CU-R6"}
    # The joins stored are the new versions': Felix is alone, CU-R3 joined William by CU-R2,
    # and CU-R4 and CU-R5 each other.
    joins = {record: join[0] for record, join in _joins(db).items() if record[0] == "custody"}
    assert ("custody", "CU-R1") not in joins
    assert joins["custody", "CU-R3"] == ("custody", "CU-R2")
    assert joins["custody", "CU-R4"] == ("custody", "CU-R5")
    assert joins["custody", "CU-R5"] == ("custody", "CU-R4")
    # And no join names a record another entity now holds: CU-R6, left alone, has none.
    _assert_joins_within_entities(after, _joins(db))
    _assert_entities_as_held(db)
    # Every id change is recorded, and a retired id resolves to the one it merged into. Of
    # William's two records, the one left as it was keeps his id.
    with db.connect() as conn:
        changes = set(
            conn.execute(
                sa.select(entity_changes.c.old_id, entity_changes.c.new_id, entity_changes.c.reason)
            ).all()
        )
        assert resolve(conn, william) == resolve(conn, bruno) == williams
        report = conn.execute(
            sa.select(runs.c.report).where(runs.c.command == "link-incremental")
        ).scalar_one()
    retired = ({william, bruno} - {williams}).pop()
    assert {(william, felix, "split"), (george, lone, "split")} <= changes, changes
    assert (retired, williams, "merged") in changes, changes
    moved = 1 + (williams != bruno)
    assert report["person"]["moved"] == moved
    if placed == "on arrival":
        said = " ".join(result.stderr.split())
        assert f"{moved} changed records moved to another person" in said
    # The rest of the county stayed where the batch put it.
    assert {r: e for r, e in after.items() if r[1][:4] != "CU-R"} == {
        r: e for r, e in before.items() if r[1][:4] != "CU-R"
    }
    # Searchable as placed, George's record that did not change included: the index holds
    # what a full build of the new placement holds.
    indexed = index_keys(db)
    rebuild(db)
    assert index_keys(db) == indexed
    # Nothing is left waiting to be placed anew.
    assert _awaiting(db) == set()
    # A later session's person index holds the records as they are now, as one built anew
    # would: CU-R4 and CU-R5 stayed in George's entity, but as Chidi.
    _assert_index_as_built(db, settings)
    # The places too: CU-R3's home is now William's; CU-R1's, CU-R4's and CU-R5's are one.
    places = _placement(db, "location")
    home = {n: places["custody", f"CU-R{n}"] for n in range(1, 7)}
    assert home[3] == home[2] != home[1] == home[4] == home[5] != home[6]
    # And a batch run agrees with every placement.
    assert runner.invoke(app, ["link"]).exit_code == 0
    assert _companions(_placement(db, "person")) == _companions(after)
    assert _companions(_placement(db, "location")) == _companions(places)


def _assert_entities_as_held(db: Engine) -> None:
    """Every live entity counts the records it holds, and holds some; a retired one holds none."""
    with db.connect() as conn:
        live = dict(
            conn.execute(
                sa.select(entities.c.id, entities.c.records).where(
                    entities.c.retired_run_id.is_(None)
                )
            ).all()
        )
    held = Counter(
        entity
        for kind in ("person", "vehicle", "location")
        for entity in _placement(db, kind).values()
    )
    assert live == dict(held)


def _assert_index_as_built(db: Engine, settings: Settings) -> None:
    """The person index a later session opens (the batch run's, caught up) holds what one
    built from the store now holds, term frequencies aside (a build counts them anew)."""
    caught_up = _index_tables(db, settings)
    index_path(settings).unlink()
    assert _index_tables(db, settings) == caught_up


def _index_tables(db: Engine, settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    index = open_index(db, settings)
    assert index is not None
    try:
        for kind in KINDS:  # as an arrivals session opens them
            KeyIndex(index.con, db, kind, index.run_id)
        return {
            table: index.con.sql(
                f"SELECT COLUMNS(lambda c: NOT starts_with(c, 'tf_')) FROM idx.{table} "  # noqa: S608
                "ORDER BY ALL"
            ).fetchall()
            for table in ("people", "keys", *KEY_TABLES)
        }
    finally:
        index.close()


def _awaiting(db: Engine) -> set[str]:
    """The keys of the source records waiting to be placed anew."""
    with db.connect() as conn:
        awaiting = replaced_rows.awaiting(conn)
        return set(
            conn.execute(
                sa.select(source_records.c.source_key).where(source_records.c.id.in_(awaiting))
            ).scalars()
        )


def test_a_batch_run_places_anew_what_an_ingest_left_waiting(
    db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any, tmp_path: Path
) -> None:
    first = _custody(tmp_path / "first", _detained("CU-R1", *WILLIAM))
    _linked(db, settings, [split[0], first], model)
    corrected = _custody(tmp_path / "corrected", _detained("CU-R1", *GEORGE))
    ingest(db, plan_inputs([corrected]), settings, actor=ACTOR)  # no hook: never placed
    assert _awaiting(db) == {"CU-R1"}

    assert runner.invoke(app, ["link"]).exit_code == 0

    assert _awaiting(db) == set()


def test_rows_a_changed_record_dropped_leave_their_entities_on_arrival(
    db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any, tmp_path: Path
) -> None:
    first, _later, _county = split
    carl = {"nominal_id": "NOM-0009999", "role": "suspect", "forename": "Carl", "surname": "Boyd"}
    crimes = _crimes(
        tmp_path / "crimes", crime_line("CR-24-000001"), crime_line("CR-24-000002", persons=[carl])
    )
    _linked(db, settings, [first, crimes], model)
    before = {kind: _placement(db, kind) for kind in ("person", "vehicle")}
    dropped = {
        "person": {("crime", "CR-24-000001/persons/1"), ("crime", "NOM-0009999")},
        "vehicle": {("crime", "CR-24-000001/vehicles/0"), ("crime", "CR-24-000002/vehicles/0")},
    }
    lost = {before[kind][key] for kind, keys in dropped.items() for key in keys}
    # The crime system corrects both reports: the first names no victim and no vehicle, the
    # second no one and nothing at all.
    suspect = crime_line()["persons"][:1]  # type: ignore[index]
    corrected = _crimes(
        tmp_path / "corrected",
        crime_line("CR-24-000001", persons=suspect, vehicles=[]),
        crime_line("CR-24-000002", persons=[], vehicles=[]),
    )

    result = runner.invoke(app, ["ingest", str(corrected), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"]["changed"] == 2
    after = {kind: _placement(db, kind) for kind in ("person", "vehicle")}
    for kind, keys in dropped.items():
        assert after[kind] == {key: e for key, e in before[kind].items() if key not in keys}
    # An entity counts only the records it holds, and one left with none is retired: the
    # victim, Carl, and the vehicle both reports named.
    _assert_entities_as_held(db)
    assert len(lost) == 3
    with db.connect() as conn:
        retired = conn.execute(
            sa.select(entities.c.id).where(entities.c.retired_run_id.is_not(None))
        ).scalars()
        assert lost <= set(retired)
    _assert_joins_within_entities(after["person"], _joins(db))
    # A later session's index holds neither the rows dropped nor their keys.
    _assert_index_as_built(db, settings)
    # And a batch run agrees.
    assert runner.invoke(app, ["link"]).exit_code == 0
    for kind in ("person", "vehicle"):
        assert _companions(_placement(db, kind)) == _companions(after[kind])


def test_what_stays_of_an_entity_a_changed_record_left_is_clustered_anew(
    db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any, tmp_path: Path
) -> None:
    first, _later, _county = split
    # T1 and T3 share a date of birth, T2 and T3 a home and a phone; T1 and T2 only a common
    # name, which does not join them.
    bridged = _custody(
        tmp_path / "bridged",
        _detained("CU-T1", "SMITH", "John", "05/05/1970", "", ",,"),
        _detained("CU-T2", "SMITH", "John", "", "", HOME),
        _detained("CU-T3", "SMITH", "John", "05/05/1970", "", HOME),
    )
    assert runner.invoke(app, ["ingest", str(first), str(bridged)]).exit_code == 0
    store_person_model(db, model)
    assert runner.invoke(app, ["link"]).exit_code == 0  # and indexes for search
    before = _placement(db, "person")
    assert before["custody", "CU-T1"] == before["custody", "CU-T2"] == before["custody", "CU-T3"]
    corrected = _custody(
        tmp_path / "corrected", _detained("CU-T3", "OKONJO", "Felix", "30/01/1958", "", ELSEWHERE)
    )

    assert runner.invoke(app, ["ingest", str(corrected)]).exit_code == 0

    after = _placement(db, "person")
    john = before["custody", "CU-T1"]
    parts = {after["custody", "CU-T1"], after["custody", "CU-T2"]}
    assert len(parts) == 2
    assert john in parts  # one part keeps the id; the other's is recorded as split from it
    with db.connect() as conn:
        changes = set(
            conn.execute(
                sa.select(entity_changes.c.old_id, entity_changes.c.new_id, entity_changes.c.reason)
            ).all()
        )
    assert (john, (parts - {john}).pop(), "split") in changes
    _assert_joins_within_entities(after, _joins(db))  # each part's record is alone
    _assert_entities_as_held(db)
    # Both parts are searchable as placed: the index holds what a full build holds.
    indexed = index_keys(db)
    rebuild(db)
    assert index_keys(db) == indexed
    assert runner.invoke(app, ["link"]).exit_code == 0
    assert _companions(_placement(db, "person")) == _companions(after)


def test_what_stays_of_a_place_a_changed_record_left_is_placed_anew(
    db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any, tmp_path: Path
) -> None:
    first, _later, _county = split
    # A's scene shares its UPRN with B's and its street and postcode with C's: A joins them.
    mill_lane = {"lines": ["12 Mill Lane"], "town": "Stone", "postcode": "ST15 8AB"}
    scenes = {
        "CR-24-00000A": {**mill_lane, "uprn": "100031644123"},
        "CR-24-00000B": {
            "lines": ["Mill House"],
            "town": "Hanley",
            "postcode": "ST1 1AA",
            "uprn": "100031644123",
        },
        "CR-24-00000C": mill_lane,
    }
    crimes = _crimes(
        tmp_path / "crimes",
        *(crime_line(ref, location=at, persons=[], vehicles=[]) for ref, at in scenes.items()),
    )
    _linked(db, settings, [first, crimes], model)

    def scene(ref: str) -> str:
        return next(e for (s, k), e in _placement(db, "location").items() if k.startswith(ref))

    assert scene("CR-24-00000A") == scene("CR-24-00000B") == scene("CR-24-00000C")
    elsewhere = {"lines": ["9 Elm Road"], "town": "Leek", "postcode": "ST13 6BB"}
    corrected = _crimes(
        tmp_path / "corrected",
        crime_line("CR-24-00000A", location=elsewhere, persons=[], vehicles=[]),
    )

    assert runner.invoke(app, ["ingest", str(corrected)]).exit_code == 0

    assert len({scene("CR-24-00000A"), scene("CR-24-00000B"), scene("CR-24-00000C")}) == 3
    after = _placement(db, "location")
    _assert_entities_as_held(db)
    assert runner.invoke(app, ["link"]).exit_code == 0
    assert _companions(_placement(db, "location")) == _companions(after)
