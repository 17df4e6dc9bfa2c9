"""The administration pages: an administrator adds a user (the first password shown once, and
it signs in), resets a password, disables a user, creates a token (the secret shown once) and
revokes it, and replaces an agreement from YAML; each change in the audit trail. The data
protection officer reads the same lists with no change offered, and a change they post is
refused; a form posted without its CSRF token changes nothing."""

from __future__ import annotations

import re

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar.access.agreements import DEMO_AGREEMENTS
from polestar.access.users import list_users
from polestar.settings import Settings
from polestar.web.pages import administration
from tests.web.back_office import SignedIn, actions_of, demo_store, entries_of, signed_in
from tests.web.sessions import BASE_URL, Account, sign_in

__all__ = ["demo_store", "signed_in"]


def _secret(response: httpx.Response, box: str) -> str:
    found = BeautifulSoup(response.text, "html.parser").select_one(f"#{box} code.secret")
    assert found is not None, response.text
    return found.text


def _changes(engine: Engine, settings: Settings, user: str) -> list[str]:
    """The alterations `user` made, oldest first (readings and sign-ins left out)."""
    changes = ("users.", "tokens.", "agreements.")
    return [a for a in actions_of(engine, settings, user) if a.startswith(changes)]


def _disabled(engine: Engine, username: str) -> bool:
    return next(u for u in list_users(engine) if u.username == username).disabled_at is not None


def test_an_administrator_adds_a_user_who_signs_in_with_the_password_shown_once(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    with signed_in("home-admin") as (client, token):
        form = {"username": "new-officer", "organisation": "home-force", "full_name": "New One",
                "roles": ["officer"], "csrf_token": token}  # fmt: skip
        added = client.post("/admin/users", data=form)
        assert added.status_code == 200, added.text
        password = _secret(added, "new-password")
        assert password not in client.get("/admin").text  # shown once
    assert _changes(demo_store, settings, "home-admin") == ["users.add", "users.set-password"]
    app = client.app
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as fresh:
        sign_in(fresh, Account("new-officer", password))
        assert fresh.get("/purpose").status_code == 200


def test_reset_and_disable_change_the_user_and_are_audited(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    with signed_in("home-admin") as (client, token):
        reset = client.post("/admin/users/home-officer/password", data={"csrf_token": token})
        assert reset.status_code == 200, reset.text
        assert len(_secret(reset, "new-password")) >= 12
        disabled = client.post("/admin/users/home-officer/disable", data={"csrf_token": token})
        assert (disabled.status_code, disabled.headers["location"]) == (303, "/admin")
        row = BeautifulSoup(client.get("/admin").text, "html.parser").select_one(
            "#user-home-officer"
        )
    assert row is not None
    assert "disabled" in row.text
    assert _disabled(demo_store, "home-officer")
    assert _changes(demo_store, settings, "home-admin") == ["users.set-password", "users.disable"]


def test_a_token_secret_is_shown_once_and_a_revoked_token_stops_working(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    with signed_in("home-admin") as (client, token):
        made = client.post(
            "/admin/tokens",
            data={"user": "home-analyst", "scopes": ["read"], "days": "5", "csrf_token": token},
        )
        assert made.status_code == 200, made.text
        secret = _secret(made, "new-token")
        token_id = re.search(r"Token (\w+) for", made.text)
        assert token_id is not None
        listed = client.get("/admin/tokens").text
        assert secret not in listed
        bearer = {"Authorization": f"Bearer {secret}", "X-Polestar-Purpose": "investigation"}
        assert client.get("/api/v1/review", headers=bearer).status_code == 200
        revoked = client.post(
            f"/admin/tokens/{token_id.group(1)}/revoke", data={"csrf_token": token}
        )
        assert revoked.status_code == 303, revoked.text
        assert client.get("/api/v1/review", headers=bearer).status_code == 401
    assert _changes(demo_store, settings, "home-admin") == ["tokens.create", "tokens.revoke"]


def test_an_agreement_is_replaced_from_yaml_and_bad_yaml_stores_nothing(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    text = (DEMO_AGREEMENTS / "fire.yaml").read_text(encoding="utf-8")
    retitled = text.replace("title: ", "title: Retitled ", 1)
    with signed_in("home-admin") as (client, token):
        before = BeautifulSoup(client.get("/admin/agreements/fire").text, "html.parser")
        version = int(before.select_one("#agreement-version").text)
        loaded = client.post("/admin/agreements/fire", data={"text": retitled, "csrf_token": token})
        assert loaded.status_code == 200, loaded.text
        page = BeautifulSoup(loaded.text, "html.parser")
        assert int(page.select_one("#agreement-version").text) == version + 1
        assert page.select_one("h1").text.startswith("Retitled")
        bad = client.post(
            "/admin/agreements/fire", data={"text": "title: [unclosed", "csrf_token": token}
        )
        assert bad.status_code == 422, bad.text
    assert _changes(demo_store, settings, "home-admin") == ["agreements.load"]


def test_the_dpo_reads_without_being_offered_changes_and_is_refused_them(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    with signed_in("home-dpo") as (client, token):
        for path in ("/admin", "/admin/tokens", "/admin/agreements/fire"):
            page = BeautifulSoup(client.get(path).text, "html.parser")
            assert page.select_one("#read-only") is not None, path
            assert page.select("main form[method=post] button") == [], path
        refused = client.post("/admin/users/home-officer/disable", data={"csrf_token": token})
        assert refused.status_code == 403, refused.text
    assert not _disabled(demo_store, "home-officer")
    denied = [f.entry for f in entries_of(demo_store, settings, "home-dpo")][-1]
    assert (denied.action, str(denied.outcome)) == ("admin.users.disable", "denied")


def test_a_change_without_the_csrf_token_is_refused(
    signed_in: SignedIn, demo_store: Engine, settings: Settings
) -> None:
    with signed_in("home-admin") as (client, _token):
        refused = client.post("/admin/users/home-officer/disable")
        assert refused.status_code == 403, refused.text
        forged = client.post("/admin/users/home-officer/disable", data={"csrf_token": "0" * 64})
        assert forged.status_code == 403, forged.text
    assert not _disabled(demo_store, "home-officer")
    assert _changes(demo_store, settings, "home-admin") == []


def test_the_users_page_pages_on_to_every_user(
    signed_in: SignedIn, demo_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(administration, "PAGE_ROWS", 5)
    seen: list[str] = []
    with signed_in("home-admin") as (client, _token):
        path: str | None = "/admin"
        while path is not None:
            page = BeautifulSoup(client.get(path).text, "html.parser")
            rows = page.select("#users tbody tr")
            assert 0 < len(rows) <= 5
            seen += [row["id"].removeprefix("user-") for row in rows]  # type: ignore[union-attr]
            following = page.select_one("a[rel=next]")
            path = None if following is None else str(following["href"])
        first = BeautifulSoup(client.get("/admin?cursor=5").text, "html.parser")
        assert first.select_one("a[rel=first]") is not None
    assert seen == [user.username for user in list_users(demo_store)]
    assert len(seen) > 5
