"""Name pools: large, diverse, weighted, and the same in every process."""

from __future__ import annotations

import random
from collections import Counter

from polestar.synth.names import feminine_surname, group_pools, short_forms


def test_pools_are_far_larger_than_fakers_en_gb_lists() -> None:
    pools = group_pools()
    firsts = {n for g in pools.values() for pool in (g.male, g.female) for n in pool.names}
    surnames = {n for g in pools.values() for n in g.surname.names}
    assert len(firsts) > 2000
    assert len(surnames) > 4000


def test_draws_are_frequency_weighted_and_deterministic() -> None:
    pool = group_pools()["british"].surname
    draws = Counter(pool.draw(random.Random(9)) for _ in range(1))
    first = [pool.draw(random.Random(5)) for _ in range(3)]
    assert first == [pool.draw(random.Random(5)) for _ in range(3)]
    rng = random.Random(1)
    draws = Counter(pool.draw(rng) for _ in range(20000))
    top = draws.most_common(10)
    assert top[0][1] > 10 * (20000 / len(pool))  # a head of common names
    assert len(draws) > 1000  # and a long tail


def test_polish_surnames_take_a_feminine_form() -> None:
    assert feminine_surname("Kowalski", "eastern_european") == "Kowalska"
    assert feminine_surname("Kowalski", "british") == "Kowalski"


def test_short_forms_come_from_the_nicknames_package_or_clipping() -> None:
    assert "Bill" in short_forms("William")
    assert short_forms("Priyanka") == ("Priy",)
    assert short_forms("Jo") == ()
