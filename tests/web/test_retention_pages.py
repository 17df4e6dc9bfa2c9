"""The retention review page over a canary county of its own: what is due by a day, retain
with a reason (pushing the review), dispose only after the confirmation step — each decision
audited as the signed-in supervisor — and a disposal posted without the CSRF token refused."""

from __future__ import annotations

from functools import partial

import pytest
from bs4 import BeautifulSoup
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.settings import Settings
from tests.canary import Seeded, canary_copy, canary_model
from tests.web.back_office import SignedIn, entries_of
from tests.web.sessions import signed_in_as

__all__ = ["canary_copy", "canary_model"]
DUE_BY = "2036-02-03"  # the target's review (group 2, last event 2026-02-03)


@pytest.fixture
def signed_in(canary_copy: Seeded) -> SignedIn:
    return partial(signed_in_as, canary_copy.engine, canary_copy.settings)


def _due(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    return [str(s["id"]).removeprefix("due-") for s in page.select("section.retention-item")]


def _decisions(engine: Engine, settings: Settings, user: str) -> list[audit.Found]:
    return [
        f for f in entries_of(engine, settings, user) if f.entry.action.startswith("retention.")
    ]


def test_a_supervisor_retains_with_a_reason_and_the_review_moves_on(
    canary_copy: Seeded, signed_in: SignedIn
) -> None:
    with signed_in("home-supervisor") as (client, token):
        assert canary_copy.target not in _due(client.get("/retention").text)
        assert canary_copy.target in _due(client.get("/retention", params={"by": DUE_BY}).text)
        retained = client.post(
            f"/retention/{canary_copy.target}/retain",
            data={"reason": "NRAC: risk of harm", "csrf_token": token},
        )
        assert retained.status_code == 303, retained.text
        assert canary_copy.target not in _due(client.get("/retention", params={"by": DUE_BY}).text)
    found = _decisions(canary_copy.engine, canary_copy.settings, "home-supervisor")
    assert [(f.entry.action, f.justification) for f in found if f.justification] == [
        ("retention.retain", "NRAC: risk of harm")
    ]
    assert found[-1].entry.operation == audit.Operation.CONSULTATION  # the list after
    # Each entry names the supervisor as the page knows them, not only by user name.
    named = {(f.entry.organisation, f.entry.role, f.entry.purpose) for f in found}
    assert named == {("home-force", "supervisor", found[0].entry.purpose)}
    assert found[0].entry.purpose is not None


def test_disposal_asks_first_then_disposes_and_is_an_audited_erasure(
    canary_copy: Seeded, signed_in: SignedIn
) -> None:
    with signed_in("home-supervisor") as (client, token):
        confirm = client.get(f"/retention/{canary_copy.child}/dispose")
        form = BeautifulSoup(confirm.text, "html.parser").select_one("form#dispose")
        assert form is not None, confirm.text
        assert form["action"] == f"/retention/{canary_copy.child}/dispose"
        refused = client.post(f"/retention/{canary_copy.child}/dispose", data={"reason": "No CSRF"})
        assert refused.status_code == 403, refused.text
        disposed = client.post(
            f"/retention/{canary_copy.child}/dispose",
            data={"reason": "Review: no further police interest", "csrf_token": token},
        )
        assert disposed.status_code == 200, disposed.text
        records = BeautifulSoup(disposed.text, "html.parser").select("#disposed-records li")
        assert records, disposed.text
        again = client.post(
            f"/retention/{canary_copy.child}/dispose", data={"reason": "twice", "csrf_token": token}
        )
        assert again.status_code == 422, again.text
    erased = [
        f
        for f in _decisions(canary_copy.engine, canary_copy.settings, "home-supervisor")
        if f.entry.action == "retention.dispose"
    ]
    assert len(erased) == 1, erased
    assert erased[0].entry.operation == audit.Operation.ERASURE
    assert erased[0].entry.entity_ids == (canary_copy.child,)
    assert (erased[0].entry.organisation, erased[0].entry.role) == ("home-force", "supervisor")
