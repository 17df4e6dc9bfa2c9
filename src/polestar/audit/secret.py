"""The chain's key: a secret kept outside the database, generated on first use.

Kept in `POLESTAR_DATA_DIR` with mode 0600 and never in the store (`polestar.secret_files`),
so that someone able to edit the audit table cannot recompute the chain (docs/audit.md, the
threat model).
"""

from __future__ import annotations

from pathlib import Path

from polestar.secret_files import ensure_secret, read_secret, secret_path

KEY_FILE = "audit.key"


def key_path(data_dir: Path) -> Path:
    """Where the key of the store configured with `data_dir` lives."""
    return secret_path(data_dir, KEY_FILE)


def read_key(data_dir: Path) -> bytes | None:
    """The key, or None when there is none yet (verification must not create one)."""
    return read_secret(data_dir, KEY_FILE)


def ensure_key(data_dir: Path) -> bytes:
    """The key, generated on first use (CONVENTIONS.md: secrets are never demanded)."""
    return ensure_secret(data_dir, KEY_FILE)
