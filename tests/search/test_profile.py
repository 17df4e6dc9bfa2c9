"""The person view as a service: values derived from visible records only, retired ids, and
the audit entry each call writes."""

from __future__ import annotations

import pytest

from polestar import audit
from polestar.access import viewer_for
from polestar.errors import InvalidInput, NotFound
from polestar.search.profile import PersonView, person_view
from polestar.store.entities import AssignmentChanges, apply_changes
from polestar.store.runs import finish_run, start_run
from tests.canary import (
    ACTOR,
    INTEL_SEEN,
    JUSTIFICATION,
    MARKER_DATE,
    PURPOSES,
    SUPERVISION_START,
    Seeded,
    canary,
    canary_model,
)
from tests.canary_review import GROUNDS, PAIRS, items_queued, only_queued, ruled_apart

__all__ = ["canary", "canary_model"]


def _view(
    canary: Seeded, user: str, purpose: str, entity_id: str, justification: str | None = None
) -> PersonView:
    viewer = viewer_for(canary.engine, user, purpose, justification)
    return person_view(canary.engine, canary.settings, viewer, entity_id)


def test_last_seen_and_source_counts_come_from_visible_records_only(canary: Seeded) -> None:
    officer = _view(canary, "home-officer", "investigation", canary.target)
    analyst = _view(canary, "home-analyst", "investigation", canary.target, JUSTIFICATION)
    assert officer.last_seen is not None
    assert not officer.last_seen.lower().startswith(INTEL_SEEN)
    assert analyst.last_seen is not None
    assert analyst.last_seen.lower().startswith(INTEL_SEEN)
    assert officer.source_counts == {"courts": 1, "crime": 1, "custody": 1, "probation": 1}
    assert analyst.source_counts == {"courts": 1, "crime": 2, "custody": 1, "probation": 1}


def test_fields_outside_the_agreement_are_absent_not_blank(canary: Seeded) -> None:
    fire = _view(canary, "fire-caseworker", "fire-safety", canary.target)
    assert fire.dates_of_birth == []
    assert fire.identifiers == []
    assert [m["code"] for m in fire.markers] == ["VI", "FI"]
    assert fire.markers[0]["sources"] == ["custody:CU-000901"]


def test_a_retired_id_resolves_to_the_entity_it_merged_into(canary: Seeded) -> None:
    run_id = start_run(canary.engine, "test", ACTOR)
    with canary.engine.begin() as conn:
        apply_changes(
            conn,
            AssignmentChanges(
                kind="person",
                new_entities=["PER-00009999"],
                retired=["PER-00009999"],
                changes=[("PER-00009999", canary.target, "merged", 1)],
                placed=[],
                moved=[],
                removed=[],
                sizes={},
            ),
            run_id,
            None,
        )
    finish_run(canary.engine, run_id, "completed", {})
    view = _view(canary, "cps-caseworker", "prosecution", "PER-00009999")
    assert view.entity_id == canary.target
    found = audit.by_user(
        canary.engine, "cps-caseworker", reader=audit.Actor(ACTOR), settings=canary.settings
    )[-1]
    assert found.entry.entity_ids == (canary.target,)
    assert found.entry.details["requested"] == "PER-00009999"


def test_an_entity_of_another_kind_is_not_found(canary: Seeded) -> None:
    with pytest.raises(NotFound, match="no person 'LOC-00000001'"):
        _view(canary, "home-officer", "investigation", "LOC-00000001")


def test_events_are_counted_by_role_from_visible_records_only(canary: Seeded) -> None:
    officer = _view(canary, "home-officer", "investigation", canary.target).events
    analyst = _view(canary, "home-analyst", "investigation", canary.target, JUSTIFICATION).events
    assert officer is not None
    assert analyst is not None
    assert officer.by_role == {"arrested-person": 1, "defendant": 1, "subject": 1, "suspect": 2}
    assert analyst.by_role == {"arrested-person": 1, "defendant": 1, "subject": 2, "suspect": 2}
    assert (officer.total, analyst.total) == (5, 6)
    assert "crime:IN-26-000903" not in [item["event"] for item in officer.items]


