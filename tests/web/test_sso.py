"""Single sign-on end to end (issue 7, point 2): Polestar in-process against an OpenID Connect
provider the test starts on loopback (`oidc-provider-mock`), on SQLite and PostgreSQL.

The browser's part is played by hand: start at `/sign-in/sso`, approve at the provider as a
subject whose claims the test set, follow the provider back to the callback. A tampering proxy
stands between Polestar and the provider's token endpoint for the tampered-ID-token case.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from oidc_provider_mock import run_server_in_thread
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import oidc
from polestar.access.oidc import REFUSED
from polestar.access.sessions import resume_session
from polestar.access.users import add_user, find_user, reset_password
from polestar.settings import Settings
from polestar.web.app import create_app
from polestar.web.sessions import SESSION_COOKIE
from polestar.web.sso import PENDING_COOKIE

READER = audit.Actor("cli:test-reader")
MAPPING = """\
username: preferred_username
organisation:
  claim: org
  values: {staffs-police: home-force, staffs-fire: fire}
roles:
  claim: groups
  values: {polestar-officers: officer, polestar-analysts: analyst, polestar-admins: administrator}
"""
CALLBACK = "https://testserver/sign-in/sso/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


class _Tampering(BaseHTTPRequestHandler):
    """Serves the provider's metadata with its own token endpoint, which forwards the code
    and hands back the ID token with its payload rewritten (and the signature left alone)."""

    provider = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        metadata = httpx.get(f"{self.provider}/.well-known/openid-configuration").json()
        host, port = self.server.server_address[:2]
        self._reply({**metadata, "token_endpoint": f"http://{host!s}:{port}/token"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        forwarded = {k: v for k, v in self.headers.items() if k.lower() in
                     {"authorization", "content-type"}}  # fmt: skip
        token = httpx.post(f"{self.provider}/oauth2/token", content=body, headers=forwarded).json()
        header, payload, signature = token["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["groups"] = ["polestar-admins"]
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        self._reply({**token, "id_token": f"{header}.{forged}.{signature}"})


@pytest.fixture(scope="module")
def tampering(provider: str) -> Iterator[str]:
    handler = type("Tampering", (_Tampering,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/openid-configuration"
    server.shutdown()


def _sso_settings(settings: Settings, tmp_path: Path, metadata_url: str) -> Settings:
    mapping = tmp_path / "claims.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return settings.model_copy(
        update={
            "oidc_metadata_url": metadata_url,
            "oidc_client_id": "polestar",
            "oidc_client_secret": "test-secret",
            "oidc_redirect_uri": CALLBACK,
            "oidc_provider_name": "Staffs ID",
            "oidc_claims_mapping": mapping,
            "password_hash_profile": "fast",
        }
    )


@pytest.fixture
def app_settings(settings: Settings, db: Engine, tmp_path: Path, provider: str) -> Settings:
    return _sso_settings(settings, tmp_path, f"{provider}/.well-known/openid-configuration")


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(app_settings), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


def _claims(provider: str, sub: str, **claims: object) -> None:
    httpx.put(f"{provider}/users/{sub}", json=claims).raise_for_status()


def _approve(client: TestClient, sub: str) -> tuple[str, dict[str, list[str]]]:
    """Start at Polestar, approve at the provider as `sub`: the callback URL and the
    authorization request's query."""
    start = client.get("/sign-in/sso")
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    approved = httpx.post(authorize, data={"sub": sub}, follow_redirects=False)
    assert approved.status_code == 302, approved.text
    return approved.headers["location"], parse_qs(urlsplit(authorize).query)


def _failures(engine: Engine, settings: Settings, actor: str) -> list[str]:
    found = audit.by_user(engine, actor, reader=READER, settings=settings)
    return [
        str(item.entry.details.get("reason"))
        for item in found
        if item.entry.action == "session.sign-in" and item.entry.outcome == audit.Outcome.DENIED
    ]


def test_a_mapped_user_is_signed_in_with_their_organisation_and_roles(
    client: TestClient, provider: str, db: Engine, app_settings: Settings
) -> None:
    _claims(provider, "s-101", preferred_username="Alice.Smith", org="staffs-police",
            groups=["polestar-analysts", "polestar-officers", "canteen"])  # fmt: skip
    callback, query = _approve(client, "s-101")
    assert query["code_challenge_method"] == ["S256"], query
    assert {"code_challenge", "nonce", "state"} <= query.keys(), query
    response = client.get(callback)
    assert response.status_code == 303, response.text
    cookie = response.cookies[SESSION_COOKIE]
    session = resume_session(db, app_settings, cookie, datetime.now(UTC))
    assert session is not None
    assert (session.username, session.organisation, session.roles, session.method) == (
        "alice.smith", "home-force", frozenset({"analyst", "officer"}), "oidc"
    )  # fmt: skip
    user = find_user(db, "alice.smith")
    assert (user.organisation, set(user.roles)) == ("home-force", {"analyst", "officer"})
    entries = [
        item.entry
        for item in audit.by_user(db, "alice.smith", reader=READER, settings=app_settings)
    ]
    signed_in = [e for e in entries if e.action == "session.sign-in"]
    assert [(e.outcome, e.details["method"]) for e in signed_in] == [
        (audit.Outcome.ALLOWED, "oidc")
    ], entries
    # The pages now know them: the purpose page answers instead of sending them to sign in.
    assert client.get("/purpose").status_code == 200


