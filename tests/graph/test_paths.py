"""How is A connected to B, over the canary county: the shortest chains of ties each viewer
may see, and none through records they may not."""

from __future__ import annotations

import pytest

from polestar.access import viewer_for
from polestar.errors import InvalidInput, NotFound
from polestar.graph.paths import Paths, paths_view
from polestar.graph.ties import Filters
from tests.canary import JUSTIFICATION, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]


def _paths(
    canary: Seeded,
    source: str,
    target: str,
    user: str = "home-analyst",
    purpose: str = "investigation",
    justification: str | None = JUSTIFICATION,
    **options: object,
) -> Paths:
    viewer = viewer_for(canary.engine, user, purpose, justification)
    return paths_view(canary.engine, canary.settings, viewer, source, target, **options)  # type: ignore[arg-type]


def test_two_people_in_one_crime_are_one_hop_apart(canary: Seeded) -> None:
    found = _paths(canary, canary.victim, canary.target)
    assert found.length == 1
    assert [chain.nodes for chain in found.chains] == [(canary.victim, canary.target)]
    [edge] = found.chains[0].edges
    assert (edge.type, edge.records) == ("co-involved", ("crime:CR-25-000902",))
    assert [(node.id, node.hop) for node in found.nodes] == [(canary.victim, 0), (canary.target, 1)]


def test_the_caller_reaches_the_victim_through_him(canary: Seeded) -> None:
    found = _paths(canary, canary.caller, canary.victim)
    assert found.length == 2
    assert found.chains[0].nodes == (canary.caller, canary.target, canary.victim)
    assert [edge.type for edge in found.chains[0].edges] == ["shared-phone", "co-involved"]


def test_every_shortest_chain_up_to_k(canary: Seeded) -> None:
    # The child and the associate share his car and him: two chains of length 2 at least.
    many = _paths(canary, canary.child, canary.associate, k=20)
    assert many.length == 2
    assert len(many.chains) >= 2
    assert all(len(chain.nodes) == 3 for chain in many.chains)
    assert len({chain.nodes for chain in many.chains}) == len(many.chains)
    one = _paths(canary, canary.child, canary.associate, k=1)
    assert one.chains == many.chains[:1]


def test_no_chain_through_records_the_viewer_may_not_see(canary: Seeded) -> None:
    # Without a justification the victim is hidden from an officer: not found at all.
    with pytest.raises(NotFound):
        _paths(canary, canary.caller, canary.victim, user="home-officer", justification=None)
    # The associate's only ties are in the intelligence log, hidden from a CPS caseworker.
    with pytest.raises(NotFound):
        _paths(canary, canary.target, canary.associate, user="cps-caseworker",
               purpose="prosecution", justification=None)  # fmt: skip


def test_filters_and_hop_bounds_can_leave_no_chain(canary: Seeded) -> None:
    homes = Filters(types=frozenset({"resides-at"}))
    assert _paths(canary, canary.caller, canary.victim, filters=homes).chains == []
    short = _paths(canary, canary.caller, canary.victim, max_hops=1)
    assert (short.length, short.chains, short.truncated) == (None, [], False)


def test_bounds_out_of_range_are_refused(canary: Seeded) -> None:
    with pytest.raises(InvalidInput) as refused:
        _paths(canary, canary.caller, canary.victim, max_hops=7, k=0)
    assert [error.field for error in refused.value.errors] == ["max_hops", "k"]
