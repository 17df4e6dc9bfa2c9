"""One block of the county at work: its people, random streams, output buffers and truth.

Export writers take a `Block` and append their rows for it; the county writer then copies the
buffers to the files in block order. Every random stream is seeded from (seed, stream, block),
so a block's output depends on nothing else.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from typing import Any

from polestar.synth.casting import Casting
from polestar.synth.geography import Address, Geography, location_true_id
from polestar.synth.identities import PeopleBlock, Person, Vehicle, build_block
from polestar.synth.truth import Truth
from polestar.synth.variation import Variation, format_phone


@dataclass
class Block:
    """A block being written: what is true, who plays which part, and where rows go."""

    seed: int
    people: int
    index: int
    geo: Geography
    folk: PeopleBlock
    cast: Casting
    vary: Variation
    truth: Truth = field(default_factory=Truth)
    texts: dict[str, io.StringIO] = field(default_factory=dict)
    _writers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, seed: int, people: int, index: int, geo: Geography) -> Block:
        """Build block `index` of a county of `people` true identities."""
        folk = build_block(seed, people, index)
        cast = Casting(random.Random(f"{seed}:casting:{index}"), folk)
        return cls(seed, people, index, geo, folk, cast, Variation(folk))

    def rng(self, stream: str) -> random.Random:
        """The block's own random stream `stream` (one per export, so exports stay independent)."""
        return random.Random(f"{self.seed}:{stream}:{self.index}")

    def text(self, filename: str) -> io.StringIO:
        """The buffer for this block's part of `filename`."""
        if filename not in self.texts:
            self.texts[filename] = io.StringIO()
        return self.texts[filename]

    def row(self, filename: str, row: tuple[object, ...]) -> None:
        """Append one CSV row (UTF-8, `\\n` line endings, minimal quoting) to `filename`."""
        writer = self._writers.get(filename)
        if writer is None:
            writer = self._writers[filename] = csv.writer(self.text(filename), lineterminator="\n")
        writer.writerow(row)
        self.count(f"file:{filename}")

    def count(self, what: str, n: int = 1) -> None:
        """Add to the block's record count of `what` (`event`, `phone`, `weapon`, `file:…`)."""
        self.truth.counts[what] += n

    def address(self, index: int) -> Address:
        """Address `index` of the county."""
        return self.geo.address(index)

    def place(self, rng: random.Random, source: str, key: str, index: int) -> tuple[Address, str]:
        """Note location record `source:key` at address `index`; return it and its postcode as
        recorded (sometimes missing or mistyped)."""
        self.location(source, key, index)
        address = self.geo.address(index)
        return address, self.vary.postcode(rng, address.postcode)

    def home(
        self, rng: random.Random, source: str, key: str, person: Person
    ) -> tuple[Address, str]:
        """Like `place`, for the home a record gives for `person` (sometimes a former one)."""
        return self.place(rng, source, key, self.vary.home(rng, person))

    def phone(self, rng: random.Random, person: Person, shown: float, style: str) -> str:
        """The person's phone number as a record writes it in `style`, counted; or empty."""
        number = self.vary.phone(rng, person, shown)
        if number is None:
            return ""
        self.count("phone")
        return format_phone(rng, number, style)

    def person(self, source: str, key: str, person: Person) -> None:
        """Note a person record `source:key` about `person`."""
        self.truth.add("person", source, key, person.true_id)

    def location(self, source: str, key: str, address: int) -> None:
        """Note a location record `source:key` about address `address`."""
        self.truth.add("location", source, key, location_true_id(address))

    def vehicle(self, source: str, key: str, vehicle: Vehicle) -> None:
        """Note a vehicle record `source:key` about `vehicle`."""
        self.truth.add("vehicle", source, key, vehicle.true_id)


@dataclass(frozen=True)
class BlockResult:
    """What a block wrote: text per file (truth.csv included) and record counts."""

    texts: dict[str, str]
    counts: dict[str, int]
