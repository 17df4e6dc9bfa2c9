"""Stable entity ids (`assign_ids`): pure rules, no store.

Issue 3: an entity keeps its id while it keeps the majority of its records; a merge keeps the
oldest id; in a split the part with most records keeps it; every id change is recorded
old → new; ids are never reused.
"""

from __future__ import annotations

import random
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from polestar.linkage.clusters import Assignment, Member, assign_ids
from polestar.store.entities import MemberKey, entity_number, format_entity_id


def m(number: int, source: str = "custody") -> Member:
    """The member with record id `number` (its source key says the same)."""
    return Member((number, f"K-{number:04d}"), source)


def key(number: int) -> MemberKey:
    return m(number).key


def per(number: int) -> str:
    return format_entity_id("person", number)


def placed(previous: dict[int, int]) -> dict[MemberKey, str]:
    """A previous run's placement written as record number → entity number."""
    return {key(record): per(entity) for record, entity in previous.items()}


def ids(assignment: Assignment, *records: int) -> list[str]:
    return [assignment.entity_of[key(record)] for record in records]


# --- a first run -----------------------------------------------------------------------------


def test_first_run_numbers_entities_in_order_of_their_smallest_record() -> None:
    result = assign_ids("person", [[m(5), m(3)], [m(4), m(1)], [m(2)]], {}, 1)

    assert ids(result, 1, 4) == [per(1), per(1)]
    assert ids(result, 2) == [per(2)]
    assert ids(result, 3, 5) == [per(3), per(3)]
    assert result.changes.new_entities == [per(1), per(2), per(3)]


def test_first_run_counts_every_entity_as_new() -> None:
    result = assign_ids("person", [[m(1), m(2)], [m(3)], [m(4)]], {}, 1)

    assert (result.entities, result.new_entities, result.changed_entities) == (3, 3, 0)
    assert result.changes.retired == []
    assert result.changes.changes == []


def test_new_ids_start_at_the_next_number_given() -> None:
    result = assign_ids("person", [[m(1)], [m(2)]], {}, 41)

    assert ids(result, 1, 2) == [per(41), per(42)]


def test_each_kind_has_its_own_prefix() -> None:
    vehicles = assign_ids("vehicle", [[m(1)]], {}, 1)
    locations = assign_ids("location", [[m(1)]], {}, 1)

    assert ids(vehicles, 1) == ["VEH-00000001"]
    assert ids(locations, 1) == ["LOC-00000001"]


# --- a re-run --------------------------------------------------------------------------------


def test_unchanged_clusters_change_nothing() -> None:
    previous = placed({1: 1, 2: 1, 3: 2})
    result = assign_ids("person", [[m(3)], [m(2), m(1)]], previous, 3)

    assert result.entity_of == previous
    assert (result.new_entities, result.changed_entities) == (0, 0)
    assert result.changes.placed == []
    assert result.changes.changes == []
    assert result.changes.retired == []


def test_person_gaining_records_keeps_their_id() -> None:
    previous = placed({1: 1, 2: 1, 3: 2})
    result = assign_ids("person", [[m(1), m(2), m(10), m(11)], [m(3)]], previous, 3)

    assert ids(result, 1, 2, 10, 11) == [per(1)] * 4
    assert ids(result, 3) == [per(2)]
    assert [member for member, _, _ in result.changes.placed] == [key(10), key(11)]
    assert result.changes.changes == []


def test_person_gaining_records_counts_as_changed_not_new() -> None:
    previous = placed({1: 1, 2: 1, 3: 2})
    result = assign_ids("person", [[m(1), m(2), m(10)], [m(3)]], previous, 3)

    assert (result.entities, result.new_entities, result.changed_entities) == (2, 0, 1)


def test_merge_keeps_the_older_id_even_when_the_newer_entity_is_larger() -> None:
    previous = placed({1: 7, 2: 7, 3: 7, 4: 3})
    result = assign_ids("person", [[m(1), m(2), m(3), m(4)]], previous, 8)

    assert ids(result, 1, 2, 3, 4) == [per(3)] * 4
    assert result.changes.retired == [per(7)]


def test_merge_records_old_new_merged_and_the_records_moved() -> None:
    previous = placed({1: 7, 2: 7, 3: 7, 4: 3})
    result = assign_ids("person", [[m(1), m(2), m(3), m(4)]], previous, 8)

    assert result.changes.changes == [(per(7), per(3), "merged", 3)]
    assert (result.new_entities, result.changed_entities) == (0, 1)


