"""The chain's key: a secret kept outside the database, generated on first use.

Kept in `POLESTAR_DATA_DIR` with mode 0600 and never in the store, so that someone able to
edit the audit table cannot recompute the chain (docs/audit.md, the threat model).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

KEY_FILE = "audit.key"


def key_path(data_dir: Path) -> Path:
    """Where the key of the store configured with `data_dir` lives."""
    return data_dir.resolve() / KEY_FILE


def read_key(data_dir: Path) -> bytes | None:
    """The key, or None when there is none yet (verification must not create one)."""
    try:
        return bytes.fromhex(key_path(data_dir).read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return None


def ensure_key(data_dir: Path) -> bytes:
    """The key, generated on first use (CONVENTIONS.md: secrets are never demanded).

    Two processes starting at once agree on one key: each writes a private temporary file
    and links it into place, which fails for all but the first.
    """
    existing = read_key(data_dir)
    if existing is not None:
        return existing
    path = key_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
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
    key = read_key(data_dir)
    assert key is not None  # linked above, by this process or another
    return key
