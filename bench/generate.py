"""Benchmark the synthetic county generator: wall time, records per second per file, peak RSS.

Usage: `.venv/bin/python bench/generate.py [--people N] [--seed S] [--workers W] [--out DIR]`.
The default, 333,334 people, is the "1M" benchmark size (about 1,000,000 person records);
the target is under 5 minutes on a 2-core machine with peak RSS well under 2 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from polestar.synth import generate


def _mib(kib: int) -> float:
    return kib / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=333_334, help="true identities")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="polestar-bench-") as scratch:
        out = args.out or Path(scratch)
        start = time.perf_counter()
        counts = generate(out, args.people, args.seed, workers=workers)
        wall = time.perf_counter() - start
        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    print(f"synthetic county: {args.people:,} people, seed {args.seed}, {workers} workers")
    print(f"wall time: {wall:.1f} s")
    print(f"person records: {counts['person']:,} ({counts['person'] / wall:,.0f}/s)")
    for kind in ("vehicle", "location", "event", "phone", "weapon"):
        print(f"{kind} records: {counts[kind]:,}")
    print(f"{'file':<22}{'records':>12}{'records/s':>12}{'MiB':>9}")
    for key, rows in counts.items():
        if key.startswith("file:"):
            name = key[5:]
            print(f"{name:<22}{rows:>12,}{rows / wall:>12,.0f}{sizes[name] / 2**20:>9.1f}")
    main_peak = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    worker_peak = _mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(f"peak RSS: main process {main_peak:,.0f} MiB, largest worker {worker_peak:,.0f} MiB")


if __name__ == "__main__":
    main()