def test_roles_follow_the_claims_at_the_next_sign_in(
    client: TestClient, provider: str, db: Engine, app_settings: Settings
) -> None:
    _claims(provider, "s-102", preferred_username="bob", org="staffs-fire",
            groups=["polestar-officers"])  # fmt: skip
    assert client.get(_approve(client, "s-102")[0]).status_code == 303
    _claims(provider, "s-102", preferred_username="bob", org="staffs-police",
            groups=["polestar-analysts"])  # fmt: skip
    client.cookies.clear()
    assert client.get(_approve(client, "s-102")[0]).status_code == 303
    user = find_user(db, "bob")
    assert (user.organisation, user.roles) == ("home-force", ("analyst",))
    actions = [
        item.entry.action
        for item in audit.by_user(db, "oidc:" + provider, reader=READER, settings=app_settings)
    ]
    assert actions == ["users.add", "users.sso-update"], actions


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert SESSION_COOKIE not in response.cookies
    page = BeautifulSoup(response.text, "html.parser")
    notice = page.select_one("#sign-in-error")
    assert notice is not None
    assert notice.get_text(strip=True) == REFUSED


def test_unmapped_claims_are_refused_and_audited(
    client: TestClient, provider: str, db: Engine, app_settings: Settings
) -> None:
    _claims(provider, "s-103", preferred_username="carol", org="staffs-police",
            groups=["canteen"])  # fmt: skip
    _refused(client.get(_approve(client, "s-103")[0]))
    _claims(provider, "s-104", preferred_username="dave", org="another-force",
            groups=["polestar-admins"])  # fmt: skip
    _refused(client.get(_approve(client, "s-104")[0]))
    assert _failures(db, app_settings, "carol") == ["no role mapped"]
    assert _failures(db, app_settings, "dave") == ["no organisation mapped"]
    with pytest.raises(Exception, match="no user named"):
        find_user(db, "dave")


def test_a_local_account_is_never_taken_over_by_the_provider(
    client: TestClient, provider: str, db: Engine, app_settings: Settings
) -> None:
    add_user(
        db,
        "erin",
        "fire",
        ["partner-caseworker"],
        datetime.now(UTC),
        actor="test",
        settings=app_settings,
    )
    reset_password(db, "erin", datetime.now(UTC), actor="test", settings=app_settings)
    _claims(provider, "s-107", preferred_username="erin", org="staffs-police",
            groups=["polestar-admins"])  # fmt: skip
    _refused(client.get(_approve(client, "s-107")[0]))
    assert _failures(db, app_settings, "erin") == ["a local account has that name"]
    user = find_user(db, "erin")
    assert (user.organisation, user.roles) == ("fire", ("partner-caseworker",))


def test_the_identity_is_bound_by_sub_not_by_the_name_claim(
    client: TestClient, provider: str, db: Engine, app_settings: Settings
) -> None:
    _claims(provider, "s-110", preferred_username="frank", org="staffs-police",
            groups=["polestar-officers"])  # fmt: skip
    assert client.get(_approve(client, "s-110")[0]).status_code == 303
    # Renamed at the provider: still the same user here, and no new one is made.
    _claims(provider, "s-110", preferred_username="francis", org="staffs-police",
            groups=["polestar-officers"])  # fmt: skip
    client.cookies.clear()
    response = client.get(_approve(client, "s-110")[0])
    assert response.status_code == 303, response.text
    cookie = response.cookies[SESSION_COOKIE]
    session = resume_session(db, app_settings, cookie, datetime.now(UTC))
    assert session is not None
    assert session.username == "frank"
    with pytest.raises(Exception, match="no user named"):
        find_user(db, "francis")
    # Another identity given the name "frank" at the provider is not frank here.
    _claims(provider, "s-111", preferred_username="frank", org="staffs-police",
            groups=["polestar-admins"])  # fmt: skip
    client.cookies.clear()
    _refused(client.get(_approve(client, "s-111")[0]))
    assert _failures(db, app_settings, "frank") == ["another identity holds that name"]
    assert find_user(db, "frank").roles == ("officer",)


