"""Password rules (NCSC: length and a deny-list, no composition rules) and argon2id hashing."""

from __future__ import annotations

import pytest

from polestar.access.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    generate_password,
    hash_password,
    password_problems,
    verify_password,
)
from polestar.settings import Settings


def _problems(password: str, username: str = "sam.officer", org: str = "home-force") -> list[str]:
    return [problem.message for problem in password_problems(password, username, org)]


def test_a_long_password_without_digits_or_symbols_is_accepted() -> None:
    assert _problems("correct pony staple river") == []
    assert _problems("a" * MIN_LENGTH) == []
    assert _problems("b" * MAX_LENGTH) == []


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("x" * (MIN_LENGTH - 1), "at least 12"),
        ("y" * (MAX_LENGTH + 1), "at most 128"),
        ("password1234", "too common"),
        ("Password123!", "too common"),  # decoration does not save a common word
        ("QWERTYUIOP123", "too common"),
        ("123456789012", "too common"),
        ("!!Home-Force2026", "too common"),  # the organisation
        ("my sam.officer pass", "user name"),
        ("ilovepolestar99", "'polestar'"),
    ],
)
def test_short_long_common_and_personal_passwords_are_refused(password: str, reason: str) -> None:
    problems = _problems(password)
    assert any(reason in problem for problem in problems), problems


def test_generated_passwords_meet_the_rules_and_differ() -> None:
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(_problems(password) == [] for password in passwords)


def test_hashes_are_argon2id_salted_and_verify_only_the_password() -> None:
    settings = Settings()
    first = hash_password("correct pony staple river", settings)
    second = hash_password("correct pony staple river", settings)
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "correct pony staple river", settings)
    assert not verify_password(first, "correct pony staple rivet", settings)
    assert not verify_password(None, "", settings)
    assert not verify_password("not a hash", "anything", settings)


def test_the_standard_profile_costs_64_mib_and_the_fast_one_does_not() -> None:
    standard = hash_password(
        "correct pony staple river", Settings(password_hash_profile="standard")
    )
    fast = hash_password("correct pony staple river", Settings(password_hash_profile="fast"))
    assert "$m=65536,t=3,p=4$" in standard
    assert "$m=8,t=1,p=1$" in fast
