"""The six source systems' exports: one module per system, each appending a block's rows.

`WRITERS` run in this order for every block; `HEADERS` and `FOOTERS` are written once per file
around the blocks' output. The shapes are the contract in docs/sources.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from polestar.synth.block import Block
from polestar.synth.exports import courts, crime, custody, fire, incidents, probation

WRITERS: tuple[Callable[[Block], None], ...] = (
    crime.write,
    incidents.write,
    custody.write,
    fire.write,
    probation.write,
    courts.write,
)

CSV_COLUMNS: Mapping[str, Sequence[str]] = {
    incidents.FILE: incidents.COLUMNS,
    custody.FILE: custody.COLUMNS,
    fire.INCIDENTS_FILE: fire.INCIDENTS_COLUMNS,
    fire.PREMISES_FILE: fire.PREMISES_COLUMNS,
    probation.FILE: probation.COLUMNS,
}

HEADERS: Mapping[str, str] = {
    crime.FILE: "",
    **{name: ",".join(columns) + "\n" for name, columns in CSV_COLUMNS.items()},
    courts.FILE: courts.HEADER,
}
FOOTERS: Mapping[str, str] = {courts.FILE: courts.FOOTER}
