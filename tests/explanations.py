"""The explanation matrix over the canary county (issue 5): which record pairs to explain, and
which records each demo user may see, so a test knows when an explanation must be a 404.

What a user may see of a record comes from the person view of its entity (issue 4's matrix
proves that view right): an explanation must show exactly the records the view shows.
"""

from __future__ import annotations

from polestar.access import viewer_for
from polestar.errors import NotFound
from polestar.search.profile import person_view
from tests.canary import ALL, JUSTIFICATION, PERSONS, PURPOSES, Seeded

# Home-force records, partners' records, the intelligence log, a sexual-offence victim, a child.
PAIRS = (
    ("custody:CU-000901", "crime:NOM-0009001"),
    ("probation:X123456", "courts:D-000901"),
    ("crime:NOM-ZQINTEL", "custody:CU-000901"),
    ("crime:CR-25-000902/persons/1", "custody:CU-000901"),
    ("crime:CR-25-000901/persons/1", "crime:NOM-0009001"),
)


def visible_records(canary: Seeded, user: str, justified: bool) -> frozenset[str]:
    """The person records (`SOURCE:KEY`) `user` may see, as the person view shows them."""
    viewer = viewer_for(canary.engine, user, PURPOSES[user], JUSTIFICATION if justified else None)
    seen: set[str] = set()
    for person in PERSONS:
        try:
            view = person_view(canary.engine, canary.settings, viewer, canary.entity(person))
        except NotFound:
            continue
        seen.update(view.records)
    return frozenset(seen)


def canaries(text: str) -> set[str]:
    """The canaries in `text`; an explanation may hold only those in the names it was given
    (a probation CRN and an intelligence nominal are record keys)."""
    lowered = text.lower()
    return {canary for canary in ALL if canary in lowered}
