"""Explanations as a service over the canary county, on SQLite and PostgreSQL: the waterfall
adds up to the weight stored at link time, hidden fields weigh nothing, unknown and invisible
records are refused alike, and every explanation is audited."""

from __future__ import annotations

import time

import pytest

from polestar import audit
from polestar.access import viewer_for
from polestar.errors import InvalidInput, NotFound
from polestar.linkage.explanations import Explanation, explain
from polestar.linkage.waterfall import in_words
from polestar.store.person_joins import join_of
from polestar.store.tables import person_joins, source_records
from tests.canary import DOB, JUSTIFICATION, PNC_TEXT, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]


def _explain(
    canary: Seeded,
    user: str,
    purpose: str,
    left: str,
    right: str,
    justification: str | None = None,
) -> Explanation:
    viewer = viewer_for(canary.engine, user, purpose, justification)
    return explain(canary.engine, canary.settings, viewer, left, right)


def test_every_linked_record_stores_the_join_that_placed_it(canary: Seeded) -> None:
    with canary.engine.connect() as conn:
        joined = conn.execute(
            person_joins.select().join(
                source_records, source_records.c.id == person_joins.c.record_id
            )
        ).all()
        stored = join_of(conn, joined[0].record_id, joined[0].source_key)
    # The target's five records are one entity: each has a partner at or above the threshold.
    assert len(joined) >= 5, joined
    assert all(row.match_probability >= canary.settings.link_match_threshold for row in joined)
    assert stored is not None
    assert stored.match_weight == joined[0].match_weight


def test_a_joined_pair_explains_to_exactly_its_stored_weight(canary: Seeded) -> None:
    with canary.engine.connect() as conn:
        record_id = conn.execute(
            source_records.select()
            .with_only_columns(source_records.c.id)
            .where(source_records.c.source == "custody", source_records.c.source_key == "CU-000901")
        ).scalar_one()
        stored = join_of(conn, record_id, "CU-000901")
    assert stored is not None
    explained = _explain(
        canary, "home-admin", "investigation", "custody:CU-000901", stored.other
    ).as_dict()
    assert explained["match_weight"] == pytest.approx(stored.match_weight, abs=1e-9)
    assert explained["match_probability"] == pytest.approx(stored.match_probability, abs=1e-12)
    total = explained["prior"]["weight"] + sum(c["total"] for c in explained["comparisons"])
    assert total == pytest.approx(explained["match_weight"], abs=1e-9)
    # The exact name match carries a term-frequency adjustment of its own.
    forename = next(c for c in explained["comparisons"] if c["comparison"] == "forename")
    assert forename["tf_weight"] is not None, forename
    assert explained["same_entity"] is True
    assert explained["records"][0]["entity_id"] == canary.target


def test_each_level_is_said_in_words_not_in_splink_s_column_names(canary: Seeded) -> None:
    pair = ("custody:CU-000901", "crime:NOM-0009001")
    fire = _explain(canary, "fire-caseworker", "fire-safety", *pair).as_dict()
    levels = {c["comparison"]: c["level"] for c in fire["comparisons"]}
    assert levels["dob"] == "Date of birth missing on one side or both"  # withheld from fire
    assert levels["pnc_id"] == "PNC ID missing on one side or both"
    jargon = ("is NULL", "Exact match on", "All other comparisons", "distance of")
    assert not [level for level in levels.values() if any(word in level for word in jargon)]


@pytest.mark.parametrize(
    ("comparison", "label", "words"),
    [
        ("surname", "Exact match on sn", "Surname equal"),
        ("forename", "Jaro-Winkler distance of fn >= 0.9", "Forename spelt alike"),
        ("phone", "All other comparisons", "Phone number differs (no level above)"),
        ("postcode", "Exact match on sector", "Postcode sector equal"),
        ("pnc_id", "PNC ID equal, DOB or sex differ", "PNC ID equal, DOB or sex differ"),
    ],
)
def test_splink_s_stock_labels_are_reworded_and_ours_kept(
    comparison: str, label: str, words: str
) -> None:
    assert in_words(comparison, label).startswith(words)


def test_fields_the_viewer_may_not_see_weigh_nothing(canary: Seeded) -> None:
    pair = ("custody:CU-000901", "crime:NOM-0009001")
    home = _explain(canary, "home-officer", "investigation", *pair).as_dict()
    fire = _explain(canary, "fire-caseworker", "fire-safety", *pair).as_dict()
    by_name = {c["comparison"]: c for c in fire["comparisons"]}
    for hidden in ("dob", "gender", "pnc_id"):  # fire sees names, markers and homes only
        assert by_name[hidden]["missing"] is True, by_name[hidden]
        assert by_name[hidden]["total"] == 0.0
        assert not next(c for c in home["comparisons"] if c["comparison"] == hidden)["missing"]
    assert by_name["forename"]["missing"] is False
    assert fire["match_weight"] < home["match_weight"]
    assert DOB not in str(fire).lower()
    assert PNC_TEXT not in str(fire).lower()


def test_an_invisible_record_is_refused_exactly_as_an_unknown_one(canary: Seeded) -> None:
    # Fire may not see probation's record of the target, nor the victim of a sexual offence.
    for hidden in ("probation:X123456", "crime:CR-25-000902/persons/1"):
        with pytest.raises(NotFound) as invisible:
            _explain(canary, "fire-caseworker", "fire-safety", "custody:CU-000901", hidden)
        unknown = hidden.replace(":", ":NOPE-")
        with pytest.raises(NotFound) as missing:
            _explain(canary, "fire-caseworker", "fire-safety", "custody:CU-000901", unknown)
        assert invisible.value.message == missing.value.message.replace(unknown, hidden)


@pytest.mark.parametrize(
    "names",
    [("custody-CU-000901", "crime:NOM-0009001"), ("custody:", "crime:NOM-0009001"),
     ("custody:CU-000901", "custody:CU-000901")],
    ids=["no-colon", "no-key", "twice"],
)  # fmt: skip
def test_a_bad_record_name_is_invalid_input(canary: Seeded, names: tuple[str, str]) -> None:
    with pytest.raises(InvalidInput, match=r"SOURCE:KEY|two different records"):
        _explain(canary, "home-officer", "investigation", *names)


def test_each_explanation_is_one_audited_consultation_with_its_justification(
    canary: Seeded,
) -> None:
    pair = ("custody:CU-000901", "courts:D-000901")
    before = audit.by_user(
        canary.engine, "home-analyst", reader=audit.Actor("cli:test"), settings=canary.settings
    )
    _explain(canary, "home-analyst", "investigation", *pair, JUSTIFICATION)
    with pytest.raises(NotFound):
        _explain(canary, "home-analyst", "investigation", pair[0], "courts:D-404")
    found = audit.by_user(
        canary.engine, "home-analyst", reader=audit.Actor("cli:test"), settings=canary.settings
    )
    new = [f for f in found[len(before) :] if f.entry.action == "link.explain"]
    assert [(f.entry.outcome, f.entry.record_ids) for f in new] == [
        ("allowed", pair),
        ("denied", (pair[0], "courts:D-404")),
    ]
    allowed = new[0]
    assert allowed.entry.operation == "consultation"
    assert allowed.entry.purpose == "investigation"
    assert allowed.justification == JUSTIFICATION
    assert allowed.entry.entity_ids == (canary.target,)


def test_an_explanation_takes_under_a_second(canary: Seeded) -> None:
    # The best of three: the first call in a process parses the model and builds its SQL.
    pair = ("custody:CU-000901", "courts:D-000901")
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        _explain(canary, "home-officer", "investigation", *pair)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 1.0, timings
