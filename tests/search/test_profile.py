"""The person view as a service: values derived from visible records only, retired ids, and
the audit entry each call writes."""

from __future__ import annotations

import pytest

from polestar import audit
from polestar.access import viewer_for
from polestar.errors import NotFound
from polestar.search.profile import PersonView, person_view
from polestar.store.entities import AssignmentChanges, apply_changes
from polestar.store.runs import finish_run, start_run
from tests.canary import ACTOR, INTEL_SEEN, JUSTIFICATION, Seeded, canary, canary_model

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
    assert not officer.last_seen.isoformat().lower().startswith(INTEL_SEEN)
    assert analyst.last_seen is not None
    assert analyst.last_seen.isoformat().lower().startswith(INTEL_SEEN)
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
    found = audit.by_user(canary.engine, "cps-caseworker", reader=audit.Reader(ACTOR))[-1]
    assert found.entry.entity_ids == (canary.target,)
    assert found.entry.details["requested"] == "PER-00009999"


def test_an_entity_of_another_kind_is_not_found(canary: Seeded) -> None:
    with pytest.raises(NotFound, match="no person 'LOC-00000001'"):
        _view(canary, "home-officer", "investigation", "LOC-00000001")
