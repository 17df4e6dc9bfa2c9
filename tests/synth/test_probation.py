"""probation.csv: one row per supervised person, keyed by CRN."""

from __future__ import annotations

import re

from conftest import County


def test_each_supervised_person_has_one_row_keyed_by_crn(county: County) -> None:
    rows = [r for r in county.persons if r.source == "probation"]
    assert rows
    assert all(re.fullmatch(r"[A-Z]\d{6}", r.key) for r in rows)
    true_ids = [county.truth["person", "probation", r.key] for r in rows]
    assert len(set(true_ids)) == len(true_ids)
    assert all(county.people[t].crn == r.key for t, r in zip(true_ids, rows, strict=True))
