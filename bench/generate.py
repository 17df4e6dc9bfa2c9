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
import threading
import time
from pathlib import Path

import psutil

from polestar.synth import generate


class _PeakRss:
    """Samples the resident memory of this process's descendants (the block workers)."""

    def __init__(self) -> None:
        self.worker = 0
        self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.1):
            sizes = []
            for child in me.children(recursive=True):
                try:
                    sizes.append(child.memory_info().rss)
                except psutil.Error:
                    continue
            self.worker = max([self.worker, *sizes])
            self.total = max(self.total, me.memory_info().rss + sum(sizes))


def _mib(size: float) -> str:
    return f"{size / 2**20:,.0f} MiB"


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
        with _PeakRss() as peak:
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
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(
        f"peak RSS: main process {_mib(main_peak)}, largest worker {_mib(peak.worker)}, "
        f"all processes together {_mib(peak.total)} (sampled every 0.1 s)"
    )


if __name__ == "__main__":
    main()