def test_the_timeline_is_newest_first_and_holds_only_visible_events(canary: Seeded) -> None:
    officer = _view(canary, "home-officer", "investigation", canary.target)
    analyst = _view(canary, "home-analyst", "investigation", canary.target, JUSTIFICATION)
    times = [entry["at"] for entry in officer.timeline]
    assert times == sorted(times, reverse=True)
    assert "crime:IN-26-000903" not in {entry["record"] for entry in officer.timeline}
    assert analyst.timeline[0]["record"] == "crime:IN-26-000903"
    assert analyst.timeline[0]["at"].lower().startswith(INTEL_SEEN)
    assert analyst.timeline_total == officer.timeline_total + 1


def test_the_timeline_dates_his_warning_marker_for_those_who_may_see_markers(
    canary: Seeded,
) -> None:
    def noted(view: PersonView) -> list[dict[str, object]]:
        return [entry for entry in view.timeline if entry["what"] == "marker"]

    officer = _view(canary, "home-officer", "investigation", canary.target)
    assert noted(officer) == [
        {
            "at": MARKER_DATE,
            "what": "marker",
            "event_type": None,
            "record": "crime:NOM-0009001",
            "roles": [],
            "records": ["crime:NOM-0009001"],
            "detail": "FI firearms",
        }
    ]
    assert officer.timeline_total == len(officer.timeline)  # within the limit: all of it
    assert officer.timeline[-1]["at"] == MARKER_DATE  # his oldest fact, last
    cps = _view(canary, "cps-caseworker", "prosecution", canary.target)
    assert "person.markers" in cps.withheld
    assert noted(cps) == []


def test_events_page_through_every_visible_event_once_in_a_stable_order(
    canary: Seeded,
) -> None:
    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    whole = person_view(canary.engine, canary.settings, viewer, canary.target, events_limit=200)
    assert whole.events is not None
    paged, cursor = [], None
    for _ in range(10):
        view = person_view(
            canary.engine,
            canary.settings,
            viewer,
            canary.target,
            events_limit=2,
            events_cursor=cursor,
        )
        assert view.events is not None
        assert len(view.events.items) <= 2
        paged.extend(item["event"] for item in view.events.items)
        cursor = view.events.next_cursor
        if cursor is None:
            break
    assert paged == [item["event"] for item in whole.events.items]
    assert len(paged) == len(set(paged)) == whole.events.total == 5


@pytest.mark.parametrize(
    ("limit", "cursor", "field"),
    [(0, None, "events_limit"), (201, None, "events_limit"), (20, "not-a-cursor", "cursor")],
)
def test_a_bad_page_is_a_422_naming_the_field_and_is_recorded(
    canary: Seeded, limit: int, cursor: str | None, field: str
) -> None:
    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    with pytest.raises(InvalidInput) as raised:
        person_view(
            canary.engine,
            canary.settings,
            viewer,
            canary.target,
            events_limit=limit,
            events_cursor=cursor,
        )
    assert [error.field for error in raised.value.errors] == [field]
    found = audit.by_user(
        canary.engine, "home-officer", reader=audit.Actor(ACTOR), settings=canary.settings
    )[-1]
    assert (found.entry.action, found.entry.outcome) == ("person.show", "denied")


def test_each_record_carries_its_provenance_and_the_join_that_placed_it(
    canary: Seeded,
) -> None:
    view = _view(canary, "home-officer", "investigation", canary.target)
    by_record = {item["record"]: item for item in view.provenance}
    assert set(by_record) == set(view.records)
    custody = by_record["custody:CU-000901"]
    assert custody["source_record"] == "custody:CU-000901"
    assert custody["file"].endswith("custody.csv")
    assert custody["line"] == "line 2"
    assert len(custody["content_hash"]) == 64
    assert custody["version"] == 1
    assert custody["ingested_at"]
    joins = [item["join"] for item in view.provenance]
    assert all(join is not None for join in joins), joins
    assert all(join["other"] in view.records and join["match_weight"] > 0 for join in joins)


def test_a_join_to_a_record_the_viewer_may_not_see_is_not_shown(canary: Seeded) -> None:
    cps = _view(canary, "cps-caseworker", "prosecution", canary.target)
    for item in cps.provenance:
        assert item["join"] is None or item["join"]["other"] in cps.records, item
    # A row CPS sees was placed by its join to the courts' record, which CPS may not see: the
    # officer sees that join, CPS sees none for the row (which row it is follows the model).
    officer = _view(canary, "home-officer", "investigation", canary.target)
    hidden = [
        item
        for item in officer.provenance
        if item["record"] in cps.records and item["join"]["other"] not in cps.records
    ]
    assert [item["join"]["other"] for item in hidden] == ["courts:D-000901"], officer.provenance
    assert [item["record"] for item in cps.provenance if item["join"] is None] == [
        hidden[0]["record"]
    ]


