"""Ground truth: which true person, vehicle or place each source record is about.

`truth.csv` has one row per person, vehicle and location record in the exports
(`kind,source,source_key,true_id`), in the order the records were written. Linkage is scored
against it; it is never ingested.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

FILE = "truth.csv"
COLUMNS = ("kind", "source", "source_key", "true_id")
KINDS = ("person", "vehicle", "location")


class Truth:
    """Collects truth rows and record counts for one block."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self._writer = csv.writer(self.buffer, lineterminator="\n")
        self.counts: Counter[str] = Counter()

    def add(self, kind: str, source: str, key: str, true_id: str) -> None:
        """Record that `source:key`, a record of `kind`, is about `true_id`."""
        self._writer.writerow((kind, source, key, true_id))
        self.counts[kind] += 1
        self.counts[f"file:{FILE}"] += 1
