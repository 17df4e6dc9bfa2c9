"""The DPO's questions: who viewed a person, what a user did, who looks up too much."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.settings import Settings
from tests.audit.factories import lookup, sharing

DPO = audit.Actor(actor="dpo.khan", organisation="home-force", role="data-protection-officer")


def test_who_viewed_lists_lookups_of_the_person_opened_or_in_results(
    db: Engine, settings: Settings
) -> None:
    audit.record(db, lookup("pc.jones", justification="arrest enquiry"), settings)
    audit.record(db, lookup("pc.smith", in_results=True), settings)
    audit.record(db, lookup("pc.smith", entity="PER-00000099"), settings)
    audit.record(db, lookup("pc.evans").denied(), settings)

    found = audit.who_viewed(db, "PER-00000001", reader=DPO, settings=settings)

    assert [(f.entry.actor, f.entry.in_results, str(f.entry.outcome)) for f in found] == [
        ("pc.jones", False, "allowed"),
        ("pc.smith", True, "allowed"),
        ("pc.evans", False, "denied"),
    ]
    assert found[0].justification == "arrest enquiry"
    assert found[0].entry.purpose == "investigation"


def test_who_viewed_finds_a_source_record_too(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup(), settings)

    found = audit.who_viewed(db, "custody:CU-000123", reader=DPO, settings=settings)

    assert [f.entry.actor for f in found] == ["pc.jones"]


def test_who_viewed_matches_whole_ids_only(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup(entity="PER-000000011"), settings)

    assert audit.who_viewed(db, "PER-00000001", reader=DPO, settings=settings) == []


def test_by_user_lists_everything_one_user_did(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup("analyst.lee"), settings)
    audit.record(db, sharing("analyst.lee"), settings)
    audit.record(db, lookup("pc.jones"), settings)

    found = audit.by_user(db, "analyst.lee", reader=DPO, settings=settings)

    assert [str(f.entry.operation) for f in found] == ["consultation", "disclosure"]
    assert found[1].entry.recipients == ("fire",)


def test_reading_the_log_is_itself_logged(db: Engine, settings: Settings) -> None:
    audit.record(db, lookup(), settings)

    audit.who_viewed(db, "PER-00000001", reader=DPO, settings=settings)
    audit.by_user(db, "pc.jones", reader=DPO, settings=settings)

    reads = audit.by_user(db, "dpo.khan", reader=DPO, settings=settings)
    assert [(f.entry.action, f.entry.role) for f in reads] == [
        ("audit.who-viewed", "data-protection-officer"),
        ("audit.by-user", "data-protection-officer"),
    ]
    assert reads[0].entry.entity_ids == ("PER-00000001",)
    assert reads[1].entry.details == {"user": "pc.jones", "entries": 1}
    assert audit.verify(db, settings).ok


@pytest.mark.parametrize("threshold", [2, 3])
def test_heavy_users_exceed_the_threshold_on_the_day(
    db: Engine, settings: Settings, threshold: int
) -> None:
    day = datetime(2025, 7, 1, 12, tzinfo=UTC)
    for _ in range(3):
        audit.record(db, _at(lookup("pc.busy"), day), settings)
    audit.record(db, _at(lookup("pc.calm"), day), settings)
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST)
    audit.record(db, _at(lookup("pc.calm"), datetime(2025, 6, 30, 23, 30, tzinfo=UTC)), settings)

    heavy = audit.heavy_users(db, date(2025, 7, 1), threshold, reader=DPO, settings=settings)

    expected = {2: [("pc.busy", 3)], 3: []}[threshold]
    assert [(h.actor, h.lookups) for h in heavy] == expected


def test_heavy_users_counts_a_london_day(db: Engine, settings: Settings) -> None:
    audit.record(db, _at(lookup("pc.late"), datetime(2025, 6, 30, 23, 30, tzinfo=UTC)), settings)
    audit.record(db, _at(lookup("pc.late"), datetime(2025, 7, 1, 22, 59, tzinfo=UTC)), settings)
    audit.record(db, _at(lookup("pc.late"), datetime(2025, 7, 1, 23, 0, tzinfo=UTC)), settings)

    heavy = audit.heavy_users(db, date(2025, 7, 1), 1, reader=DPO, settings=settings)

    assert [(h.actor, h.lookups) for h in heavy] == [("pc.late", 2)]


def test_heavy_users_defaults_to_the_setting(db: Engine, settings: Settings) -> None:
    today = datetime.now(UTC)
    audit.record(db, _at(lookup("pc.busy"), today), settings)
    audit.record(db, _at(lookup("pc.busy"), today), settings)
    strict = settings.model_copy(update={"audit_lookups_per_day_alert": 1})

    london = today.astimezone(ZoneInfo("Europe/London")).date()

    heavy = audit.heavy_users(db, london, reader=DPO, settings=strict)

    assert [h.actor for h in heavy] == ["pc.busy"]


def _at(event: audit.Consultation, moment: datetime) -> audit.Consultation:
    return replace(event, occurred_at=moment)
