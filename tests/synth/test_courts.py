"""courts.xml: defendants named `SURNAME, Forename`, properly escaped."""

from __future__ import annotations

import defusedxml.ElementTree as DefusedET

from conftest import County
from polestar.synth.block import Block
from polestar.synth.exports import courts
from polestar.synth.geography import Geography
from polestar.synth.plan import address_count


def test_defendants_are_named_surname_first(county: County) -> None:
    root = DefusedET.parse(county.path / "courts.xml").getroot()
    names = [d.findtext("name") or "" for d in root.iter("defendant")]
    assert names
    for name in names:
        surname, comma, _ = name.partition(", ")
        assert comma
        assert surname == surname.upper()


def test_markup_in_names_is_escaped() -> None:
    geo = Geography(3, address_count(10))
    block = Block.build(3, 10, 0, geo)
    for person in block.folk.people:
        person.surname, person.forename = "O'Brien & <Sons>", 'Jo "Jo"'
        person.other_surname = None
    courts.write(block)
    xml = courts.HEADER + block.text(courts.FILE).getvalue() + courts.FOOTER
    names = [d.findtext("name") for d in DefusedET.fromstring(xml).iter("defendant")]
    assert names
    assert any(name and "&" in name and "<SONS>" in name for name in names)
