"""Benchmark the profiles: person, vehicle and location views on a linked store, warm.

Usage:
  .venv/bin/python bench/profile.py --store LINKED.db [--samples 200] [--prolific 20]

`--store` takes a linked SQLite store (a copy: every view writes an audit entry). For each
kind, `--samples` entities are drawn at random (seeded) with the `--prolific` entities of the
most records among them, and each view is timed through the same service call the API uses
(the Scope, the scoped reads, the audit entry), as the local operator and as a partner
caseworker. Prints p50/p95/max per kind and viewer. Goal (issue 6): person profile p95 ≤ 100 ms
at 1,000,000 person records.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from polestar.access import Viewer, load_agreements, operator
from polestar.errors import NotFound
from polestar.search.location_profile import location_view
from polestar.search.profile import person_view
from polestar.search.vehicle_profile import vehicle_view
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.schema import upgrade
from web import partner  # bench/web.py, beside this script

GOAL_P95_MS = 100.0
VIEWS: dict[str, Callable[..., Any]] = {
    "person": person_view,
    "vehicle": vehicle_view,
    "location": location_view,
}


def _sample(
    engine: sa.Engine, kind: str, samples: int, prolific: int, seed: int
) -> tuple[list[str], int]:
    with engine.connect() as conn:
        ids = conn.execute(
            sa.text(
                "SELECT id FROM entities WHERE kind = :kind AND retired_run_id IS NULL "
                "ORDER BY records DESC, id"
            ),
            {"kind": kind},
        ).scalars()
        ordered = list(ids)
    top = ordered[:prolific]
    rest = random.Random(seed).sample(ordered[prolific:], max(0, samples - len(top)))
    return top + rest, len(top)


def _time(
    engine: sa.Engine, settings: Settings, view: Callable[..., Any], viewer: Viewer, ids: list[str]
) -> tuple[list[float], int]:
    times, hidden = [], 0
    for entity_id in ids:
        start = time.perf_counter()
        try:
            view(engine, settings, viewer, entity_id)
        except NotFound:
            hidden += 1
        times.append((time.perf_counter() - start) * 1000)
    return times, hidden


def _quantile(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def _summary(times: list[float]) -> str:
    return f"p50={_quantile(times, 50):.1f} ms p95={_quantile(times, 95):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--prolific", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--kinds", nargs="+", choices=sorted(VIEWS), default=list(VIEWS))
    args = parser.parse_args()
    if args.samples < args.prolific + 2:
        # Both the prolific and the random samples need two timings for their percentiles.
        parser.error("--samples must exceed --prolific by at least 2")
    url = f"sqlite:///{args.store.resolve()}"
    settings = Settings(database_url=url, data_dir=args.store.parent / "data")
    engine = create_engine(settings=settings)
    upgrade(engine)
    # The shipped agreements.
    load_agreements(engine, [], datetime.now(UTC), actor="cli:bench", settings=settings)
    viewers = {
        "operator": operator("cli:bench", "investigation"),
        "cps": partner(engine, settings),
    }
    for kind in args.kinds:
        view = VIEWS[kind]
        ids, top = _sample(engine, kind, args.samples, args.prolific, args.seed)
        for name, viewer in viewers.items():
            _time(engine, settings, view, viewer, ids[:5])  # warm the caches
            times, hidden = _time(engine, settings, view, viewer, ids)
            worst = max(range(len(ids)), key=lambda i: times[i])
            goal = ""
            if kind == "person":
                met = _quantile(times, 95) <= GOAL_P95_MS
                goal = f"  goal p95 <= {GOAL_P95_MS:.0f} ms: {'met' if met else 'NOT met'}"
            print(
                f"{kind:8} {name:8} n={len(ids)} 404={hidden} {_summary(times)} "
                f"max={times[worst]:.1f} ms ({ids[worst]}){goal}\n"
                f"{'':17} random {len(ids) - top}: {_summary(times[top:])}; "
                f"most records {top}: {_summary(times[:top])}"
            )


if __name__ == "__main__":
    main()
