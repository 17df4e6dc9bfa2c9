"""Sharing agreements: YAML checked as a whole, stored as versions, listed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from polestar.access import list_agreements, load_agreements
from polestar.access.agreements import DEMO_AGREEMENTS, GrantSpec, InvalidAgreement
from polestar.pole.vocabularies import Kind
from polestar.settings import Settings
from tests.access.conftest import NOW

ACTOR = "cli:test"

PARTNERS = {"fire", "cps", "probation", "courts", "neighbour-force"}

BROKEN = """\
organisation: fire-brigade
title: ""
lawful_basis: Fire and Rescue Services Act 2004
starts: 2026-01-01
ends: 2025-01-01
purposes: [fire-safety, gossip]
grants:
  - kind: person
    fields: [surname, shoe_size]
    types: [vehicle]
    roles: [lodger]
    flags: [famous]
  - kind: vehicle
    fields: all
sensitive: [person.dob, persondob]
roles:
  janitor: {}
  officer: {purposes: [investigation], categories: [intelligence]}
"""


def test_shipped_agreements_cover_the_home_force_and_every_partner(
    db: Engine, settings: Settings
) -> None:
    loaded = load_agreements(db, [], NOW, actor=ACTOR, settings=settings)
    assert {item.organisation for item in loaded} == PARTNERS | {"home-force"}
    assert all(item.changed and item.version == 1 for item in loaded)


def test_loading_the_same_agreements_again_changes_nothing(db: Engine, settings: Settings) -> None:
    load_agreements(db, [], NOW, actor=ACTOR, settings=settings)
    again = load_agreements(
        db, [DEMO_AGREEMENTS], NOW + timedelta(days=1), actor=ACTOR, settings=settings
    )
    assert not any(item.changed for item in again)
    assert {item.version for item in again} == {1}


def test_a_changed_agreement_becomes_a_new_version(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    load_agreements(db, [], NOW, actor=ACTOR, settings=settings)
    changed = tmp_path / "fire.yaml"
    text = (DEMO_AGREEMENTS / "fire.yaml").read_text()
    changed.write_text(text.replace("ends: 2029-03-31", "ends: 2026-12-31"))
    [item] = load_agreements(db, [changed], NOW, actor=ACTOR, settings=settings)
    assert (item.organisation, item.version, item.changed) == ("fire", 2, True)
    current = {stored.agreement.organisation: stored for stored in list_agreements(db)}
    assert current["fire"].version == 2
    assert str(current["fire"].agreement.ends) == "2026-12-31"
    assert len(current) == 6


def test_every_problem_in_a_broken_agreement_is_reported_at_once(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    # The pydantic pass stops at the shape; `vehicle` is not a kind and title is empty.
    (tmp_path / "broken.yaml").write_text(BROKEN)
    with pytest.raises(InvalidAgreement) as caught:
        load_agreements(db, [tmp_path], NOW, actor=ACTOR, settings=settings)
    fields = [error.field for error in caught.value.errors]
    assert "broken.yaml: title" in fields
    assert "broken.yaml: grants.1.kind" in fields


def test_every_semantic_problem_is_reported_at_once(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    fixed_shape = BROKEN.replace('title: ""', "title: Broken").replace(
        "kind: vehicle", "kind: object"
    )
    (tmp_path / "broken.yaml").write_text(fixed_shape)
    with pytest.raises(InvalidAgreement) as caught:
        load_agreements(db, [tmp_path], NOW, actor=ACTOR, settings=settings)
    assert caught.value.status == 422
    fields = [error.field.removeprefix("broken.yaml: ") for error in caught.value.errors[1:]]
    assert fields == [
        "organisation",
        "ends",
        "purposes",
        "grants[0].fields",
        "grants[0].types",
        "grants[0].roles",
        "grants[0].flags",
        "sensitive",
        "roles.janitor",
        "roles.officer.purposes",
        "roles.officer.categories",
    ], caught.value.errors


def test_nothing_is_stored_when_any_file_is_broken(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "fire.yaml").write_text((DEMO_AGREEMENTS / "fire.yaml").read_text())
    (tmp_path / "zz.yaml").write_text("organisation: [unclosed")
    with pytest.raises(InvalidAgreement, match="nothing was stored"):
        load_agreements(db, [tmp_path], NOW, actor=ACTOR, settings=settings)
    assert list_agreements(db) == []


def test_two_files_for_one_organisation_are_refused(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((DEMO_AGREEMENTS / "cps.yaml").read_text())
    with pytest.raises(InvalidAgreement) as caught:
        load_agreements(db, [tmp_path], NOW, actor=ACTOR, settings=settings)
    assert caught.value.errors[0].field == "b.yaml: organisation"


def test_list_says_whether_each_agreement_is_in_force(db: Engine, settings: Settings) -> None:
    load_agreements(db, [], NOW, actor=ACTOR, settings=settings)
    listed = {item.agreement.organisation: item.as_dict(NOW) for item in list_agreements(db)}
    assert listed["cps"]["purposes"] == ["prosecution"]
    assert listed["cps"]["in_force"] is True
    assert listed["fire"]["kinds"] == ["location", "person"]
    later = {
        item.agreement.organisation: item.as_dict(NOW + timedelta(days=3650))
        for item in list_agreements(db)
    }
    assert later["fire"]["in_force"] is False
    assert later["home-force"]["in_force"] is True


def test_a_grant_of_when_an_event_happened_says_whether_only_the_day_is_known() -> None:
    """A partner shown an event's time is told when its source gave only the day, or it
    would read the midnight the day is stored at as the time it happened."""
    timed = GrantSpec(kind=Kind.EVENT, fields=["occurred_at", "category"])
    assert timed.field_names() == {"occurred_at", "day_only", "category"}
    assert "day_only" not in GrantSpec(kind=Kind.EVENT, fields=["category"]).field_names()
    assert "day_only" in GrantSpec(kind=Kind.EVENT, fields="all").field_names()
