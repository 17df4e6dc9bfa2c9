"""Secrets kept as files in `POLESTAR_DATA_DIR`, generated on first use.

Each is 32 random bytes, written with mode 0600 and never kept in the store: someone who can
edit the database cannot learn them (docs/audit.md, the threat model). CONVENTIONS.md: no
secret is demanded or committed; every server process of one data folder shares the file.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from pathlib import Path


def secret_path(data_dir: Path, name: str) -> Path:
    """Where the secret `name` of the store configured with `data_dir` lives."""
    return data_dir.resolve() / name


def read_secret(data_dir: Path, name: str) -> bytes | None:
    """The secret, or None when there is none yet (a reader such as `verify` must not make
    one)."""
    try:
        return bytes.fromhex(secret_path(data_dir, name).read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return None


def ensure_secret(data_dir: Path, name: str) -> bytes:
    """The secret, generated on first use.

    Two processes starting at once agree on one secret: each writes a private temporary file
    and links it into place, which fails for all but the first.
    """
    existing = read_secret(data_dir, name)
    if existing is not None:
        return existing
    path = secret_path(data_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()
    secret = read_secret(data_dir, name)
    assert secret is not None  # linked above, by this process or another
    return secret


def same_text(given: str, expected: str) -> bool:
    """Whether a secret text sent back (a token, a state) is the one expected, in constant
    time. As bytes: `compare_digest` raises on a `str` holding a non-ASCII character, and a
    request may hold any."""
    return hmac.compare_digest(given.encode(), expected.encode())