def _under_review(
    canary: Seeded, who: tuple[str, str, str | None], entity_id: str
) -> dict[str, set[str]] | None:
    """Each record's grounds in the profile `who` sees; None where they may see no record."""
    try:
        view = _view(canary, who[0], who[1], entity_id, who[2])
    except NotFound:
        return None
    return {item["record"]: set(item["under_review"]) for item in view.provenance}


@pytest.mark.parametrize(
    "who",
    [
        ("home-officer", "investigation", None),
        ("home-analyst", "intelligence", JUSTIFICATION),
        ("cps-caseworker", "prosecution", None),
    ],
)
def test_a_record_a_reviewer_may_yet_part_from_the_entity_says_why(
    canary: Seeded, who: tuple[str, str, str | None]
) -> None:
    before = _under_review(canary, who, canary.target)
    victim_before = _under_review(canary, who, canary.victim)
    with items_queued(canary):
        view = _view(canary, who[0], who[1], canary.target, who[2])
        victim = _under_review(canary, who, canary.victim)
    # An item adds its ground to both its records only where the viewer sees both in the
    # profile: the target's own pair, and his record with the intelligence log record for one
    # who may see intelligence; never the victim and the child, who are other people.
    added: dict[str, set[str]] = {}
    for name in ("target", "intelligence"):
        pair = [f"{source}:{key}" for source, key in PAIRS[name]]
        if set(pair) <= set(view.records):
            for record in pair:
                added.setdefault(record, set()).add(GROUNDS[name])
    assert before is not None
    assert {item["record"]: set(item["under_review"]) for item in view.provenance} == {
        record: grounds | added.get(record, set()) for record, grounds in before.items()
    }
    assert ("crime:NOM-ZQINTEL" in added) == (who[0] == "home-analyst")
    assert victim == victim_before, "the child's record is another person's"
    if who[0] == "home-officer":
        assert set(added) == {"custody:CU-000901", "crime:NOM-0009001"}


def test_records_a_decision_says_are_not_one_person_say_so_until_a_run_parts_them(
    canary: Seeded,
) -> None:
    # A rejection takes effect at the next run: until then the profile says which records a
    # reviewer ruled apart, to each viewer who sees both.
    with ruled_apart(canary, ("custody", "CU-000901"), ("crime", "NOM-0009001")):
        views = {
            user: _view(canary, user, PURPOSES[user], canary.target)
            for user in ("home-officer", "cps-caseworker", "courts-caseworker")
        }
    both = {"custody:CU-000901", "crime:NOM-0009001"}
    for user, view in views.items():
        parted = {item["record"]: item["not_the_same_as"] for item in view.provenance}
        if both <= set(view.records):
            assert parted["custody:CU-000901"] == ["crime:NOM-0009001"], user
            assert parted["crime:NOM-0009001"] == ["custody:CU-000901"], user
        assert all(not others for record, others in parted.items() if record not in both), user
        assert all(set(others) <= set(view.records) for others in parted.values()), user
    assert both <= set(views["home-officer"].records)
    courts = views["courts-caseworker"]  # sees the custody record, not the crime nominal
    assert "crime:NOM-0009001" not in courts.records
    assert all(not item["not_the_same_as"] for item in courts.provenance)


def test_conflicting_values_are_all_shown_with_their_records(canary: Seeded) -> None:
    view = _view(canary, "home-officer", "investigation", canary.target)
    assert "names" in view.conflicts
    names = {item.value: item.sources for item in view.names}
    assert names["Tobias Zqcustodymiddle Quillfeather"] == ("custody:CU-000901",)
    assert "Tobias Quillfeather" in names
    assert "dates_of_birth" not in view.conflicts  # every record agrees


def test_the_audit_entry_names_every_record_the_timeline_shows_past_the_events_page(
    canary: Seeded,
) -> None:
    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    view = person_view(canary.engine, canary.settings, viewer, canary.target, events_limit=1)
    found = audit.by_user(
        canary.engine, "home-officer", reader=audit.Actor(ACTOR), settings=canary.settings
    )[-1]
    assert view.events is not None
    assert len(view.events.items) == 1 < len(view.timeline)
    named = {entry["record"] for entry in view.timeline}
    assert named - {item["event"] for item in view.events.items}  # past the page
    assert named <= set(found.entry.record_ids)


