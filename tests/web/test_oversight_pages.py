"""The data protection officer's pages: who viewed a person, what a user viewed, heavy users
on a day and the audit verification status — each question itself audited, a question posted
without the CSRF token refused, and a broken chain reported as broken."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from bs4 import BeautifulSoup
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.settings import Settings
from tests.web.back_office import SignedIn, actions_of, demo_store, signed_in

__all__ = ["demo_store", "signed_in"]
ENTITY = "PER-00000042"
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def _officer_viewed(engine: Engine, settings: Settings, times: int = 1) -> None:
    for _ in range(times):
        audit.record(
            engine,
            audit.Consultation(
                action="person.show",
                actor="home-officer",
                organisation="home-force",
                role="officer",
                purpose="investigation",
                justification="Stopped at the roadside",
                entity_ids=(ENTITY,),
                occurred_at=NOW,
            ),
            settings,
        )


def test_who_viewed_a_person_and_what_a_user_viewed(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    _officer_viewed(demo_store, settings)
    with signed_in("home-dpo") as (client, token):
        who = client.post("/oversight/who-viewed", data={"identifier": ENTITY, "csrf_token": token})
        by = client.post(
            "/oversight/by-user", data={"username": "home-officer", "csrf_token": token}
        )
    assert who.status_code == 200, who.text
    rows = BeautifulSoup(who.text, "html.parser").select("#entries tbody tr")
    assert len(rows) == 1, who.text
    assert "home-officer" in rows[0].text
    assert "Stopped at the roadside" in rows[0].text
    assert "2026-06-01 10:30" in rows[0].text  # Europe/London (BST)
    assert "person.show" in BeautifulSoup(by.text, "html.parser").select_one("#entries").text
    assert actions_of(demo_store, settings, "home-dpo")[-2:] == [
        "audit.who-viewed",
        "audit.by-user",
    ]


def test_heavy_users_on_a_day(signed_in: SignedIn, demo_store: Engine, settings: Settings) -> None:
    _officer_viewed(demo_store, settings, settings.audit_lookups_per_day_alert + 1)
    with signed_in("home-dpo") as (client, _token):
        response = client.get("/oversight/heavy-users", params={"day": "2026-06-01"})
        quiet = client.get("/oversight/heavy-users", params={"day": "2026-06-02"})
    heavy = BeautifulSoup(response.text, "html.parser").select("#heavy tbody th")
    assert [th.text for th in heavy] == ["home-officer"], response.text
    assert BeautifulSoup(quiet.text, "html.parser").select("#heavy tbody th") == []
    assert actions_of(demo_store, settings, "home-dpo")[-1] == "audit.heavy-users"


def test_verification_reports_an_intact_then_a_broken_chain(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    _officer_viewed(demo_store, settings)
    with signed_in("home-dpo") as (client, _token):
        intact = BeautifulSoup(client.get("/oversight/verify").text, "html.parser")
        assert intact.select_one("#verify-status").text.strip().startswith("Intact.")
        with demo_store.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE audit_entries SET actor = 'someone-else' WHERE actor = 'home-officer'"
                )
            )
        broken = BeautifulSoup(client.get("/oversight/verify").text, "html.parser")
    status = broken.select_one("#verify-status").text
    assert status.strip().startswith("Broken at entry"), status


def test_a_question_without_the_csrf_token_is_refused_and_not_answered(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    _officer_viewed(demo_store, settings)
    with signed_in("home-dpo") as (client, _token):
        refused = client.post("/oversight/who-viewed", data={"identifier": ENTITY})
    assert refused.status_code == 403, refused.text
    assert "home-officer" not in BeautifulSoup(refused.text, "html.parser").select_one("main").text
    assert "audit.who-viewed" not in actions_of(demo_store, settings, "home-dpo")
