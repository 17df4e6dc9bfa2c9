"""Single sign-on: OpenID Connect, authorization code with PKCE, through Authlib.

A force with an identity provider sets `POLESTAR_OIDC_*`. `begin` makes the provider's
authorization URL and the `Pending` values the browser keeps meanwhile (state, nonce, PKCE
verifier); `finish` checks the state, exchanges the code, verifies the ID token (signature
against the provider's keys, issuer, audience, expiry, nonce), maps its claims to a user name,
an organisation and roles (`ClaimsMapping`, YAML kept as data), and opens a session
(`sessions.open_session_in`, method `oidc`). The provider is authoritative for the users it
names: a user it names is created (or an existing user without a password bound) at the first
sign-in and bound to the identity's issuer and `sub` from then on; their organisation and roles
follow the claims at every sign-in (each change recorded). Every refusal — wrong state, a token that
fails verification, claims that map to no organisation or no role, a disabled user — is
recorded as a failed sign-in and answers the same `Unauthorised`.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import httpx2
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access.organisations import organisations
from polestar.access.roles import ROLES
from polestar.access.sessions import NewSession, open_session_in
from polestar.errors import FieldError, InvalidInput, Unauthorised, Unavailable
from polestar.secret_files import same_text
from polestar.settings import Settings
from polestar.store.accounts import (
    UserRow,
    bind_subject,
    insert_user,
    set_user_membership,
    user_row,
    user_row_by_subject,
)
from polestar.yaml_documents import validated

REFUSED = "single sign-on refused: ask your administrator to check your account"
_SCOPE = "openid profile email"
_TIMEOUT = 10.0


class InvalidClaimsMapping(InvalidInput):
    """The claims mapping file is broken; `errors` lists every problem."""


class ClaimValues(BaseModel):
    """One claim and what each of its values means here."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    claim: str = Field(min_length=1)
    values: dict[str, str] = Field(min_length=1)


class ClaimsMapping(BaseModel):
    """How the provider's ID-token claims name a user, their organisation and their roles.

    A claim may hold one value or a list (`groups`); the first value of the organisation claim
    that `organisation.values` knows names the organisation, and every value of the roles claim
    that `roles.values` knows gives a role. No organisation or no role: refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    username: str = Field("preferred_username", description="the claim holding the user name")
    organisation: ClaimValues
    roles: ClaimValues


def load_mapping(path: Path) -> ClaimsMapping:
    """Read and check a claims mapping file.

    Raises:
        InvalidClaimsMapping: unreadable, or a role that does not exist.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidClaimsMapping(f"cannot read {path}: {exc.strerror}") from exc
    mapping = validated(text, str(path), ClaimsMapping, InvalidClaimsMapping)
    problems = [
        FieldError(f"roles.values.{value}", f"no role {role!r}; known: {', '.join(ROLES)}")
        for value, role in mapping.roles.values.items()
        if role not in ROLES
    ]
    if problems:
        raise InvalidClaimsMapping(f"{path} has {len(problems)} error(s)", problems)
    return mapping


def configured(settings: Settings) -> bool:
    """Whether single sign-on is set up (every `POLESTAR_OIDC_*` needed is set)."""
    return None not in (
        settings.oidc_metadata_url,
        settings.oidc_client_id,
        settings.oidc_redirect_uri,
        settings.oidc_claims_mapping,
    )


@dataclass(frozen=True)
class Pending:
    """What the browser keeps between `begin` and `finish` (in a short-lived cookie)."""

    state: str
    nonce: str
    code_verifier: str

    def encode(self) -> str:
        return ".".join((self.state, self.nonce, self.code_verifier))

    @classmethod
    def decode(cls, value: str | None) -> Pending | None:
        parts = (value or "").split(".")
        return cls(*parts) if len(parts) == 3 and all(parts) else None


def _client(settings: Settings) -> OAuth2Client:
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        scope=_SCOPE,
        redirect_uri=settings.oidc_redirect_uri,
        code_challenge_method="S256",
        timeout=_TIMEOUT,
    )


