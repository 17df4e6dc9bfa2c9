"""Values with the records that hold them: how a profile shows facts, conflicts included.

Premise 1: a profile shows where each fact came from and shows conflicts instead of hiding
them, so two dates of birth are two entries, each naming its records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sourced:
    """A value and the records (`SOURCE:KEY`) that hold it."""

    value: str
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "sources": list(self.sources)}


def collect(pairs: Iterable[tuple[Any, str]]) -> list[Sourced]:
    """Group (value, record) pairs by value: most-attested first, then alphabetically."""
    found: dict[str, list[str]] = {}
    for value, record in pairs:
        if value is not None and value != "":
            records = found.setdefault(str(value), [])
            if record not in records:
                records.append(record)
    ordered = sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))
    return [Sourced(value, tuple(records)) for value, records in ordered]


def source_counts(records: Sequence[str]) -> dict[str, int]:
    """How many of the records (`SOURCE:KEY`) each source holds."""
    return dict(sorted(Counter(name.partition(":")[0] for name in records).items()))
