"""Building a viewer's Scope: purposes, role rules, agreement dates, justification, and what
each partner's shipped agreement grants (issue 4)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from polestar.access import add_user, load_agreements, operator, scope_for, viewer_for
from polestar.access.agreements import DEMO_AGREEMENTS, all_fields
from polestar.errors import InvalidInput
from polestar.pole.vocabularies import Kind
from polestar.settings import Settings
from polestar.store.scope import Category, Grant, Scope
from tests.access.conftest import NOW, MakeViewer

ACTOR = "cli:test"

POLICE = frozenset({"crime", "custody", "incidents"})
NAMES = {"forename", "middle_names", "surname"}


def _shared(scope: Scope, kind: Kind) -> Grant:
    """The one grant of `kind` the agreement makes (not the grant of the viewer's own sources)."""
    [grant] = [g for g in scope.grants_for(kind) if g.fields != all_fields(kind)]
    return grant


def _own_sources(scope: Scope) -> set[str]:
    return {
        source
        for grant in scope.grants
        if grant.fields == all_fields(grant.kind) and grant.sources
        for source in grant.sources
    }


# Purposes and role rules: a purpose outside them is a 422 (CONVENTIONS.md).


@pytest.mark.parametrize("purpose", [None, "", "curiosity"])
def test_a_known_purpose_is_required(
    agreements: Engine, make_viewer: MakeViewer, purpose: str | None
) -> None:
    viewer = make_viewer("fire", "partner-caseworker", purpose=purpose)
    with pytest.raises(InvalidInput) as caught:
        scope_for(agreements, viewer, NOW)
    assert caught.value.status == 422
    assert caught.value.errors[0].field == "purpose"


def test_purpose_not_in_the_agreement_is_refused(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("fire", "partner-caseworker", purpose="prosecution")
    with pytest.raises(InvalidInput, match="not in fire's agreement") as caught:
        scope_for(agreements, viewer, NOW)
    assert caught.value.errors[0].message == "allowed: fire-safety, safeguarding"


@pytest.mark.parametrize(
    ("role", "purpose"),
    [("officer", "intelligence"), ("dispatcher", "prosecution"), ("call-handler", "investigation")],
)
def test_home_force_roles_narrow_the_purposes(
    agreements: Engine, make_viewer: MakeViewer, role: str, purpose: str
) -> None:
    with pytest.raises(InvalidInput, match=f"purpose '{purpose}' is not in home-force's"):
        scope_for(agreements, make_viewer("home-force", role, purpose=purpose), NOW)


def test_a_role_the_rules_do_not_name_has_no_purpose(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("home-force", "partner-caseworker", purpose="investigation")
    with pytest.raises(InvalidInput) as caught:
        scope_for(agreements, viewer, NOW)
    assert caught.value.errors[0].message == "no purpose is allowed"


def test_an_organisation_without_an_agreement_has_no_purpose(
    db: Engine, settings: Settings
) -> None:
    add_user(db, "f.user", "fire", ["partner-caseworker"], NOW, actor=ACTOR, settings=settings)
    with pytest.raises(InvalidInput, match="fire has no sharing agreement loaded"):
        scope_for(db, viewer_for(db, "f.user", "fire-safety"), NOW)


# Agreement dates: checked when the scope is built, so an ended agreement stops at once.


def test_an_expired_agreement_grants_nothing(
    agreements: Engine, settings: Settings, make_viewer: MakeViewer, tmp_path: Path
) -> None:
    viewer = make_viewer("fire", "partner-caseworker", purpose="fire-safety", justification="x")
    assert scope_for(agreements, viewer, NOW).grants
    ended = tmp_path / "fire.yaml"
    ended.write_text(
        (DEMO_AGREEMENTS / "fire.yaml").read_text().replace("ends: 2029-03-31", "ends: 2026-05-31")
    )
    load_agreements(agreements, [ended], NOW, actor=ACTOR, settings=settings)
    scope = scope_for(agreements, viewer, NOW)
    assert scope.grants == ()
    assert scope.kinds == frozenset()
    assert scope.categories == frozenset()


def test_an_agreement_grants_nothing_before_it_starts(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("cps", "partner-caseworker", purpose="prosecution")
    assert scope_for(agreements, viewer, NOW.replace(year=2025, month=3, day=31)).grants == ()
    assert scope_for(agreements, viewer, NOW.replace(year=2025, month=4, day=1)).grants


def test_the_last_day_of_an_agreement_is_inside_it(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("cps", "partner-caseworker", purpose="prosecution")
    last_day = NOW.replace(year=2029, month=3, day=31, hour=22)  # 23:00 BST, still 31 March
    assert scope_for(agreements, viewer, last_day).grants
    assert scope_for(agreements, viewer, last_day + timedelta(hours=2)).grants == ()


# Restricted categories and justification.


def test_officer_never_sees_intelligence_or_victims_of_sexual_offences(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("home-force", "officer", purpose="investigation", justification="OP X")
    scope = scope_for(agreements, viewer, NOW)
    assert scope.categories == {Category.UNDER_18}


@pytest.mark.parametrize("role", ["analyst", "supervisor"])
def test_named_roles_see_every_restricted_category_with_a_justification(
    agreements: Engine, make_viewer: MakeViewer, role: str
) -> None:
    viewer = make_viewer("home-force", role, purpose="intelligence", justification="OP X")
    scope = scope_for(agreements, viewer, NOW)
    assert scope.categories == frozenset(Category)
    assert scope.justified
    assert scope.withheld == frozenset()


def test_without_a_justification_restricted_categories_are_withheld(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("home-force", "analyst", purpose="intelligence", justification="  ")
    scope = scope_for(agreements, viewer, NOW)
    assert scope.categories == frozenset()
    assert not scope.justified
    assert scope.withheld == {"intelligence", "sexual-offence-victim", "under-18"}
    assert scope.kinds == frozenset(Kind)


def test_with_the_justification_prompt_off_nothing_is_withheld(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("home-force", "analyst", purpose="intelligence")
    scope = scope_for(agreements, viewer, NOW, require_justification=False)
    assert scope.categories == frozenset(Category)
    assert scope.justified
    assert scope.withheld == frozenset()


def test_fields_an_agreement_marks_sensitive_need_a_justification(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    plain = make_viewer("cps", "partner-caseworker", purpose="prosecution")
    scope = scope_for(agreements, plain, NOW)
    assert "markers" not in scope.fields(Kind.PERSON)
    assert scope.withheld == {"person.markers", "under-18"}
    justified = scope_for(agreements, plain.for_purpose("prosecution", "charging file"), NOW)
    assert "markers" in justified.fields(Kind.PERSON)
    assert justified.withheld == frozenset()


def test_justification_requirement_defaults_on() -> None:
    assert Settings.model_fields["require_justification"].default is True


# What each shipped agreement grants (issue 4, "Sharing agreements as data").


def test_home_force_supervisor_sees_every_record_and_field(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("home-force", "supervisor", purpose="investigation", justification="x")
    scope = scope_for(agreements, viewer, NOW)
    assert scope.kinds == frozenset(Kind)
    for kind in Kind:
        assert scope.fields(kind) == all_fields(kind)
        assert any(grant.sources is None for grant in scope.grants_for(kind))


def test_the_operator_is_a_home_force_administrator(agreements: Engine) -> None:
    viewer = operator("cli:tester", "safeguarding", "quarantine review")
    scope = scope_for(agreements, viewer, NOW)
    assert (scope.organisation, scope.purpose) == ("home-force", "safeguarding")
    assert scope.categories == {Category.UNDER_18}
    with pytest.raises(InvalidInput):
        scope_for(agreements, operator("cli:tester", "intelligence"), NOW)


def test_fire_sees_addresses_occupants_and_markers_and_its_own_records(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("fire", "partner-caseworker", purpose="fire-safety", justification="x")
    scope = scope_for(agreements, viewer, NOW)
    assert _own_sources(scope) == {"fire_incidents", "fire_premises"}
    occupants = _shared(scope, Kind.PERSON)
    assert occupants.fields == NAMES | {"markers"}
    assert (occupants.sources, occupants.roles) == (POLICE, {"resides-at"})
    addresses = _shared(scope, Kind.LOCATION)
    assert {"lines", "town", "postcode", "uprn"} <= addresses.fields
    assert (addresses.sources, addresses.roles) == (POLICE, {"resides-at"})
    assert not [g for g in scope.grants_for(Kind.EVENT) if g.sources != _fire()]
    assert scope.categories == {Category.UNDER_18}


def _fire() -> frozenset[str]:
    return frozenset({"fire_incidents", "fire_premises"})


def test_cps_sees_suspects_and_their_cases(agreements: Engine, make_viewer: MakeViewer) -> None:
    viewer = make_viewer("cps", "partner-caseworker", purpose="prosecution", justification="x")
    scope = scope_for(agreements, viewer, NOW)
    assert _own_sources(scope) == set()
    suspects = _shared(scope, Kind.PERSON)
    assert suspects.roles == {"suspect", "offender", "arrested-person"}
    assert {"pnc_id", "dob", "markers"} <= suspects.fields
    cases = _shared(scope, Kind.EVENT)
    assert cases.types == {"crime", "custody"}
    assert cases.roles == suspects.roles
    assert scope.kinds == frozenset(Kind)
    assert Category.SEXUAL_OFFENCE_VICTIM not in scope.categories
    assert Category.INTELLIGENCE not in scope.categories


def test_probation_sees_supervised_peoples_arrests_and_custody(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer(
        "probation", "partner-caseworker", purpose="offender-management", justification="x"
    )
    scope = scope_for(agreements, viewer, NOW)
    assert _own_sources(scope) == {"probation"}
    people, arrests = _shared(scope, Kind.PERSON), _shared(scope, Kind.EVENT)
    assert people.entity_in == arrests.entity_in == {"probation"}
    assert "arrested-person" in people.roles  # type: ignore[operator]
    assert arrests.types == {"custody", "crime"}
    assert arrests.sources == {"crime", "custody"}
    assert scope.categories == frozenset()
    assert {grant.kind for grant in scope.grants if grant.sources != {"probation"}} == {
        Kind.PERSON,
        Kind.EVENT,
    }


def test_courts_see_their_listings_and_the_defendants_police_identity(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("courts", "partner-caseworker", purpose="court-listing")
    scope = scope_for(agreements, viewer, NOW)
    assert _own_sources(scope) == {"courts"}
    defendants = _shared(scope, Kind.PERSON)
    assert defendants.entity_in == {"courts"}
    assert defendants.sources == {"custody"}
    assert {"pnc_id", "cro_number"} <= defendants.fields
    assert "markers" not in defendants.fields


def test_neighbouring_force_sees_only_wanted_and_warning_information(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("neighbour-force", "officer", purpose="wanted-check")
    scope = scope_for(agreements, viewer, NOW)
    assert scope.kinds == {Kind.PERSON}
    [flagged] = scope.grants
    assert flagged.flags == {"wanted", "markers"}
    assert {"wanted", "markers", "pnc_id"} <= flagged.fields
    assert not {"ni_number", "crn"} & flagged.fields


def test_scope_for_works_inside_the_callers_transaction(
    agreements: Engine, make_viewer: MakeViewer
) -> None:
    viewer = make_viewer("cps", "partner-caseworker", purpose="prosecution", justification="x")
    with agreements.connect() as conn:
        assert scope_for(conn, viewer, NOW) == scope_for(agreements, viewer, NOW)
