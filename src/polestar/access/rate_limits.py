"""Per-user rate limits on personal-data requests (`POLESTAR_RATE_LIMIT_PER_MINUTE`).

A limit is a sliding window: at most `limit` requests in any `window` seconds. `RateLimiter` is
the small interface the web layer uses; `SlidingWindow` keeps the window in this process,
which is right for one server. Several API workers would share one behind the same interface
(a Redis sorted set per key does the same sum).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime
from typing import Protocol


class RateLimiter(Protocol):
    """Counts requests per key (a user name)."""

    def hit(self, key: str, now: datetime) -> float | None:
        """Count one request; None if it is within the limit, else seconds until it would be."""
        ...


class SlidingWindow:
    """An in-process sliding-window limiter: `limit` requests per `window` seconds per key."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # sync route handlers run on a thread pool

    def hit(self, key: str, now: datetime) -> float | None:
        moment = now.timestamp()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= moment - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - moment
            hits.append(moment)
            return None


def retry_after_seconds(wait: float) -> int:
    """A `Retry-After` value: whole seconds, at least one."""
    return max(1, math.ceil(wait))
