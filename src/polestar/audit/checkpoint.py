"""The chain's head, checkpointed outside the table, so deleting the newest entries shows.

One small JSON file per database in `POLESTAR_DATA_DIR`, named by a hash of the database's
URL (without its password), replaced atomically. It only moves forward, and only while the
table still holds the entry it names: once the table has been cut below it, appends leave it
where it is and `verify` keeps reporting the truncation.
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
    with _locked(path):
        current = read_checkpoint(path)
        if current is not None:
            if current.seq >= head.seq:
                return
            if checked is not None and current.seq < checked.seq:
                return
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps({"seq": head.seq, "hash": head.hash}), encoding="utf-8")
        os.replace(temporary, path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise checkpoint writers: appends commit under the database's lock, but their
    checkpoints are written after it is released."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