def test_addresses_over_time_are_dated_by_their_records_events(canary: Seeded) -> None:
    view = _view(canary, "home-officer", "investigation", canary.target)
    custody = next(a for a in view.address_history if "Zqcustodyhome" in a["address"])
    assert (custody["from"], custody["to"]) == ("2025-03-14", "2025-03-14")
    assert custody["entity_ids"] == [canary.location]
    probation = next(a for a in view.address_history if "Zqprobationstreet" in a["address"])
    # Days the probation service gave, kept as London days (in summer, an hour after UTC's).
    assert (probation["from"], probation["to"]) == (SUPERVISION_START, "2026-07-10")


def test_vehicles_and_phones_come_with_their_records(canary: Seeded) -> None:
    view = _view(canary, "home-officer", "investigation", canary.target)
    assert [v["entity_id"] for v in view.vehicles] == [canary.vehicle]
    assert view.vehicles[0]["vrm"] == [
        {"value": "ZQ11VEH", "sources": ["crime:CR-25-000901/vehicles/0"]}
    ]
    assert [(p.value, p.sources) for p in view.phones] == [
        ("+447700900901", ("custody:CU-000901",))
    ]
    cps = _view(canary, "cps-caseworker", "prosecution", canary.target)
    assert [v["entity_id"] for v in cps.vehicles] == [canary.vehicle]
    assert cps.phones == []


def test_the_audit_entry_names_the_associates_and_every_record_shown(canary: Seeded) -> None:
    view = _view(canary, "home-officer", "investigation", canary.target)
    found = audit.by_user(
        canary.engine, "home-officer", reader=audit.Actor(ACTOR), settings=canary.settings
    )[-1]
    shown = set(found.entry.record_ids)
    assert found.entry.entity_ids == (canary.target, *(a["entity_id"] for a in view.associates))
    assert set(view.records) <= shown
    assert view.events is not None
    assert {item["event"] for item in view.events.items} <= shown
    assert "custody:CU-000901" in shown
    assert "crime:CR-25-000901/vehicles/0" in shown


def test_an_event_its_source_gave_as_a_day_is_the_day_not_midnight(canary: Seeded) -> None:
    """Probation gives the day a supervision starts: stored at the start of that London day
    (23:00 UTC the day before, in summer), and given back as the day, in the events and the
    timeline alike. A custody arrest keeps its time."""
    view = _view(canary, "home-officer", "investigation", canary.target)
    assert view.events is not None
    when = {item["event"]: item["occurred_at"] for item in view.events.items}
    assert when["probation:X123456"] == SUPERVISION_START
    assert when["custody:CU-000901"] == "2025-03-14T02:17:00+00:00"
    at = {entry["record"]: entry["at"] for entry in view.timeline}
    assert at["probation:X123456"] == SUPERVISION_START


def _in_question(canary: Seeded, who: tuple[str, str, str | None]) -> dict[str, bool]:
    """Whether each of the target's warning markers, as `who` sees them, is in question."""
    view = _view(canary, who[0], who[1], canary.target, who[2])
    sources = {m["code"]: m["sources"] for m in view.markers}
    assert sources == {"VI": ["custody:CU-000901"], "FI": ["crime:NOM-0009001"]}, sources
    return {m["code"]: m["in_question"] for m in view.markers}


PROBATION = ("probation", "X123456")


def test_a_warning_only_records_in_question_give_says_so(canary: Seeded) -> None:
    # The violent marker comes from the custody record alone, which a reviewer may yet find
    # to be the man in the intelligence log, not the target; the firearms marker's record is
    # in no open pair. Only a viewer who sees both records of the pair is told.
    analyst = ("home-analyst", "intelligence", JUSTIFICATION)
    officer = ("home-officer", "investigation", None)
    with only_queued(canary):
        assert _in_question(canary, analyst) == {"VI": False, "FI": False}
    with only_queued(canary, "intelligence"):
        assert _in_question(canary, analyst) == {"VI": True, "FI": False}
        assert _in_question(canary, officer) == {"VI": False, "FI": False}
    with only_queued(canary, "target"):
        assert _in_question(canary, officer) == {"VI": True, "FI": True}
    # Ruled apart from the probation record, until the next run parts them.
    with only_queued(canary), ruled_apart(canary, ("custody", "CU-000901"), PROBATION):
        assert _in_question(canary, officer) == {"VI": True, "FI": False}
