"""How the county is cut into blocks, and how many records each block writes.

Work is split into fixed-size blocks of true people. Each block has its own random streams seeded
from (seed, block), owns a fixed range of addresses, vehicles and phones, and writes a number of
records fixed by its size alone, so every key can be numbered before any block runs: the output
is the same bytes whether one process or many make it.
"""

from __future__ import annotations

from collections.abc import Mapping

BLOCK_PEOPLE = 2000
# Each block owns this many addresses: homes, the homes people moved from, and other premises.
ADDRESSES_PER_BLOCK = 3 * BLOCK_PEOPLE // 2
# Per block, at most this many vehicles and phones (global index = block * capacity + local).
VEHICLES_PER_BLOCK = 2 * BLOCK_PEOPLE
PHONES_PER_BLOCK = 2 * BLOCK_PEOPLE

# Top-level records per true person, by export; tuned so that people appear in about three
# person records each (docs/synth.md).
RECORDS_PER_PERSON: Mapping[str, float] = {
    "crime": 0.6,
    "incidents": 0.72,
    "custody": 0.36,
    "fire_incidents": 0.10,
    "fire_premises": 0.08,
    "probation": 0.06,
    "courts": 0.20,
}


def block_count(people: int) -> int:
    """How many blocks a county of `people` true identities has."""
    return -(-people // BLOCK_PEOPLE)


def block_size(people: int, block: int) -> int:
    """How many true identities block `block` holds (only the last may be short)."""
    return min(BLOCK_PEOPLE, people - block * BLOCK_PEOPLE)


def address_count(people: int) -> int:
    """How many addresses the county has: one range of ADDRESSES_PER_BLOCK per block."""
    return block_count(people) * ADDRESSES_PER_BLOCK


def records_in_block(export: str, people: int, block: int) -> int:
    """How many top-level records `export` writes for block `block`."""
    return round(RECORDS_PER_PERSON[export] * block_size(people, block))


def first_record(export: str, block: int) -> int:
    """The 0-based sequence number of block `block`'s first `export` record.

    Every block before the last is full, so this needs no knowledge of other blocks' output.
    """
    return block * round(RECORDS_PER_PERSON[export] * BLOCK_PEOPLE)