def test_split_gives_the_id_to_the_part_with_most_records() -> None:
    previous = placed({1: 4, 2: 4, 3: 4, 4: 4, 5: 4})
    # The smaller part sorts first, so sorting order alone would give it the id.
    result = assign_ids("person", [[m(1), m(2)], [m(3), m(4), m(5)]], previous, 10)

    assert ids(result, 3, 4, 5) == [per(4)] * 3
    assert ids(result, 1, 2) == [per(10)] * 2


def test_split_logs_the_part_that_left_under_its_new_id() -> None:
    previous = placed({1: 4, 2: 4, 3: 4, 4: 4, 5: 4})
    result = assign_ids("person", [[m(1), m(2)], [m(3), m(4), m(5)]], previous, 10)

    assert result.changes.changes == [(per(4), per(10), "split", 2)]
    assert result.changes.retired == []
    assert (result.new_entities, result.changed_entities) == (1, 1)


def test_split_tie_is_decided_the_same_way_whatever_the_input_order() -> None:
    previous = placed({1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2})
    clusters = [[m(4), m(2)], [m(3), m(1)], [m(5), m(6)]]
    expected = assign_ids("person", clusters, previous, 3)
    shuffler = random.Random(3)

    for _ in range(20):
        shuffled = [shuffler.sample(cluster, len(cluster)) for cluster in clusters]
        shuffler.shuffle(shuffled)
        again = assign_ids("person", shuffled, previous, 3)
        assert again.entity_of == expected.entity_of, shuffled
        assert again.changes.changes == expected.changes.changes, shuffled
        assert again.changes.new_entities == expected.changes.new_entities, shuffled
    # The tie goes to the part holding the smallest record.
    assert ids(expected, 1, 3) == [per(1)] * 2
    assert ids(expected, 2, 4) == [per(3)] * 2


def test_withdrawn_records_are_removed_and_their_entity_keeps_its_id() -> None:
    previous = placed({1: 1, 2: 1, 3: 1})
    result = assign_ids("person", [[m(1), m(2)]], previous, 2)

    assert result.changes.removed == [key(3)]
    assert ids(result, 1, 2) == [per(1)] * 2
    assert (result.new_entities, result.changed_entities) == (0, 1)


def test_entity_left_without_records_is_retired_without_a_merge_entry() -> None:
    previous = placed({1: 1, 2: 2, 3: 2})
    result = assign_ids("person", [[m(1)]], previous, 3)

    assert result.changes.retired == [per(2)]
    assert result.changes.changes == []
    assert sorted(result.changes.removed) == [key(2), key(3)]
    assert result.changed_entities == 0


def test_counts_of_a_mixed_rerun() -> None:
    # Entity 1 gains record 6, entity 2 is untouched, entity 3 absorbs entity 4, record 7 is new.
    previous = placed({1: 1, 2: 1, 3: 2, 4: 3, 5: 4})
    result = assign_ids("person", [[m(1), m(2), m(6)], [m(3)], [m(4), m(5)], [m(7)]], previous, 5)

    assert (result.entities, result.new_entities, result.changed_entities) == (4, 1, 2)
    assert result.changes.retired == [per(4)]
    assert ids(result, 7) == [per(5)]


def test_touched_entities_get_their_new_sizes() -> None:
    previous = placed({1: 1, 2: 1, 3: 2})
    result = assign_ids("person", [[m(1), m(2), m(4)], [m(3)]], previous, 3)

    assert result.changes.sizes == {per(1): 3}


# --- properties ------------------------------------------------------------------------------


@st.composite
def reruns(draw: st.DrawFn) -> tuple[dict[MemberKey, str], list[list[Member]], int]:
    """A random previous assignment and a random re-clustering of what survives plus new."""
    old_records = draw(st.integers(0, 30))
    next_number = draw(st.integers(1, 40))
    previous: dict[MemberKey, str] = {}
    if next_number > 1:
        for record in range(1, old_records + 1):
            entity = draw(st.integers(1, next_number - 1))
            previous[key(record)] = per(entity)
    # Most old records survive; the rest were withdrawn.
    surviving = [r for r in range(1, old_records + 1) if draw(st.integers(0, 4))]
    new_records = list(range(100, 100 + draw(st.integers(0, 10))))
    records = surviving + new_records
    labels = draw(st.lists(st.integers(0, 8), min_size=len(records), max_size=len(records)))
    grouped: dict[int, list[Member]] = defaultdict(list)
    for record, label in zip(records, labels, strict=True):
        grouped[label].append(m(record))
    order = draw(st.permutations(sorted(grouped)))
    return previous, [grouped[label] for label in order], next_number


