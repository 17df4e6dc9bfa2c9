"""Building the search index: a refresh writes what a rebuild writes, stale records are found
and re-indexed, and a key left pointing at a wrong entity never surfaces it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

import polestar.search.index as index_module
from polestar.access import viewer_for
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.search import merge_if_due, rebuild, refresh, refresh_stale, search
from polestar.search.keys import KEYS_VERSION
from polestar.settings import Settings
from polestar.store import search_index
from polestar.store.tables import (
    entity_members,
    persons,
    search_index_version,
    search_keys,
    search_keys_recent_records,
    source_records,
)
from tests.canary import CUSTODY, Seeded, canary, canary_copy, canary_model
from tests.search.indexed import index_keys
from tests.search.linked import county, linked

__all__ = ["canary", "canary_copy", "canary_model", "county", "linked"]


def _unindexed(canary: Seeded) -> list[int]:
    """Empty the built index; returns every source record's id, to index them again."""
    with canary.engine.begin() as conn:
        conn.execute(search_keys.delete())
        return list(conn.execute(sa.select(source_records.c.id)).scalars())


def _records_of(canary: Seeded) -> list[int]:
    with canary.engine.connect() as conn:
        query = sa.select(entity_members.c.record_id).where(
            entity_members.c.entity_id == canary.target
        )
        return sorted(set(conn.execute(query).scalars()))


def test_a_refresh_of_every_record_writes_what_a_rebuild_writes(canary: Seeded) -> None:
    report = rebuild(canary.engine)
    built = index_keys(canary.engine)
    assert report.keys == len(built) > 0
    assert ("n:QUILLFEATHER", canary.target) in {(k, e) for k, e, _ in built}
    record_ids = _unindexed(canary)
    refresh(canary.engine, record_ids)
    assert index_keys(canary.engine) == built