class _ProviderDocuments:
    """The provider's OpenID configuration and signing keys, each kept for `keep` seconds.

    Both change rarely, and a sign-in should not cost two more round trips to the provider. A
    key rotation publishes the new key before signing with it, and a token that fails against
    kept keys is checked once more against fresh ones (`_verified_claims`).
    """

    def __init__(self, keep: float) -> None:
        self.keep = keep
        self._kept: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, *, fresh: bool = False) -> dict[str, Any]:
        """The JSON document at `url`.

        Raises:
            Unavailable: (503) the provider does not answer, or not with JSON.
        """
        with self._lock:
            kept = self._kept.get(url)
        if kept is not None and not fresh and time.monotonic() - kept[0] < self.keep:
            return kept[1]
        try:
            response = httpx2.get(url, timeout=_TIMEOUT)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise Unavailable("the identity provider does not answer: try again later") from exc
        with self._lock:
            self._kept[url] = (time.monotonic(), document)
        return document


_DOCUMENTS = _ProviderDocuments(keep=900.0)


def _metadata(settings: Settings) -> dict[str, Any]:
    """The provider's OpenID configuration (`_ProviderDocuments.get`)."""
    return _DOCUMENTS.get(str(settings.oidc_metadata_url))


def begin(settings: Settings) -> tuple[str, Pending]:
    """The provider's authorization URL to send the browser to, and what to keep meanwhile."""
    pending = Pending(
        secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    )
    with _client(settings) as client:
        url, _state = client.create_authorization_url(
            _metadata(settings)["authorization_endpoint"],
            state=pending.state,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    return str(url), pending


class _Refusal(Exception):
    """Why a sign-in is refused, for the audit entry only (the caller sees `REFUSED`)."""

    def __init__(self, reason: str, username: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.username = username


def _verified_claims(settings: Settings, pending: Pending, code: str) -> dict[str, Any]:
    """Exchange the code, then verify the ID token it brings: signature, issuer, audience,
    expiry and nonce; against the kept signing keys, then once against fresh ones."""
    try:
        metadata = _metadata(settings)
        with _client(settings) as client:
            token = client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=pending.code_verifier
            )
    except Exception as exc:  # unreachable, refused the code, or answered nonsense (any library)
        raise _Refusal(f"token exchange failed: {type(exc).__name__}") from exc
    id_token = str(token.get("id_token", ""))
    expected = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": str(settings.oidc_client_id)},
        exp={"essential": True},
        nonce={"essential": True, "value": pending.nonce},
    )
    try:
        return _claims_signed_by(id_token, metadata["jwks_uri"], expected, fresh=False)
    except (JoseError, ValueError):
        pass  # perhaps signed with a key published since ours were kept
    try:
        return _claims_signed_by(id_token, metadata["jwks_uri"], expected, fresh=True)
    except (JoseError, ValueError) as exc:
        raise _Refusal(f"id token rejected: {type(exc).__name__}") from exc


def _claims_signed_by(
    id_token: str, jwks_uri: str, expected: jwt.JWTClaimsRegistry, *, fresh: bool
) -> dict[str, Any]:
    """The token's claims, once its signature checks against the provider's keys and its
    claims against `expected`."""
    try:
        keys = _DOCUMENTS.get(jwks_uri, fresh=fresh)
    except Unavailable as exc:
        raise _Refusal("signing keys unavailable") from exc
    decoded = jwt.decode(id_token, KeySet.import_key_set(cast(KeySetSerialization, keys)))
    expected.validate(decoded.claims)
    return dict(decoded.claims)


def _values(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name)
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [str(item) for item in items]


