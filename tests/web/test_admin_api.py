"""The administration API's access matrix (issue 7): every admin route × every demo role, and
anonymous, on SQLite and PostgreSQL; each change and each refusal leaves its audit entry.

Each role is tried twice: with its demo token (only the DPO's and the administrator's hold the
`admin` scope) and with a token given the `admin` scope, so the role rule
(`access.administration.RIGHTS`) is what answers, not only the scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import add_user, create_token
from polestar.access.administration import RIGHTS, may
from polestar.access.agreements import DEMO_AGREEMENTS
from polestar.access.demo import demo_users
from polestar.access.sign_in import sign_in
from polestar.access.viewer import Viewer
from polestar.errors import Unauthorised
from polestar.settings import Settings, get_settings
from polestar.store.engine import create_engine
from polestar.web.app import create_app
from tests.access.conftest import ADDRESS
from tests.conftest import DIALECTS, store_url

ACTOR = "cli:test"
READER = audit.Actor("cli:test-reader")
# The demo roles the matrix covers, by demo user; `neighbour-admin` is made here.
USERS = {
    "home-officer": ("home-force", "officer"),
    "home-analyst": ("home-force", "analyst"),
    "fire-caseworker": ("fire", "partner-caseworker"),
    "home-dpo": ("home-force", "data-protection-officer"),
    "home-admin": ("home-force", "administrator"),
    "neighbour-admin": ("neighbour-force", "administrator"),
}


@dataclass(frozen=True)
class Store:
    engine: Engine
    settings: Settings
    client: TestClient
    demo_tokens: dict[str, str]
    admin_tokens: dict[str, str]

    def headers(self, user: str, *, demo: bool) -> dict[str, str]:
        token = (self.demo_tokens if demo else self.admin_tokens)[user]
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module", params=DIALECTS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """Demo agreements and users, one store per module and dialect; each change a test
    makes is to something it made itself."""
    folder = tmp_path_factory.mktemp("admin")
    with store_url(request.param, folder) as url:
        settings = Settings(
            database_url=url, data_dir=folder / "data", password_hash_profile="fast"
        )
        engine = create_engine(settings=settings)
        now = datetime.now(UTC)
        try:
            demo = {
                t.username: t.token for t in demo_users(engine, now, actor=ACTOR, settings=settings)
            }
            add_user(
                engine,
                "neighbour-admin",
                "neighbour-force",
                ["administrator"],
                now,
                actor=ACTOR,
                settings=settings,
            )
            demo["neighbour-admin"] = create_token(
                engine, "neighbour-admin", ["read"], now, actor=ACTOR, settings=settings
            ).token
            admin = {
                user: create_token(
                    engine, user, ["read", "admin"], now, actor=ACTOR, settings=settings
                ).token
                for user in USERS
            }
            with TestClient(create_app(settings)) as client:
                yield Store(engine, settings, client, demo, admin)
        finally:
            engine.dispose()
            get_settings.cache_clear()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: dict[str, object] | None = None


def _fresh_user(store: Store) -> str:
    name = f"u-{uuid.uuid4().hex[:10]}"
    add_user(
        store.engine,
        name,
        "home-force",
        ["officer"],
        datetime.now(UTC),
        actor=ACTOR,
        settings=store.settings,
    )
    return name


def _fire_agreement() -> str:
    """The shipped fire agreement with a new title, so loading it is a change."""
    text = (DEMO_AGREEMENTS / "fire.yaml").read_text(encoding="utf-8")
    lines = [
        f"title: Fire data sharing {uuid.uuid4().hex[:8]}" if line.startswith("title:") else line
        for line in text.splitlines()
    ]
    return "\n".join(lines) + "\n"


# Each admin action's route, with a target made fresh for each call.
ROUTES: dict[str, Callable[[Store], Request]] = {
    "admin.users.list": lambda s: Request("GET", "/api/v1/admin/users"),
    "admin.users.add": lambda s: Request(
        "POST",
        "/api/v1/admin/users",
        {"username": f"n-{uuid.uuid4().hex[:10]}", "organisation": "fire", "roles": ["officer"]},
    ),
    "admin.users.disable": lambda s: Request(
        "POST", f"/api/v1/admin/users/{_fresh_user(s)}/disable"
    ),
    "admin.users.reset-password": lambda s: Request(
        "POST", f"/api/v1/admin/users/{_fresh_user(s)}/reset-password"
    ),
    "admin.organisations.list": lambda s: Request("GET", "/api/v1/admin/organisations"),
    "admin.roles.list": lambda s: Request("GET", "/api/v1/admin/roles"),
    "admin.tokens.list": lambda s: Request("GET", "/api/v1/admin/tokens"),
    "admin.tokens.create": lambda s: Request(
        "POST", "/api/v1/admin/tokens", {"user": _fresh_user(s), "scopes": ["read"]}
    ),
    "admin.tokens.revoke": lambda s: Request(
        "POST",
        "/api/v1/admin/tokens/"
        + create_token(
            s.engine, _fresh_user(s), ["read"], datetime.now(UTC), actor=ACTOR, settings=s.settings
        ).id
        + "/revoke",
    ),
    "admin.agreements.list": lambda s: Request("GET", "/api/v1/admin/agreements"),
    "admin.agreements.show": lambda s: Request("GET", "/api/v1/admin/agreements/fire"),
    "admin.agreements.load": lambda s: Request(
        "PUT", "/api/v1/admin/agreements/fire", {"yaml": _fire_agreement()}
    ),
}
# The alteration each change writes, by the function that makes it.
ALTERATIONS = {
    "admin.users.add": "users.add",
    "admin.users.disable": "users.disable",
    "admin.users.reset-password": "users.set-password",
    "admin.tokens.create": "tokens.create",
    "admin.tokens.revoke": "tokens.revoke",
    "admin.agreements.load": "agreements.load",
}
CHANGES = set(ALTERATIONS)


def _send(store: Store, request: Request, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    response = store.client.request(
        request.method, request.path, json=request.json, headers=headers
    )
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, response.json()


def _entries_since(store: Store, user: str, seq: int) -> list[audit.LogEntry]:
    found = audit.by_user(store.engine, user, reader=READER, settings=store.settings)
    return [item.entry for item in found if item.entry.seq > seq]


def _last_seq(store: Store, user: str) -> int:
    found = audit.by_user(store.engine, user, reader=READER, settings=store.settings)
    return max((item.entry.seq for item in found), default=0)


def test_every_admin_route_is_in_the_matrix() -> None:
    app = create_app(Settings(database_url="sqlite://", data_dir=Path("unused")))
    operations = [
        f"{method.upper()} {path}"
        for path, methods in app.openapi()["paths"].items()
        if path.startswith("/api/v1/admin/")
        for method in methods
    ]
    assert set(ROUTES) == set(RIGHTS)
    assert len(operations) == len(ROUTES), operations  # one action per operation


@pytest.mark.parametrize("action", sorted(ROUTES))
def test_anonymous_callers_get_401(store: Store, action: str) -> None:
    status, body = _send(store, ROUTES[action](store), {})
    assert status == 401, body
    assert body["ok"] is False


@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("action", sorted(ROUTES))
def test_each_role_may_do_what_the_matrix_says(store: Store, action: str, user: str) -> None:
    organisation, role = USERS[user]
    allowed = may(Viewer(user, organisation, frozenset({role})), action)
    before = _last_seq(store, user)
    status, body = _send(store, ROUTES[action](store), store.headers(user, demo=False))
    assert status == (
        (201 if "create" in action or "add" in action else 200) if allowed else 403
    ), body
    entries = _entries_since(store, user, before)
    if not allowed:
        assert [(e.action, e.outcome) for e in entries] == [(action, audit.Outcome.DENIED)]
    elif action in CHANGES:
        assert [(e.action, e.operation) for e in entries] == [
            (ALTERATIONS[action], audit.Operation.ALTERATION)
        ], entries
    else:
        assert [(e.action, e.operation) for e in entries] == [
            (action, audit.Operation.CONSULTATION)
        ], entries


@pytest.mark.parametrize("user", sorted(USERS))
def test_demo_tokens_without_the_admin_scope_are_refused(store: Store, user: str) -> None:
    scoped = user in {"home-dpo", "home-admin"}
    for action in sorted(ROUTES):
        if action in CHANGES and scoped:
            continue  # the matrix test above covers what a scoped token may change
        status, body = _send(store, ROUTES[action](store), store.headers(user, demo=True))
        organisation, role = USERS[user]
        allowed = scoped and may(Viewer(user, organisation, frozenset({role})), action)
        assert status == (200 if allowed else 403), (action, body)


def test_the_matrix_gives_the_dpo_reading_only() -> None:
    dpo = Viewer("d", "home-force", frozenset({"data-protection-officer"}))
    admin = Viewer("a", "home-force", frozenset({"administrator"}))
    assert {a for a in RIGHTS if may(dpo, a)} == set(RIGHTS) - CHANGES
    assert {a for a in RIGHTS if may(admin, a)} == set(RIGHTS)


def test_a_created_token_works_until_it_is_revoked(store: Store) -> None:
    admin = store.headers("home-admin", demo=False)
    user = _fresh_user(store)
    status, made = _send(
        store,
        Request("POST", "/api/v1/admin/tokens", {"user": user, "scopes": ["read", "admin"]}),
        admin,
    )
    assert status == 201, made
    mine = {"Authorization": f"Bearer {made['token']}"}
    assert store.client.get("/api/v1/admin/roles", headers=mine).status_code == 403  # an officer
    status, listed = _send(store, Request("GET", "/api/v1/admin/tokens"), admin)
    assert {"id": made["id"], "status": "active"}.items() <= next(
        t for t in listed["tokens"] if t["id"] == made["id"]
    ).items()
    assert made["token"] not in str(listed)
    status, revoked = _send(
        store, Request("POST", f"/api/v1/admin/tokens/{made['id']}/revoke"), admin
    )
    assert (status, revoked["status"]) == (200, "revoked"), revoked
    assert store.client.get("/api/v1/admin/roles", headers=mine).status_code == 401


def test_a_disabled_users_tokens_stop_working(store: Store) -> None:
    admin = store.headers("home-admin", demo=False)
    user = _fresh_user(store)
    token = create_token(
        store.engine,
        user,
        ["read", "admin"],
        datetime.now(UTC),
        actor=ACTOR,
        settings=store.settings,
    )
    mine = {"Authorization": f"Bearer {token.token}"}
    assert store.client.get("/api/v1/admin/users", headers=mine).status_code == 403
    status, body = _send(store, Request("POST", f"/api/v1/admin/users/{user}/disable"), admin)
    assert (status, body["disabled"]) == (200, True), body
    assert store.client.get("/api/v1/admin/users", headers=mine).status_code == 401


def test_a_reset_password_signs_the_user_in_once_given(store: Store) -> None:
    user = _fresh_user(store)
    path = f"/api/v1/admin/users/{user}/reset-password"
    status, body = _send(store, Request("POST", path), store.headers("home-admin", demo=False))
    assert (status, body["username"]) == (200, user), body
    first = str(body["password"])
    assert (
        sign_in(
            store.engine, store.settings, user, first, datetime.now(UTC), address=ADDRESS
        ).username
        == user
    )
    status, body = _send(store, Request("POST", path), store.headers("home-admin", demo=False))
    assert body["password"] != first
    with pytest.raises(Unauthorised):  # a reset replaces the password
        sign_in(store.engine, store.settings, user, first, datetime.now(UTC), address=ADDRESS)
    admin = store.headers("home-admin", demo=False)
    chosen = "correct horse battery staple"
    status, body = _send(store, Request("POST", path, {"password": chosen}), admin)
    assert (status, body["password"]) == (200, None), body
    assert (
        sign_in(
            store.engine, store.settings, user, chosen, datetime.now(UTC), address=ADDRESS
        ).username
        == user
    )
    status, body = _send(store, Request("POST", path, {"password": "short"}), admin)
    assert (status, body["errors"][0]["field"]) == (422, "password"), body


def test_unknown_users_and_tokens_are_404(store: Store) -> None:
    admin = store.headers("home-admin", demo=False)
    for path in (
        "/api/v1/admin/users/nobody-here/disable",
        "/api/v1/admin/users/nobody-here/reset-password",
        "/api/v1/admin/tokens/0a0a/revoke",
    ):
        status, body = _send(store, Request("POST", path), admin)
        assert (status, body["ok"]) == (404, False), body
    status, body = _send(store, Request("GET", "/api/v1/admin/agreements/nowhere"), admin)
    assert status == 404, body


def test_adding_a_bad_user_lists_every_problem(store: Store) -> None:
    status, body = _send(
        store,
        Request(
            "POST",
            "/api/v1/admin/users",
            {"username": "X", "organisation": "mars", "roles": ["king"]},
        ),
        store.headers("home-admin", demo=False),
    )
    assert status == 422, body
    assert {e["field"] for e in body["errors"]} == {"username", "org", "role"}, body


def test_an_agreement_is_replaced_through_the_same_checks_as_a_file(store: Store) -> None:
    admin = store.headers("home-admin", demo=False)
    _, before = _send(store, Request("GET", "/api/v1/admin/agreements/fire"), admin)
    text = _fire_agreement()
    status, loaded = _send(
        store, Request("PUT", "/api/v1/admin/agreements/fire", {"yaml": text}), admin
    )
    assert (status, loaded["changed"], loaded["version"]) == (200, True, before["version"] + 1)
    _, after = _send(store, Request("GET", "/api/v1/admin/agreements/fire"), admin)
    assert after["title"] == text.split("title: ", 1)[1].split("\n")[0]
    assert after["file"] == "api:home-admin"
    # The same text again changes nothing.
    _, again = _send(store, Request("PUT", "/api/v1/admin/agreements/fire", {"yaml": text}), admin)
    assert (again["changed"], again["version"]) == (False, loaded["version"])
    # Every problem at once, and nothing stored.
    broken = text.replace("purposes:", "purposes:\n  - gossip", 1) + "grants:\n  - kind: ship\n"
    status, body = _send(
        store, Request("PUT", "/api/v1/admin/agreements/fire", {"yaml": broken}), admin
    )
    assert status == 422, body
    assert len(body["errors"]) >= 2, body
    status, body = _send(
        store, Request("PUT", "/api/v1/admin/agreements/cps", {"yaml": text}), admin
    )
    assert status == 422, body
    assert "organisation" in {e["field"] for e in body["errors"]}, body
    for bad in ("a: 2020-13-45", "- just a list", "{{{"):
        status, body = _send(
            store, Request("PUT", "/api/v1/admin/agreements/fire", {"yaml": bad}), admin
        )
        assert status == 422, body
    _, final = _send(store, Request("GET", "/api/v1/admin/agreements/fire"), admin)
    assert final["version"] == loaded["version"]


@pytest.mark.parametrize(
    ("path", "field", "key"), [("users", "users", "username"), ("tokens", "tokens", "id")]
)
def test_account_lists_page_without_skipping_or_repeating(
    store: Store, path: str, field: str, key: str
) -> None:
    admin = store.headers("home-admin", demo=False)
    status, whole = _send(store, Request("GET", f"/api/v1/admin/{path}?limit=500"), admin)
    assert status == 200, whole
    everyone = [row[key] for row in whole[field]]  # type: ignore[attr-defined]
    assert whole["next_cursor"] is None
    assert len(everyone) > 6
    paged: list[str] = []
    cursor: object = 0
    while cursor is not None:
        request = Request("GET", f"/api/v1/admin/{path}?limit=3&cursor={cursor}")
        status, page = _send(store, request, admin)
        assert status == 200, page
        assert len(page[field]) <= 3  # type: ignore[arg-type]
        paged += [row[key] for row in page[field]]  # type: ignore[attr-defined]
        cursor = page["next_cursor"]
    assert paged == everyone
    status, body = _send(store, Request("GET", f"/api/v1/admin/{path}?limit=0"), admin)
    assert (status, body["errors"][0]["field"]) == (422, "query.limit"), body
