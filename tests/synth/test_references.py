"""Reference numbers: valid for their normalisers, unique, and never a real NI prefix."""

from __future__ import annotations

from polestar.pole.identifiers import CroNumber, NiNumber, PncId, ProbationCrn
from polestar.synth.references import cro_number, mobile, ni_number, pnc_id, probation_crn, vrm


def test_references_pass_their_normalisers() -> None:
    for index in range(0, 400_000, 997):
        assert PncId.clean(pnc_id(index, 2012)) == pnc_id(index, 2012)
        assert CroNumber.clean(cro_number(index, 2012)) == cro_number(index, 2012)
        assert NiNumber.clean(ni_number(index)) == ni_number(index)
        assert ni_number(index).startswith("QQ")
        assert ProbationCrn.clean(probation_crn(index)) == probation_crn(index)


def test_references_are_unique_across_a_large_county() -> None:
    indexes = range(400_000)
    for make in (ni_number, probation_crn, vrm, mobile):
        assert len({make(i) for i in indexes}) == len(indexes)
    assert len({pnc_id(i, 2010) for i in indexes}) == len(indexes)


def test_vrms_are_in_the_current_format() -> None:
    import re

    assert all(re.fullmatch(r"[A-Z]{2}\d{2} [A-Z]{3}", vrm(i)) for i in range(0, 10**6, 101))
