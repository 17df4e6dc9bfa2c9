"""Associates and their reasons, over the canary county: each organisation's list is built
only from the records it may see (an associate known only from an invisible record does not
appear, nor its reason)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.access import viewer_for
from polestar.access.scopes import scope_for
from polestar.graph.associates import associates
from polestar.pole.vocabularies import Kind, Role
from polestar.search.profile import person_view
from polestar.store import neighbours
from polestar.store.persons import entity_persons
from polestar.store.tables import entity_members, links, locations, persons, source_records
from tests.canary import JUSTIFICATION, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]
NOW = datetime.now(UTC)


def _associates(
    canary: Seeded, user: str, purpose: str, justification: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    viewer = viewer_for(canary.engine, user, purpose, justification)
    view = person_view(canary.engine, canary.settings, viewer, canary.target)
    return {a["entity_id"]: a["reasons"] for a in view.associates}


def test_an_officer_sees_the_caller_who_gave_his_phone_number(canary: Seeded) -> None:
    found = _associates(canary, "home-officer", "investigation")
    assert found == {
        canary.caller: [{"reason": "shared-phone", "via": "+447700900901", "roles": []}]
    }


def test_with_a_justification_an_officer_also_sees_the_child_witness(canary: Seeded) -> None:
    found = _associates(canary, "home-officer", "investigation", JUSTIFICATION)
    assert found[canary.child] == [
        {"reason": "co-involved", "via": "crime:CR-25-000901", "roles": ["suspect", "witness"]}
    ]
    assert set(found) == {canary.caller, canary.child}


def test_an_analyst_sees_the_intelligence_associate_with_every_reason(canary: Seeded) -> None:
    found = _associates(canary, "home-analyst", "investigation", JUSTIFICATION)
    assert found[canary.associate] == [
        {"reason": "co-involved", "via": "crime:IN-26-000903", "roles": ["subject", "subject"]},
        {"reason": "shared-vehicle", "via": canary.vehicle, "roles": []},
    ]
    assert found[canary.victim] == [
        {"reason": "co-involved", "via": "crime:CR-25-000902", "roles": ["suspect", "victim"]}
    ]
    assert set(found) == {canary.associate, canary.victim, canary.child, canary.caller}


def test_partners_see_no_associate_they_could_only_know_from_hidden_records(
    canary: Seeded,
) -> None:
    for user, purpose in (
        ("cps-caseworker", "prosecution"),
        ("probation-caseworker", "offender-management"),
        ("fire-caseworker", "fire-safety"),
        ("neighbour-officer", "wanted-check"),
        ("courts-caseworker", "court-listing"),
    ):
        assert _associates(canary, user, purpose) == {}, user
        assert _associates(canary, user, purpose, JUSTIFICATION) == {}, user


def test_an_associate_sees_him_back_for_the_same_reasons(canary: Seeded) -> None:
    viewer = viewer_for(canary.engine, "home-analyst", "investigation", JUSTIFICATION)
    view = person_view(canary.engine, canary.settings, viewer, canary.associate)
    back = {a["entity_id"]: a["reasons"] for a in view.associates}
    assert [r["reason"] for r in back[canary.target]] == ["co-involved", "shared-vehicle"]


def test_the_total_counts_every_associate_the_list_ranks(canary: Seeded) -> None:
    viewer = viewer_for(canary.engine, "home-analyst", "investigation", JUSTIFICATION)
    view = person_view(canary.engine, canary.settings, viewer, canary.target)
    assert view.associates_total == len(view.associates) == 4
    reasons = [len(a["reasons"]) for a in view.associates]
    assert reasons == sorted(reasons, reverse=True)
    assert view.associates[0]["entity_id"] == canary.associate  # two reasons


def _record(conn: Connection, source_key: str) -> tuple[int, str]:
    """A canary source record's id and source."""
    [(record_id, source)] = conn.execute(
        sa.select(source_records.c.id, source_records.c.source).where(
            source_records.c.source_key == source_key
        )
    )
    return record_id, source


