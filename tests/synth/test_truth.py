"""truth.csv: one row per person, vehicle and location record, and nothing else."""

from __future__ import annotations

import csv
from collections import Counter

from conftest import County
from polestar.synth.truth import COLUMNS


def test_truth_covers_every_person_vehicle_and_location_record_and_nothing_else(
    county: County,
) -> None:
    records = (
        [("person", r.source, r.key) for r in county.persons]
        + [("location", loc.source, loc.key) for loc in county.locations]
        + [("vehicle", source, key) for source, key, _ in county.vehicles]
    )
    duplicates = [key for key, n in Counter(records).items() if n > 1]
    assert not duplicates, duplicates[:5]
    assert set(county.truth) == set(records)
    assert county.counts["file:truth.csv"] == len(records)


def test_truth_has_the_documented_columns_and_id_shapes(county: County) -> None:
    with (county.path / "truth.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert tuple(next(reader)) == COLUMNS
        prefixes = {"person": "P", "vehicle": "V", "location": "L"}
        for kind, source, _, true_id in reader:
            assert true_id[0] == prefixes[kind]
            assert true_id[1:].isdigit()
            assert source in {
                "crime", "incidents", "custody", "fire_incidents", "fire_premises", "probation",
                "courts",
            }  # fmt: skip
