"""Rate limits shared by every server process: per-user requests for personal data
(`POLESTAR_RATE_LIMIT_PER_MINUTE`) and sign-ins per client address
(`POLESTAR_SIGN_IN_PER_ADDRESS_PER_MINUTE`).

`polestar serve --workers N` runs N processes; a window kept in each let a user make N times
the limit, so the windows live in the store (`store.rate_windows`), where every process
counts the same hits. Each limit is a sliding-window counter: hits are counted in fixed
windows, and a hit goes through while this window's hits plus the previous window's, weighted
by the share of the previous window still inside the last `window` seconds, stay under the
limit. That is one small row per key per window, and one upsert per hit.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from polestar.store.rate_windows import add_hit, expire_windows, window_hits
from polestar.store.writer import writing


class RateLimiter(Protocol):
    """Counts requests per key (a user name, a client address)."""

    def hit(self, key: str, now: datetime) -> float | None:
        """Count one request; None if it is within the limit, else seconds until it would be."""
        ...


class StoredWindow:
    """A sliding-window counter kept in the store: `limit` hits per `window` seconds per key.

    Args:
        engine: the store every server process shares.
        name: the limit's name, which keeps its keys apart from other limits' (`requests`).
        limit: hits allowed in any `window` seconds (approximately: see the module's note).
        window: the window's length in seconds.
    """

    def __init__(self, engine: Engine, name: str, limit: int, window: int = 60) -> None:
        self.engine = engine
        self.name = name
        self.limit = limit
        self.window = window

    def hit(self, key: str, now: datetime) -> float | None:
        moment = now.timestamp()
        started = int(moment // self.window) * self.window
        previous = started - self.window
        elapsed = moment - started
        weight = 1 - elapsed / self.window  # the previous window's share of the last `window` s
        stored_key = f"{self.name}:{key}"
        with writing(self.engine) as conn:
            hits = add_hit(conn, stored_key, started, previous, weight, self.limit)
            if hits == 1:  # a new window: the one before the previous weighs nothing now
                expire_windows(conn, previous)
            if hits is not None:
                return None
            current, earlier = window_hits(conn, stored_key, started, previous)
        return self._wait(current, earlier, elapsed)

    def _wait(self, current: int, earlier: int, elapsed: float) -> float:
        """Seconds until a hit would go through, given the hits of this window and the one
        before, `elapsed` seconds into this one."""
        if current >= self.limit:
            # Next window, once this one's weighted hits have fallen under the limit.
            return self.window - elapsed + self.window * max(0.0, 1 - self.limit / current)
        # This window, once the previous window's weighted hits leave room for one more (none
        # left: another process has just begun the next window and expired it).
        room = (self.limit - current) / earlier if earlier else 1.0
        return max(0.0, self.window * (1 - room) - elapsed)


def retry_after_seconds(wait: float) -> int:
    """A `Retry-After` value: the first whole second after `wait`, so a retry then goes through
    (a hit exactly at the limit is refused)."""
    return math.floor(wait) + 1
