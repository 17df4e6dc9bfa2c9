"""Term frequencies of the person features the model adjusts for (forename, surname, postcode).

A common surname agreeing is weaker evidence than a rare one; Splink measures how common each
value is over the run's records. Stored per run (only the latest run's are kept) so that an
explanation, or a later single-record scorer, weighs a value exactly as the batch did.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.bulk import chunks
from polestar.store.tables import link_term_frequencies

_CHUNK = 5_000


def replace_term_frequencies(
    conn: Connection,
    frequencies: Mapping[str, Iterable[tuple[str, float]]],
    run_id: int,
    model_version: int,
) -> None:
    """Store a run's (value, frequency) pairs per feature, dropping every earlier run's."""
    conn.execute(link_term_frequencies.delete())
    for column, pairs in frequencies.items():
        for chunk in chunks(pairs, _CHUNK):
            conn.execute(
                link_term_frequencies.insert(),
                [
                    {
                        "run_id": run_id,
                        "column_name": column,
                        "value": value,
                        "frequency": frequency,
                        "model_version": model_version,
                    }
                    for value, frequency in chunk
                ],
            )


def latest_term_frequencies(
    conn: Connection, values: Mapping[str, Collection[str]]
) -> dict[str, dict[str, float]]:
    """The latest run's frequencies of just `values` (feature → values wanted)."""
    table = link_term_frequencies
    run_id = conn.execute(sa.select(sa.func.max(table.c.run_id))).scalar()
    found: dict[str, dict[str, float]] = {column: {} for column in values}
    if run_id is None:
        return found
    for column, wanted in values.items():
        if not wanted:
            continue
        rows = conn.execute(
            sa.select(table.c.value, table.c.frequency).where(
                table.c.run_id == run_id,
                table.c.column_name == column,
                table.c.value.in_(sorted(wanted)),
            )
        )
        found[column] = {row.value: row.frequency for row in rows}
    return found
