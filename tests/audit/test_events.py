"""Audit events: typed per operation, times with a zone, disclosures name their recipients."""

from __future__ import annotations

from datetime import datetime

import pytest

from polestar.audit import Collection, Combination, Disclosure, Operation, Outcome
from tests.audit.factories import lookup


def test_each_event_class_names_its_operation() -> None:
    assert lookup().operation is Operation.CONSULTATION
    assert Collection(action="ingest", actor="cli:op").operation is Operation.COLLECTION
    assert Combination(action="link", actor="cli:op").operation is Operation.COMBINATION


def test_a_disclosure_without_recipients_is_refused() -> None:
    with pytest.raises(ValueError, match="recipients"):
        Disclosure(action="export", actor="cli:op")


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Collection(action="ingest", actor="cli:op", occurred_at=datetime(2025, 1, 1))


def test_denied_keeps_everything_but_the_outcome() -> None:
    event = lookup()
    refused = event.denied()
    assert refused.outcome is Outcome.DENIED
    assert refused.entity_ids == event.entity_ids
    assert type(refused) is type(event)
