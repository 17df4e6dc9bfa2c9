"""How soon a server process's request threads hand each other the interpreter lock.

A server process answers several requests at once on threads that share one interpreter lock.
Every database call lets go of it, and taking it back while another request is computing (a
network walk, a prolific person's profile) waits out the switch interval, 5 ms by default:
paid again after each query, and a search or a profile makes dozens. A shorter interval lets
short requests through beside long ones, which lose little to the extra switches. Run
alternately on the 1,000,000-record county (`bench/web.py`'s load test, four processes), the
aggregated p95 was 97–140 ms with 0.5 ms against 100–160 ms with 5 ms (means 111 and 130 ms
over five pairs), at the same CPU per request.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL_S = 0.0005


@contextmanager
def prompt_handovers() -> Iterator[None]:
    """Set the process's switch interval to `SWITCH_INTERVAL_S` for the block, then put it
    back."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
