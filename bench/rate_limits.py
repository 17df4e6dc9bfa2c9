"""Benchmark the shared rate limit: what one `StoredWindow.hit` costs on a SQLite store.

Usage: `.venv/bin/python bench/rate_limits.py [--hits N] [--keys K]`.
Every personal-data request pays one hit (one upsert in its own write transaction), so this
is the limiter's share of a request's time. Prints the time for `--hits` hits (default 1,000)
over `--keys` users in one process, then with two processes hitting the same store at once,
as `polestar serve --workers 2` does. The web load test (bench/web.py --load) asks for about
25 requests a second.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from polestar.access.rate_limits import StoredWindow
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.schema import upgrade


def _hits(url: str, hits: int, keys: int) -> float:
    """Seconds taken by `hits` hits over `keys` users (a limit none of them reaches)."""
    limiter = StoredWindow(create_engine(url), "requests", limit=10**9)
    limiter.hit("warm-up", datetime.now(UTC))
    started = time.perf_counter()
    for n in range(hits):
        limiter.hit(f"user-{n % keys}", datetime.now(UTC))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/polestar.db"
        upgrade(create_engine(url, Settings(database_url=url, data_dir=Path(folder))))
        alone = _hits(url, args.hits, args.keys)
        print(
            f"one process:   {args.hits:,} hits over {args.keys} users in {alone * 1000:.0f} ms"
            f" ({alone / args.hits * 1000:.3f} ms a hit)"
        )
        with ProcessPoolExecutor(2) as pool:
            both = list(pool.map(_hits, [url, url], [args.hits] * 2, [args.keys] * 2))
        print(
            f"two processes: {args.hits:,} hits each in {both[0] * 1000:.0f} ms and"
            f" {both[1] * 1000:.0f} ms ({2 * args.hits / max(both):,.0f} hits a second together)"
        )


if __name__ == "__main__":
    main()
