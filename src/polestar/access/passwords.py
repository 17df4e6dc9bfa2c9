"""Passwords: argon2id hashing and the rules a new password must meet.

The rules follow the NCSC's password guidance: a minimum length rather than composition rules
(no "one digit, one symbol"), a generous maximum so pass-phrases fit, and a deny-list of
passwords attackers try first — a shipped list of common ones, plus the user's own name, their
organisation and the product's name. A password an administrator sets is generated, so it
meets the rules by construction.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from polestar.errors import FieldError
from polestar.settings import Settings

MIN_LENGTH = 12
MAX_LENGTH = 128
_DENIED = Path(__file__).with_name("passwords") / "common.txt"
_PRODUCT = "polestar"
# Trimmed from both ends before the deny-list is consulted: `Password123!` is `password`.
_DECORATION = "0123456789!@#$%^&*()-_=+.,?~ "


@cache
def _hasher(profile: str) -> PasswordHasher:
    if profile == "fast":
        # Tiny costs so a test suite can hash thousands of passwords; never for real use.
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()  # argon2-cffi's RFC 9106 low-memory profile: argon2id, 64 MiB


def hash_password(password: str, settings: Settings) -> str:
    """The argon2id hash of `password` at the cost `POLESTAR_PASSWORD_HASH_PROFILE` names."""
    return _hasher(settings.password_hash_profile).hash(password)


def verify_password(password_hash: str | None, password: str, settings: Settings) -> bool:
    """Whether `password` matches `password_hash`.

    With no hash (a user without a password) a dummy hash is checked all the same, so the
    answer takes as long as for a real user and a guesser cannot tell the two apart by time.
    """
    hasher = _hasher(settings.password_hash_profile)
    try:
        return hasher.verify(password_hash or _dummy_hash(settings.password_hash_profile), password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, settings: Settings) -> bool:
    """Whether a stored hash was made at another cost than the profile now asks for (it is
    replaced at the user's next sign-in, the only time the password is at hand)."""
    return _hasher(settings.password_hash_profile).check_needs_rehash(password_hash)


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash(secrets.token_urlsafe(16))


@cache
def _denied() -> frozenset[str]:
    lines = _DENIED.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


def password_problems(password: str, username: str, organisation: str) -> list[FieldError]:
    """Every rule `password` breaks for this user (none: it may be used).

    Args:
        username: the user's sign-in name, which the password may not contain.
        organisation: the user's organisation slug, which the password may not be.
    """
    problems: list[FieldError] = []
    if len(password) < MIN_LENGTH:
        problems.append(FieldError("password", f"use at least {MIN_LENGTH} characters"))
    if len(password) > MAX_LENGTH:
        problems.append(FieldError("password", f"use at most {MAX_LENGTH} characters"))
    lowered = password.lower()
    core = lowered.strip(_DECORATION)
    context = {_PRODUCT, organisation.lower(), *organisation.lower().split("-")}
    if lowered in _denied() or core in _denied() or core in context:
        problems.append(FieldError("password", "that password is too common: choose another"))
    elif len(username) >= 3 and username.lower() in lowered:
        problems.append(FieldError("password", "the password may not contain your user name"))
    elif _PRODUCT in lowered:
        problems.append(FieldError("password", f"the password may not contain {_PRODUCT!r}"))
    return problems


def generate_password() -> str:
    """A new random password: 20 URL-safe characters (about 120 bits), always within the rules."""
    return secrets.token_urlsafe(15)
