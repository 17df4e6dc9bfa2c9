"""The chain's head, checkpointed outside the table, so deleting the newest entries shows.

One small JSON file per database in `POLESTAR_DATA_DIR`, named by a hash of the database's
URL (without its password). It only moves forward, and only while the table still holds the
entry it names: once the table has been cut below it, appends leave it where it is and
`verify` keeps reporting the truncation.

It is rewritten in place, in one write of a fixed length under an exclusive lock, and read
under a shared one, so no reader sees half of it. Writing a new file and renaming it over the
old (the usual atomic replace) made ext4 flush the new file's data at each rename: 7 ms of
every audited request, queued behind each other's under a web server's load.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

# Longer than any checkpoint's text: a 20-digit sequence number and a 64-digit hash fit.
_LENGTH = 128


@dataclass(frozen=True)
class Head:
    """The newest entry's sequence number and hash."""

    seq: int
    hash: str


def checkpoint_path(data_dir: Path, engine: Engine) -> Path:
    """The checkpoint file of `engine`'s database."""
    url = engine.url.set(password=None).render_as_string(hide_password=False)
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return data_dir.resolve() / f"audit-head-{digest}.json"


def read_checkpoint(path: Path) -> Head | None:
    """The checkpointed head, or None when nothing has been checkpointed (or it is unreadable)."""
    if not path.exists():  # not even the lock file is made for a checkpoint never written
        return None
    with _locked(path, fcntl.LOCK_SH):
        return _read(path)


def _read(path: Path) -> Head | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Head(int(data["seq"]), str(data["hash"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None


def advance(path: Path, head: Head, checked: Head | None) -> None:
    """Move the checkpoint forward to `head`, a committed entry.

    `checked` is the checkpoint the appender found, and found still in the table, while it
    held the append lock (None: there was none). Nothing moves when the checkpoint is at or
    past `head` already (another process got there first), or is older than `checked`.
    Appenders that find the checkpointed entry gone or changed never call this, so a
    truncation stays in evidence however many entries follow it.
    """
    with _locked(path, fcntl.LOCK_EX):
        current = _read(path)
        if current is not None:
            if current.seq >= head.seq:
                return
            if checked is not None and current.seq < checked.seq:
                return
        # Padded to one length, so a shorter text never leaves the end of a longer one behind.
        text = json.dumps({"seq": head.seq, "hash": head.hash}).ljust(_LENGTH)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.pwrite(descriptor, text.encode("utf-8"), 0)
            os.ftruncate(descriptor, len(text))
        finally:
            os.close(descriptor)


@contextmanager
def _locked(path: Path, operation: int) -> Iterator[None]:
    """Hold the checkpoint's lock: exclusive to write (appends commit under the database's
    lock, but their checkpoints are written after it is released), shared to read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, operation)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