def _link(conn: Connection, record_id: int, source: str, person: str, role: str, to: str) -> None:
    """Add a link from a person row of the record to another row (`kind:key`) of it."""
    to_kind, to_key = to.split(":", 1)
    conn.execute(
        links.insert().values(
            record_id=record_id,
            source=source,
            from_kind="person",
            from_key=person,
            role=role,
            to_kind=to_kind,
            to_key=to_key,
        )
    )


def _reasons_on(
    conn: Connection, canary: Seeded, users: dict[str, str], justification: str | None = None
) -> dict[str, dict[str, Any]]:
    """Each user's associates of the target and their reasons, read on `conn` (inside the
    caller's transaction) from his visible rows and homes."""
    found = {}
    for user, purpose in users.items():
        scope = scope_for(conn, viewer_for(canary.engine, user, purpose, justification), NOW)
        people = entity_persons(conn, scope, canary.target)
        resides = frozenset({Role.RESIDES_AT.value})
        listed = associates(
            conn,
            scope,
            canary.target,
            people=people,
            events=[],
            homes=neighbours.linked(conn, scope, Kind.LOCATION, people, "to", resides),
            vehicles=[],
            phones=[],
        )
        found[user] = {a.entity_id: a.as_dict()["reasons"] for a in listed}
    return found


def test_a_record_naming_two_people_as_family_links_them_for_those_who_see_both(
    canary: Seeded,
) -> None:
    # No shipped source names family, but a mapped one may: the crime that names him and the
    # victim gains a family link, in a transaction rolled back at the end.
    with canary.engine.connect() as conn:
        record_id, source = _record(conn, "CR-25-000902")
        ends = dict(
            conn.execute(
                sa.select(links.c.role, links.c.from_key).where(
                    links.c.record_id == record_id, links.c.to_kind == "event"
                )
            ).all()
        )
        _link(conn, record_id, source, ends["suspect"], "family", f"person:{ends['victim']}")
        users = {"home-analyst": "investigation", "cps-caseworker": "prosecution"}
        found = _reasons_on(conn, canary, users, JUSTIFICATION)
        conn.rollback()
    victim = f"{source}:{ends['victim']}"
    assert found["home-analyst"] == {
        canary.victim: [{"reason": "family", "via": victim, "roles": []}]
    }
    assert found["cps-caseworker"] == {}  # a sexual offence victim is not theirs to see


def test_people_living_at_the_same_address_are_associates_for_those_who_see_both(
    canary: Seeded,
) -> None:
    # The caller is made to live at his custody home, in a transaction rolled back at the end:
    # the place his incident names joins that address's entity, and he resides at it.
    with canary.engine.connect() as conn:
        record_id, source = _record(conn, "INC-20250301-0901")
        [place] = conn.execute(
            sa.select(locations.c.source_key).where(locations.c.record_id == record_id)
        ).scalars()
        conn.execute(
            entity_members.update()
            .where(
                entity_members.c.kind == "location",
                entity_members.c.record_id == record_id,
                entity_members.c.source_key == place,
            )
            .values(entity_id=canary.location)
        )
        [caller] = conn.execute(
            sa.select(persons.c.source_key).where(persons.c.record_id == record_id)
        ).scalars()
        _link(conn, record_id, source, caller, "resides-at", f"location:{place}")
        users = {
            "home-analyst": "investigation",
            "fire-caseworker": "fire-safety",
            "cps-caseworker": "prosecution",
        }
        found = _reasons_on(conn, canary, users)
        conn.rollback()
    same_address = {
        canary.caller: [{"reason": "same-address", "via": canary.location, "roles": []}]
    }
    assert found["home-analyst"] == same_address
    # The fire service's agreement shows home addresses in police records and the people
    # living there; the CPS sees neither his homes nor the control room's calls.
    assert found["fire-caseworker"] == same_address
    assert found["cps-caseworker"] == {}
