"""The network around an entity, over the canary county: built only from what each viewer
sees, bounded, filtered, and audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from polestar.access import viewer_for
from polestar.errors import InvalidInput, NotFound
from polestar.graph.network import Network, network_view
from polestar.graph.ties import Filters
from tests.canary import JUSTIFICATION, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]


def _network(
    canary: Seeded,
    user: str = "home-analyst",
    purpose: str = "investigation",
    justification: str | None = JUSTIFICATION,
    entity: str | None = None,
    **options: Any,
) -> Network:
    viewer = viewer_for(canary.engine, user, purpose, justification)
    return network_view(canary.engine, canary.settings, viewer, entity or canary.target, **options)


def _edges(found: Network) -> set[tuple[str, str, str]]:
    return {(edge.source, edge.target, edge.type) for edge in found.edges}


def _pair(a: str, b: str, kind: str) -> tuple[str, str, str]:
    return (*sorted((a, b)), kind)  # type: ignore[return-value]


def test_an_analyst_sees_everyone_tied_to_him_with_the_records_behind_each_tie(
    canary: Seeded,
) -> None:
    found = _network(canary, hops=1)
    hops = {node.id: node.hop for node in found.nodes}
    people = (canary.associate, canary.victim, canary.child, canary.caller)
    assert {hops[canary.target], *(hops[p] for p in people), hops[canary.vehicle]} == {0, 1}
    edges = {(e.source, e.target, e.type): e for e in found.edges}
    phone = edges[_pair(canary.target, canary.caller, "shared-phone")]
    assert phone.records == ("custody:CU-000901", "incidents:INC-20250301-0901")
    assert phone.weight == 2
    victim = edges[_pair(canary.target, canary.victim, "co-involved")]
    assert victim.records == ("crime:CR-25-000902",)
    assert _pair(canary.target, canary.location, "resides-at") in edges
    assert _pair(canary.target, canary.vehicle, "uses") in edges
    assert not found.truncated


def test_labels_are_what_the_viewer_may_see(canary: Seeded) -> None:
    found = _network(canary, hops=1)
    labels = {node.id: node.label for node in found.nodes}
    assert labels[canary.associate] == "Zqassociate Penhaligon"
    assert labels[canary.vehicle] == "ZQ11 VEH"
    assert labels[canary.location] == "7 Zqcustodyhome Lane, Stone, ST15 8AB"


def test_a_second_hop_reaches_what_his_associates_are_tied_to(canary: Seeded) -> None:
    one = {node.id for node in _network(canary, hops=1).nodes}
    two = _network(canary, hops=2)
    further = {node.id for node in two.nodes if node.hop == 2}
    assert further, two.as_dict()
    assert not further & one
    # The caller's incident happened in Market Square: a place only his caller ties him to.
    square = [n for n in two.nodes if n.hop == 2 and n.label and "Market Square" in n.label]
    assert square, two.as_dict()


def test_an_officer_without_justification_sees_no_restricted_person(canary: Seeded) -> None:
    found = _network(canary, user="home-officer", justification=None, hops=2)
    ids = {node.id for node in found.nodes}
    assert canary.caller in ids
    assert not ids & {canary.associate, canary.victim, canary.child}
    assert "crime:IN-26-000903" not in {r for e in found.edges for r in e.records}


def test_a_partner_sees_only_ties_from_records_shared_with_them(canary: Seeded) -> None:
    found = _network(canary, user="fire-caseworker", purpose="fire-safety", justification=None)
    ids = {node.id for node in found.nodes}
    assert ids.isdisjoint({canary.associate, canary.victim, canary.caller, canary.vehicle})
    assert {r for e in found.edges for r in e.records} <= {
        "crime:CR-25-000901",
        "crime:CR-25-000902",
        "custody:CU-000901",
        "fire_premises:FP-000901",
    }


def test_an_entity_the_viewer_cannot_see_is_not_found(canary: Seeded) -> None:
    with pytest.raises(NotFound) as invisible:
        _network(canary, user="cps-caseworker", purpose="prosecution", entity=canary.associate)
    with pytest.raises(NotFound) as unknown:
        _network(canary, entity="PER-99999999")
    assert str(invisible.value).replace(canary.associate, "X") == str(unknown.value).replace(
        "PER-99999999", "X"
    )


def test_max_nodes_truncates_and_says_so(canary: Seeded) -> None:
    found = _network(canary, max_nodes=3)
    assert len(found.nodes) == 3
    assert found.truncated
    ids = {node.id for node in found.nodes}
    assert all(e.source in ids and e.target in ids for e in found.edges)


def test_a_type_filter_keeps_only_those_ties(canary: Seeded) -> None:
    found = _network(canary, hops=2, filters=Filters(types=frozenset({"shared-phone"})))
    assert {node.id for node in found.nodes} == {canary.target, canary.caller}
    assert {e.type for e in found.edges} == {"shared-phone"}


def test_a_source_filter_walks_only_those_records(canary: Seeded) -> None:
    found = _network(canary, hops=1, filters=Filters(sources=frozenset({"custody"})))
    assert {r for e in found.edges for r in e.records} == {"custody:CU-000901"}
    assert canary.caller not in {node.id for node in found.nodes}


def test_a_date_filter_keeps_ties_whose_evidence_falls_in_the_range(canary: Seeded) -> None:
    february = Filters(since=date(2025, 2, 1), until=date(2025, 2, 28))
    found = _network(canary, hops=1, filters=february)
    assert {r for e in found.edges for r in e.records} == {"crime:CR-25-000902"}
    assert {node.id for node in found.nodes} >= {canary.target, canary.victim}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"hops": 4}, "hops"),
        ({"max_nodes": 0}, "max_nodes"),
    ],
)
def test_out_of_range_options_are_refused_naming_the_field(
    canary: Seeded, options: dict[str, int], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _network(canary, **options)
    assert [error.field for error in refused.value.errors] == [field]


def test_unknown_tie_types_and_backward_dates_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        Filters(types=frozenset({"lives-near"}), since=date(2025, 2, 1), until=date(2025, 1, 1))
    assert [error.field for error in refused.value.errors] == ["types", "since"]
