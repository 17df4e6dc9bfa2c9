"""How the review page words a record's values: a reviewer reads yes or no, a marker with its
date, an alias as a name, structured data as labelled parts, never Python's own spelling."""

from __future__ import annotations

import pytest

from polestar.web.pages.review import readable


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        ([], "—"),
        (True, "yes"),
        ([{"code": "VI", "date": "2019-04-02"}, {"code": "DR"}], "VI (2019-04-02); DR"),
        ([{"forename": "Jon", "surname": "Smyth"}], "Jon Smyth"),
        (
            {"charges": [{"offence": "Burglary", "plea": "Guilty"}]},
            "charges: offence: Burglary; plea: Guilty",
        ),
        ("1980-03-01", "1980-03-01"),
    ],
)
def test_each_value_of_a_pair_reads_as_words(value: object, shown: str) -> None:
    assert readable(value) == shown