@given(reruns())
@settings(max_examples=200)
def test_property_every_record_is_placed_exactly_once(
    case: tuple[dict[MemberKey, str], list[list[Member]], int],
) -> None:
    previous, clusters, next_number = case
    result = assign_ids("person", clusters, previous, next_number)

    members = [member.key for cluster in clusters for member in cluster]
    assert len(members) == len(set(members))
    assert set(result.entity_of) == set(members)
    for cluster in clusters:
        assert len({result.entity_of[member.key] for member in cluster}) == 1, cluster
    assert set(result.changes.removed) == set(previous) - set(members)


@given(reruns())
@settings(max_examples=200)
def test_property_no_id_names_two_clusters(
    case: tuple[dict[MemberKey, str], list[list[Member]], int],
) -> None:
    previous, clusters, next_number = case
    result = assign_ids("person", clusters, previous, next_number)

    cluster_ids = [result.entity_of[cluster[0].key] for cluster in clusters]
    assert len(cluster_ids) == len(set(cluster_ids)) == result.entities


@given(reruns())
@settings(max_examples=200)
def test_property_retired_ids_merged_into_a_live_id_or_lost_every_record(
    case: tuple[dict[MemberKey, str], list[list[Member]], int],
) -> None:
    previous, clusters, next_number = case
    result = assign_ids("person", clusters, previous, next_number)

    live = set(result.entity_of.values())
    surviving = {previous[member.key] for c in clusters for member in c if member.key in previous}
    merged_into = {old: new for old, new, reason, _ in result.changes.changes if reason == "merged"}
    assert set(result.changes.retired) == set(previous.values()) - live
    for retired in result.changes.retired:
        if retired in surviving:
            assert merged_into.get(retired) in live, (retired, result.changes.changes)
        else:
            assert retired not in merged_into, (retired, result.changes.changes)


@given(reruns())
@settings(max_examples=200)
def test_property_ids_are_never_reused(
    case: tuple[dict[MemberKey, str], list[list[Member]], int],
) -> None:
    previous, clusters, next_number = case
    result = assign_ids("person", clusters, previous, next_number)

    new = result.changes.new_entities
    assert len(new) == len(set(new)) == result.new_entities
    assert all(entity_number(entity) >= next_number for entity in new), (new, next_number)
    assert not set(new) & set(previous.values())
    assert not set(result.changes.retired) & set(result.entity_of.values())


@given(reruns())
@settings(max_examples=200)
def test_property_an_entity_whose_records_stay_together_alone_keeps_its_id(
    case: tuple[dict[MemberKey, str], list[list[Member]], int],
) -> None:
    previous, clusters, next_number = case
    result = assign_ids("person", clusters, previous, next_number)

    for cluster in clusters:
        olds = {previous[member.key] for member in cluster if member.key in previous}
        if len(olds) != 1:
            continue
        (old,) = olds
        elsewhere = [
            member.key
            for other in clusters
            if other is not cluster
            for member in other
            if previous.get(member.key) == old
        ]
        if not elsewhere:
            assert result.entity_of[cluster[0].key] == old, (cluster, previous)


@given(reruns(), st.randoms(use_true_random=False))
@settings(max_examples=200)
def test_property_input_order_does_not_matter(
    case: tuple[dict[MemberKey, str], list[list[Member]], int], shuffler: random.Random
) -> None:
    previous, clusters, next_number = case
    shuffled = [shuffler.sample(cluster, len(cluster)) for cluster in clusters]
    shuffler.shuffle(shuffled)

    first = assign_ids("person", clusters, previous, next_number)
    second = assign_ids("person", shuffled, previous, next_number)

    assert second.entity_of == first.entity_of
    assert second.changes.changes == first.changes.changes
    assert second.changes.new_entities == first.changes.new_entities
    assert second.changes.retired == first.changes.retired
