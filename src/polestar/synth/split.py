"""A county's exports cut in two: what a first load sees and the records that arrive after it,
for measuring and testing linkage on arrival (`bench/incremental.py`, the linkage tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

_NOT_EXPORTS = ("truth.csv", "county.geojson")


def split_exports(county: Path, first: Path, later: Path, later_share: float) -> None:
    """Write the last `later_share` of each CSV and JSON Lines export's records into `later`
    and the rest into `first` (a CSV's header into both); other exports go whole into `first`,
    and the truth file and the county outline into neither.

    Files are streamed, a line a record (as the generator writes them), so a county of a
    million people splits in constant memory.
    """
    first.mkdir(parents=True, exist_ok=True)
    later.mkdir(parents=True, exist_ok=True)
    for path in sorted(county.iterdir()):
        if path.name in _NOT_EXPORTS:
            continue
        if path.suffix not in (".csv", ".jsonl"):
            shutil.copyfile(path, first / path.name)
            continue
        header = 1 if path.suffix == ".csv" else 0
        with path.open("rb") as source:
            records = sum(1 for _line in source) - header
        cut = records - int(records * later_share)
        with (
            path.open("rb") as source,
            (first / path.name).open("wb") as before,
            (later / path.name).open("wb") as after,
        ):
            for _ in range(header):
                line = source.readline()
                before.write(line)
                after.write(line)
            for index, line in enumerate(source):
                (before if index < cut else after).write(line)
