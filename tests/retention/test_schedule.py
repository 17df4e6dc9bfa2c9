"""Scheduling on hand-computed cases: each canary person's MoPI group, last home-force event
and review date (groups.yaml; REFERENCE.md's clear periods)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.run import link
from polestar.retention.groups import Placement, default_rules
from polestar.retention.schedule import add_years, schedules
from polestar.store.entities import members
from polestar.store.tables import events
from tests.canary import ACTOR, COURTS, CUSTODY, Seeded


@pytest.mark.parametrize(
    ("event", "group"),
    [
        (Placement("Rape", "violent-crime", "Charged"), 1),
        (Placement("sexual assault ", "violent-crime", None), 2),  # case and spaces ignored
        (Placement("Common assault", "violent-crime", "Charged"), 2),  # by category
        (Placement("Shoplifting", "shoplifting", "Charged"), 3),
        (Placement("Shoplifting", "shoplifting", "Under investigation"), 4),  # undetected
        (Placement("Sexual assault", "violent-crime", "Under investigation"), 2),  # stays 2
        (Placement(None, None, None), 3),  # default: custody, intelligence
    ],
)
def test_event_group_follows_the_table(event: Placement, group: int) -> None:
    assert default_rules().group_of(event) == group


def test_years_added_to_29_february_land_on_28_february() -> None:
    assert add_years(date(2024, 2, 29), 6) == date(2030, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_each_person_is_scheduled_from_their_last_home_force_event(canary_copy: Seeded) -> None:
    with canary_copy.engine.connect() as conn:
        found = schedules(conn, default_rules())
    # Tobias: custody (Assault, 3), a burglary under investigation (4), a sexual assault (2),
    # an intelligence log on 2026-02-03 (3): group 2, ten years from the intelligence log.
    target = found[canary_copy.target]
    assert (target.group, target.last_event, target.due) == (
        2,
        date(2026, 2, 3),
        date(2036, 2, 3),
    )
    # The child witnessed the undetected burglary only: group 4, six years.
    child = found[canary_copy.child]
    assert (child.group, child.last_event, child.due) == (4, date(2025, 1, 10), date(2031, 1, 10))
    # The victim of the sexual assault: group 2, ten years from 2025-02-11.
    victim = found[canary_copy.victim]
    assert (victim.group, victim.due) == (2, date(2035, 2, 11))
    # The associate, named only in the intelligence log: group 3, six years.
    associate = found[canary_copy.associate]
    assert (associate.group, associate.due) == (3, date(2032, 2, 3))
    assert not any(item.retained for item in found.values())


def test_partner_records_neither_start_nor_extend_the_clear_period(
    canary_copy: Seeded, tmp_path: Path
) -> None:
    later = tmp_path / "later"
    later.mkdir()
    hearing = COURTS.replace("T20257001", "T20317001").replace("2025-05-02", "2031-05-02")
    (later / "courts.xml").write_text(hearing.replace("D-000901", "D-000902"), encoding="utf-8")
    ingest(canary_copy.engine, plan_inputs([later]), canary_copy.settings, actor=ACTOR)
    link(canary_copy.engine, canary_copy.settings, actor=ACTOR, warn=lambda _message: None)
    with canary_copy.engine.connect() as conn:
        entity = {(s, k): e for s, k, e in members(conn, "person")}
        found = schedules(conn, default_rules())
        hearings = conn.execute(sa.select(events.c.occurred_at).where(events.c.source == "courts"))
        years = {moment.year for moment in hearings.scalars()}
    assert 2031 in years  # the partner's later event is there, and does not count
    assert entity["courts", "D-000902"] == canary_copy.target
    assert (found[canary_copy.target].last_event, found[canary_copy.target].due) == (
        date(2026, 2, 3),
        date(2036, 2, 3),
    )


def test_the_last_event_is_dated_by_the_county_s_day(canary_copy: Seeded, tmp_path: Path) -> None:
    """An arrest at 00:30 on 1 August (BST) is 23:30 UTC on 31 July: its day is 1 August."""
    later = tmp_path / "later"
    later.mkdir()
    header, arrest = CUSTODY
    arrest = arrest.replace("CU-000901", "CU-000902").replace(
        "14/03/2025 02:17", "01/08/2031 00:30"
    )
    (later / "custody.csv").write_text(f"{header}\n{arrest}\n", encoding="utf-8")
    ingest(canary_copy.engine, plan_inputs([later]), canary_copy.settings, actor=ACTOR)
    link(canary_copy.engine, canary_copy.settings, actor=ACTOR, warn=lambda _message: None)
    with canary_copy.engine.connect() as conn:
        entity = {(s, k): e for s, k, e in members(conn, "person")}
        found = schedules(conn, default_rules())
    assert entity["custody", "CU-000902"] == canary_copy.target
    assert found[canary_copy.target].last_event == date(2031, 8, 1)