def _mapped(
    claims: dict[str, Any], mapping: ClaimsMapping, known: set[str]
) -> tuple[str, str, list[str]]:
    """The user name, organisation and roles the claims map to."""
    names = _values(claims, mapping.username)
    username = names[0].strip().lower() if names else None
    if not username:
        raise _Refusal(f"no {mapping.username} claim")
    organisation = next(
        (
            mapping.organisation.values[value]
            for value in _values(claims, mapping.organisation.claim)
            if value in mapping.organisation.values
        ),
        None,
    )
    if organisation is None or organisation not in known:
        raise _Refusal("no organisation mapped", username)
    roles = sorted(
        {
            mapping.roles.values[value]
            for value in _values(claims, mapping.roles.claim)
            if value in mapping.roles.values
        }
    )
    if not roles:
        raise _Refusal("no role mapped", username)
    return username, organisation, roles


def _subject(claims: dict[str, Any]) -> str:
    """The identity's stable name: its issuer and `sub` (OpenID Connect Core, 5.7)."""
    sub = str(claims.get("sub") or "")
    if not sub:
        raise _Refusal("no sub claim")
    return f"{claims['iss']}|{sub}"


def _provisioned(
    conn: Connection,
    subject: str,
    username: str,
    organisation: str,
    roles: list[str],
    now: datetime,
    actor: str,
) -> UserRow:
    """The user the identity is bound to, created or bound at its first sign-in, with their
    organisation and roles brought into line with the claims.

    The user-name claim names the user only at that first sign-in; afterwards the identity's
    `subject` finds them, so a name renamed or reissued at the provider signs in as no one
    else here. A first sign-in binds to an existing user of that name only when it has neither
    a password (a local account is never taken over: whoever controls the provider's name
    claim could otherwise become any local user, administrators included) nor another identity.
    """

    def record(action: str, name: str) -> None:
        details = {"user": name, "organisation": organisation, "roles": roles}
        audit.record_in(conn, audit.Alteration(action=action, actor=actor, details=details))

    user = user_row_by_subject(conn, subject)
    if user is None:
        named = user_row(conn, username)
        if named is not None and named.password_hash is not None:
            raise _Refusal("a local account has that name", username)
        if named is not None and named.oidc_subject is not None:
            raise _Refusal("another identity holds that name", username)
        if named is None:
            record("users.add", username)
            return insert_user(conn, username, organisation, roles, None, now, subject)
        bind_subject(conn, named.id, subject)
        record("users.sso-bind", named.username)
        user = named
    if (user.organisation_id, sorted(user.roles)) == (organisation, roles):
        return user
    set_user_membership(conn, user.id, organisation, roles)
    record("users.sso-update", user.username)
    return replace(user, organisation_id=organisation, roles=tuple(roles))


def finish(
    engine: Engine,
    settings: Settings,
    pending: Pending | None,
    state: str | None,
    code: str | None,
    now: datetime,
) -> NewSession:
    """Complete a sign-in the provider sent back, and open the session.

    Args:
        pending: what `begin` gave the browser (None when its cookie is missing).
        state, code: the callback's query parameters.

    Raises:
        Unauthorised: `REFUSED`, whatever the reason; the reason is in the audit entry.
    """
    try:
        if pending is None or not state or not same_text(state, pending.state):
            raise _Refusal("state mismatch")
        if not code:
            raise _Refusal("no code")
        claims = _verified_claims(settings, pending, code)
        mapping = load_mapping(Path(str(settings.oidc_claims_mapping)))
        with audit.transaction(engine, settings) as conn:
            username, organisation, roles = _mapped(claims, mapping, set(organisations(conn)))
            subject = _subject(claims)
            actor = f"oidc:{claims['iss']}"
            user = _provisioned(conn, subject, username, organisation, roles, now, actor)
            if user.disabled_at is not None:
                raise _Refusal("user disabled", user.username)
            return open_session_in(conn, user, now, settings, method="oidc")
    except _Refusal as refusal:
        failed = audit.SignInFailed(
            actor=refusal.username or "anonymous",
            details={"method": "oidc", "reason": refusal.reason},
            occurred_at=now,
        )
        audit.record(engine, failed, settings)
        raise Unauthorised(REFUSED) from refusal