def test_a_user_made_without_a_password_is_bound_at_their_first_sign_in(
    client: TestClient, provider: str, db: Engine, app_settings: Settings
) -> None:
    add_user(
        db,
        "grace",
        "home-force",
        ["officer"],
        datetime.now(UTC),
        actor="test",
        settings=app_settings,
    )
    _claims(provider, "s-112", preferred_username="grace", org="staffs-police",
            groups=["polestar-officers"])  # fmt: skip
    assert client.get(_approve(client, "s-112")[0]).status_code == 303
    actions = [
        item.entry.action
        for item in audit.by_user(db, "oidc:" + provider, reader=READER, settings=app_settings)
    ]
    assert "users.sso-bind" in actions, actions
    # Bound now: a second identity claiming the name is refused.
    _claims(provider, "s-113", preferred_username="grace", org="staffs-police",
            groups=["polestar-officers"])  # fmt: skip
    client.cookies.clear()
    _refused(client.get(_approve(client, "s-113")[0]))


def test_the_providers_configuration_and_keys_are_kept_between_sign_ins(
    client: TestClient, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oidc, "_DOCUMENTS", oidc._ProviderDocuments(keep=900.0))
    fetched: list[str] = []
    get = httpx2.get

    def counted(url: str, **options: Any) -> httpx2.Response:
        fetched.append(url)
        return get(url, **options)

    monkeypatch.setattr(httpx2, "get", counted)
    _claims(provider, "s-114", preferred_username="heidi", org="staffs-police",
            groups=["polestar-officers"])  # fmt: skip
    for _ in range(3):
        client.cookies.clear()
        assert client.get(_approve(client, "s-114")[0]).status_code == 303
    metadata = f"{provider}/.well-known/openid-configuration"
    assert fetched == [metadata, get(metadata).json()["jwks_uri"]], fetched


def test_a_wrong_state_or_nonce_is_refused(
    client: TestClient, provider: str, db: Engine, app_settings: Settings
) -> None:
    _claims(provider, "s-105", preferred_username="erin", org="staffs-police",
            groups=["polestar-officers"])  # fmt: skip
    callback, _ = _approve(client, "s-105")
    _refused(client.get(callback.replace("state=", "state=x")))
    callback, _ = _approve(client, "s-105")
    _refused(client.get(callback.replace("state=", "state=%C3%A9")))  # any character: refused
    # The right state, but the nonce the browser kept is not the one in the ID token.
    callback, _ = _approve(client, "s-105")
    pending = client.cookies.get(PENDING_COOKIE)
    assert pending is not None
    state, _nonce, verifier = pending.split(".")
    client.cookies.clear()
    forged = f"{state}.{'n' * 32}.{verifier}"
    _refused(client.get(callback, headers={"Cookie": f"{PENDING_COOKIE}={forged}"}))
    # No cookie at all (a callback the browser did not start).
    client.cookies.clear()
    _refused(client.get(callback))
    assert _failures(db, app_settings, "anonymous") == [
        "state mismatch",
        "state mismatch",
        "id token rejected: InvalidClaimError",
        "state mismatch",
    ], _failures(db, app_settings, "anonymous")


def test_a_tampered_id_token_is_refused(
    settings: Settings, db: Engine, tmp_path: Path, provider: str, tampering: str
) -> None:
    _claims(provider, "s-106", preferred_username="frank", org="staffs-police",
            groups=["polestar-officers"])  # fmt: skip
    tampered = _sso_settings(settings, tmp_path, tampering)
    with TestClient(
        create_app(tampered), base_url="https://testserver", follow_redirects=False
    ) as client:
        _refused(client.get(_approve(client, "s-106")[0]))
    assert _failures(db, tampered, "anonymous") == ["id token rejected: BadSignatureError"]
    with pytest.raises(Exception, match="no user named"):
        find_user(db, "frank")


def test_the_sign_in_page_offers_the_provider_only_when_configured(
    client: TestClient, settings: Settings, db: Engine
) -> None:
    page = BeautifulSoup(client.get("/sign-in").text, "html.parser")
    button = page.select_one("a#sign-in-sso")
    assert button is not None
    assert button.get_text(strip=True) == "Sign in with Staffs ID"
    assert button["href"] == "/sign-in/sso"
    with TestClient(create_app(settings), base_url="https://testserver") as plain:
        page = BeautifulSoup(plain.get("/sign-in").text, "html.parser")
        assert page.select_one("a#sign-in-sso") is None
        assert plain.get("/sign-in/sso", follow_redirects=False).status_code == 404


def test_an_unreachable_provider_is_a_503_not_a_crash(
    settings: Settings, db: Engine, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens
    down = _sso_settings(settings, tmp_path, f"http://127.0.0.1:{port}/.well-known/x")
    with TestClient(create_app(down), base_url="https://testserver") as client:
        response = client.get("/sign-in/sso", follow_redirects=False)
        assert response.status_code == 503, response.text
        # A page, not an API route: the error renders in the shell, without a traceback.
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text
        assert BeautifulSoup(response.text, "html.parser").select_one("main h1") is not None
        pending = "s" * 8 + "." + "n" * 8 + "." + "v" * 8
        response = client.get(
            "/sign-in/sso/callback?state=ssssssss&code=c",
            headers={"Cookie": f"{PENDING_COOKIE}={pending}"},
            follow_redirects=False,
        )
        _refused(response)
    assert _failures(db, down, "anonymous") == ["token exchange failed: Unavailable"]