def test_a_refresh_cut_short_writes_nothing_and_is_caught_up(
    canary: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One transaction, so no record is left half-indexed: `refresh_stale` finds a record with
    # no key under its entity, never one missing some of its keys. (Committing a few hundred
    # thousand keys at a time, to free SQLite's writer sooner, lost this; cut at records
    # instead, it slowed a linked ingest at a million people from 137 s to 153 s.)
    rebuild(canary.engine)
    built = index_keys(canary.engine)
    record_ids = _unindexed(canary)
    write_recent = search_index.write_recent

    def cut_short(conn: sa.Connection, staged: search_index.StagedKeys) -> int:
        assert write_recent(conn, staged) > 0
        raise RuntimeError("killed")

    monkeypatch.setattr(search_index, "write_recent", cut_short)
    with pytest.raises(RuntimeError, match="killed"):
        refresh(canary.engine, record_ids)
    monkeypatch.setattr(search_index, "write_recent", write_recent)

    assert index_keys(canary.engine) == set()
    refresh_stale(canary.engine)
    assert index_keys(canary.engine) == built


def test_arrivals_are_found_in_the_recent_keys_until_merged_into_the_built_ones(
    canary: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild(canary.engine)
    built = index_keys(canary.engine)
    assert index_keys(canary.engine, recent=True) == set()
    theirs = _records_of(canary)
    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    monkeypatch.setattr(search_index, "MERGE_SHARE", 1e9)  # never due

    refresh(canary.engine, theirs)

    recent = index_keys(canary.engine, recent=True)
    assert recent == {row for row in built if row[2] in theirs}
    assert not recent & index_keys(canary.engine, recent=False)
    page = search(canary.engine, canary.settings, viewer, "Tobias Quillfeather")
    assert [result.entity_id for result in page.results] == [canary.target]
    assert not merge_if_due(canary.engine)
    assert index_keys(canary.engine, recent=True) == recent
    # Once they are a share of the built keys, they are merged in.
    monkeypatch.setattr(search_index, "MERGE_SHARE", 1e-9)
    refresh(canary.engine, theirs)
    assert index_keys(canary.engine, recent=True) == recent
    assert merge_if_due(canary.engine)
    assert index_keys(canary.engine, recent=True) == set()
    assert index_keys(canary.engine, recent=False) == built
    # A full build starts again without any.
    monkeypatch.setattr(search_index, "MERGE_SHARE", 1e9)
    refresh(canary.engine, theirs)
    assert index_keys(canary.engine, recent=True)
    rebuild(canary.engine)
    assert index_keys(canary.engine, recent=True) == set()
    assert index_keys(canary.engine) == built


@contextmanager
def _renamed(canary: Seeded, record_ids: list[int], surname: str) -> Iterator[None]:
    """The person rows of these records under a new surname, each given its own back after
    (the canary store is shared by the module's tests)."""
    with canary.engine.begin() as conn:
        held = conn.execute(
            sa.select(persons.c.id, persons.c.surname).where(
                persons.c.record_id.in_(record_ids), persons.c.surname.is_not(None)
            )
        ).all()
        conn.execute(
            persons.update().where(persons.c.id.in_([i for i, _ in held])).values(surname=surname)
        )
    try:
        yield
    finally:
        with canary.engine.begin() as conn:
            for row_id, original in held:
                conn.execute(
                    persons.update().where(persons.c.id == row_id).values(surname=original)
                )


def test_a_records_recent_keys_are_replaced_when_it_changes_and_dropped_when_disposed(
    canary: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recent keys have no B-tree by record: a record's are found through the row naming them.
    rebuild(canary.engine)
    monkeypatch.setattr(search_index, "MERGE_SHARE", 1e9)  # never due
    theirs = _records_of(canary)
    refresh(canary.engine, theirs)
    with _renamed(canary, theirs, "Brambleworth"):  # as a new version replaces typed rows
        refresh(canary.engine, theirs)
        recent = index_keys(canary.engine, recent=True)
        rebuild(canary.engine)
        assert recent == {row for row in index_keys(canary.engine) if row[2] in theirs}
        assert any(key == "n:BRAMBLEWORTH" for key, _, _ in recent)
        assert not any("QUILLFEATHER" in key for key, _, _ in recent)

    refresh(canary.engine, theirs)  # their keys move from the built ones to the recent
    recent = index_keys(canary.engine, recent=True)
    assert {row[2] for row in recent} == set(theirs)
    with canary.engine.begin() as conn:  # as disposal does
        assert search_index.delete_record_keys(conn, theirs) == len(recent)
    assert not {row for row in index_keys(canary.engine) if row[2] in theirs}
    with canary.engine.connect() as conn:
        assert not conn.execute(sa.select(search_keys_recent_records)).first()
    rebuild(canary.engine)


def test_writing_recent_keys_already_there_leaves_them_as_they_are(canary: Seeded) -> None:
    # Two refreshes of one record at once (PostgreSQL's writers do not queue) write the same
    # rows: the second leaves the first's, where a primary key would otherwise fail it.
    rebuild(canary.engine)
    keys = {"n:QUILLFEATHER", "b:1980-01-01"}
    recent = search_index.key_lists({(record_id, canary.target): keys for record_id in (1, 2)})
    for _ in range(2):
        with canary.engine.begin() as conn:
            staged = search_index.stage_recent(conn, recent)
            assert search_index.write_recent(conn, staged) == 4
    rows = {("n:QUILLFEATHER", canary.target, 1), ("b:1980-01-01", canary.target, 1)}
    assert index_keys(canary.engine, recent=True) == rows | {(k, e, 2) for k, e, _ in rows}
    with canary.engine.begin() as conn:
        assert search_index.delete_record_keys(conn, [1, 2]) >= 4
    assert index_keys(canary.engine, recent=True) == set()
    rebuild(canary.engine)


def test_keys_staged_for_a_write_that_never_came_are_not_written_by_the_next(
    canary: Seeded,
) -> None:
    # Staging commits before the write begins (its tables are the connection's own), so a
    # failed write leaves its keys staged on the pooled connection; the next staging drops them.
    rebuild(canary.engine)
    with canary.engine.connect() as conn:
        left = search_index.key_lists({(1, canary.target): {"n:LEFTOVER"}})
        search_index.stage_recent(conn, left)
        conn.commit()
        staged = search_index.stage_recent(
            conn, search_index.key_lists({(2, canary.target): {"n:QUILLFEATHER"}})
        )
        conn.commit()
        with conn.begin():
            assert search_index.write_recent(conn, staged) == 1
    assert index_keys(canary.engine, recent=True) == {("n:QUILLFEATHER", canary.target, 2)}
    rebuild(canary.engine)


def test_records_missing_from_the_index_are_found_and_reindexed(canary: Seeded) -> None:
    rebuild(canary.engine)
    with canary.engine.connect() as conn:
        assert search_index.stale_record_ids(conn) == []  # every placed row has keys
    built = index_keys(canary.engine)
    with canary.engine.begin() as conn:
        conn.execute(search_keys.delete().where(search_keys.c.entity_id == canary.target))
    assert not any(entity == canary.target for _, entity, _ in index_keys(canary.engine))
    refresh_stale(canary.engine)
    assert index_keys(canary.engine) == built


def test_after_a_run_only_the_records_it_moved_are_reindexed_unless_a_quarter_moved(
    canary: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild(canary.engine)
    built = index_keys(canary.engine)
    # A second run on the same records moves none, and re-indexes none.
    assert refresh_stale(canary.engine).records == 0
    assert index_keys(canary.engine, recent=True) == set()
    # Some moved (counted as few, whatever their share here): theirs alone are re-indexed, into
    # the recent keys.
    theirs = _records_of(canary)
    with canary.engine.begin() as conn:
        conn.execute(search_keys.delete().where(search_keys.c.record_id.in_(theirs)))
    monkeypatch.setattr(index_module, "REBUILD_SHARE", 1.0)
    monkeypatch.setattr(search_index, "MERGE_SHARE", 1e9)  # never merged
    assert refresh_stale(canary.engine).records == len(theirs)
    assert index_keys(canary.engine, recent=True) == {row for row in built if row[2] in theirs}
    assert index_keys(canary.engine) == built
    # A quarter or more moved (here: the index is empty): it is rebuilt whole, the recent keys
    # dropped.
    monkeypatch.setattr(index_module, "REBUILD_SHARE", 0.25)
    rebuild(canary.engine)
    _unindexed(canary)
    report = refresh_stale(canary.engine)
    assert report.records == len({record for _, _, record in built})
    assert index_keys(canary.engine, recent=True) == set()
    assert index_keys(canary.engine, recent=False) == built


def test_an_index_built_with_older_keys_is_rebuilt_whole_by_the_next_refresh(
    canary: Seeded,
) -> None:
    # As a store indexed before the `y` keys were: none of its records moved, yet every one
    # lacks keys the current version writes.
    rebuild(canary.engine)
    built = index_keys(canary.engine)
    older = {row for row in built if not row[0].startswith("y:")}
    assert older != built
    with canary.engine.begin() as conn:
        conn.execute(search_keys.delete().where(search_keys.c.key.like("y:%")))
        search_index.set_keys_version(conn, KEYS_VERSION - 1)
    assert index_keys(canary.engine) == older

    report = refresh_stale(canary.engine)

    assert report.rebuilt
    assert report.records == len({record for _, _, record in built})
    assert index_keys(canary.engine) == built
    with canary.engine.connect() as conn:
        assert search_index.keys_version(conn) == KEYS_VERSION
    again = refresh_stale(canary.engine)
    assert (again.rebuilt, again.records) == (False, 0)
    # No version recorded at all reads as older than any.
    with canary.engine.begin() as conn:
        conn.execute(search_index_version.delete())
    assert refresh_stale(canary.engine).rebuilt


def test_a_record_an_ingest_changed_has_no_keys_until_reindexed(
    canary_copy: Seeded, tmp_path: Path
) -> None:
    # Nothing links or indexes this ingest's arrivals (no chunk hook), as when an ingest is
    # killed between committing a record and indexing it: its old keys must not stay, or
    # `stale_record_ids` could not tell it needs re-indexing.
    engine = canary_copy.engine
    rebuild(engine)
    later = tmp_path / "later"
    later.mkdir()
    header, row = CUSTODY
    (later / "custody.csv").write_text(
        f"{header}\n{row.replace('QUILLFEATHER', 'ZQRENAMEDSON')}\n", encoding="utf-8"
    )
    ingest(engine, plan_inputs([later]), canary_copy.settings, actor="cli:test")
    with engine.connect() as conn:
        record_id = conn.execute(
            sa.select(source_records.c.id).where(source_records.c.source_key == "CU-000901")
        ).scalar_one()
        assert search_index.stale_record_ids(conn) == [record_id]
    assert not any(record == record_id for _, _, record in index_keys(engine))

    refresh_stale(engine)

    viewer = viewer_for(engine, "home-officer", "investigation")
    page = search(engine, canary_copy.settings, viewer, "Tobias Zqrenamedson")
    assert [result.entity_id for result in page.results] == [canary_copy.target]


def test_a_key_pointing_at_a_wrong_entity_never_surfaces_it(canary: Seeded) -> None:
    rebuild(canary.engine)
    with canary.engine.begin() as conn:
        conn.execute(
            search_keys.update()
            .where(search_keys.c.entity_id == canary.target)
            .values(entity_id="PER-99999999")
        )
    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    page = search(canary.engine, canary.settings, viewer, "Tobias Quillfeather")
    assert [result.entity_id for result in page.results] == []
    rebuild(canary.engine)
    page = search(canary.engine, canary.settings, viewer, "Tobias Quillfeather")
    assert [result.entity_id for result in page.results] == [canary.target]


def test_a_name_two_slips_away_is_found_by_its_date_of_birth_among_crowding_namesakes(
    canary: Seeded,
) -> None:
    # "Tubiax" meets none of Tobias's keys. A hundred entities named as typed (as the
    # thousands sharing a common name's words would at scale) fill the candidates before
    # the people born that day, and outweigh him again when the search falls back on each
    # word's own keys; with a date of birth typed, the fallback looks only among those born
    # that day.
    rebuild(canary.engine)
    with canary.engine.begin() as conn:
        record_id = conn.execute(
            sa.select(search_keys.c.record_id).where(search_keys.c.entity_id == canary.target)
        ).scalar()
        conn.execute(
            search_keys.insert(),
            [
                {"key": key, "entity_id": f"PER-9{number:07d}", "record_id": record_id}
                for number in range(100)
                for key in ("f:TUBIAX QUILLFEATHER", "n:TUBIAX", "n:QUILLFEATHER")
            ],
        )
    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    page = search(canary.engine, canary.settings, viewer, "Tubiax Quillfeather 01/03/1980")
    rebuild(canary.engine)
    assert [result.entity_id for result in page.results] == [canary.target]


def test_a_name_two_slips_away_with_a_date_nobody_has_is_looked_for_everywhere(
    canary: Seeded,
) -> None:
    # 03/01/1980 is his date of birth (1 March) with the day and month swapped, and nobody
    # was born on 3 January: the fallback does not narrow to nobody.
    rebuild(canary.engine)
    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    page = search(canary.engine, canary.settings, viewer, "Tubiax Quillfeather 03/01/1980")
    assert [result.entity_id for result in page.results] == [canary.target]


def test_a_key_held_by_more_entities_than_asked_for_narrows_nothing(canary: Seeded) -> None:
    # A placeholder date of birth (unknown dates written as one day) can name thousands: the
    # fallback then reads the words' keys everywhere rather than list them all.
    rebuild(canary.engine)
    with canary.engine.connect() as conn:
        born = search_index.keyed(conn, ["b:1980-03-01"], 5)
        assert born is not None
        assert canary.target in born
        assert search_index.keyed(conn, ["b:1980-03-01"], len(born) - 1) is None
        assert search_index.keyed(conn, ["b:1066-10-14"], 5) == []


def test_a_rebuild_writes_each_key_of_a_record_once_per_entity(
    linked: tuple[sa.Engine, Settings],
) -> None:
    # A record's rows of one entity (a crime's scene that is its victim's home too) share
    # keys; the full build wrote them once per row, 1% of its keys at a million people.
    engine, _settings = linked
    with engine.connect() as conn:
        shared = conn.execute(
            sa.select(entity_members.c.record_id)
            .group_by(entity_members.c.record_id, entity_members.c.entity_id)
            .having(sa.func.count() > 1)
        ).all()
        written = conn.execute(sa.select(sa.func.count()).select_from(search_keys)).scalar_one()
    assert shared, "the county should hold a record with two rows of one entity"
    assert written == len(index_keys(engine, recent=False)) > 0
