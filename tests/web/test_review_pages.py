"""The review queue pages over the canary county: absent (404, and not in the navigation) for
everyone but analysts, supervisors and administrators; each reviewer shown only what their
agreement allows; CSRF refused; explain, confirm, merge, split and history with their effects
and audit entries."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from polestar import audit
from polestar.store.search_index import stale_record_ids
from tests.canary import (
    PERSONS,
    USERS,
    Seeded,
    canaries_in,
    canary,
    canary_model,
    expected,
)
from tests.canary_review import queue_canary_items
from tests.search.indexed import indexed
from tests.web.sessions import signed_in_as

__all__ = ["canary", "canary_model", "indexed"]
# One worker runs the module in order: the last tests change the module's store.
pytestmark = pytest.mark.xdist_group("canary-review-pages")
REVIEWERS = {"home-analyst", "home-supervisor", "home-admin"}
READER = audit.Actor("test-dpo")


@pytest.fixture(scope="module")
def items(canary: Seeded) -> dict[str, int]:
    return queue_canary_items(canary)


def _actions(canary: Seeded, user: str) -> list[str]:
    return [
        f.entry.action
        for f in audit.by_user(canary.engine, user, reader=READER, settings=canary.settings)
    ]


@pytest.mark.parametrize("user", USERS)
def test_only_reviewers_have_the_queue_and_see_only_what_they_may(
    canary: Seeded, items: dict[str, int], user: str
) -> None:
    with signed_in_as(canary.engine, canary.settings, user) as (client, _token):
        response = client.get("/review")
    shell = BeautifulSoup(response.text, "html.parser")
    offered = [a["href"] for a in shell.select("nav.site-nav a")]
    # The shell knows who is looking, on the error page too: its navigation is theirs.
    assert shell.select_one("#shell-user").text == user, response.text
    if user not in REVIEWERS:
        assert response.status_code == 404, response.text
        assert "/review" not in offered
        assert canaries_in(response.text) == set()
        return
    assert response.status_code == 200, response.text
    assert "/review" in offered
    assert response.headers["cache-control"] == "no-store"
    allowed = set().union(*(expected(user, p, False) or set() for p in PERSONS))
    assert canaries_in(response.text) <= allowed
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one(f"#item-{items['target']}") is not None
    ground = page.select_one(f"#item-{items['target']} .ground")
    assert ground is not None
    assert "the model was unsure" in ground.text
    assert _actions(canary, user)[-1] == "link.review.list"


def test_an_item_reads_names_first_and_shows_the_home_and_phone_linkage_weighed(
    canary: Seeded, items: dict[str, int]
) -> None:
    with signed_in_as(canary.engine, canary.settings, "home-analyst") as (client, _token):
        page = BeautifulSoup(client.get("/review").text, "html.parser")
    rows = {
        row.select_one("th").get_text(strip=True): [
            cell.get_text(strip=True) for cell in row.select("td")
        ]
        for row in page.select(f"#item-{items['target']} tbody tr")
    }
    assert list(rows)[:3] == ["forename", "middle names", "surname"]
    assert list(rows)[-3:] == ["home", "reported from", "phone"]
    custody = 1  # the pair's records in order: the crime record's row, then the custody one
    assert rows["home"][custody] == "7 Zqcustodyhome Lane, Stone, ST15 8AB"
    assert rows["phone"][custody] == "+447700900901"
    assert rows["wanted"] in (["yes", "no"], ["no", "no"])


def test_the_queue_narrows_to_one_ground(canary: Seeded, items: dict[str, int]) -> None:
    with signed_in_as(canary.engine, canary.settings, "home-analyst") as (client, _token):
        page = BeautifulSoup(client.get("/review?ground=uncertain").text, "html.parser")
        refused = client.get("/review?ground=a+hunch")
    grounds = {p.get_text(strip=True) for p in page.select(".review-item .ground")}
    assert grounds == {
        "Queued because the model was unsure: the pair scored inside the review band."
    }
    assert page.select_one(f"#item-{items['target']}") is not None
    chosen = page.select_one("#ground option[selected]")
    assert chosen is not None
    assert chosen["value"] == "uncertain"
    kept = {field["value"] for field in page.select("form.decision input[name=ground]")}
    assert kept == {"uncertain"}  # a decision returns to the same ground
    assert refused.status_code == 422
    assert "no ground" in refused.text


def test_a_decision_without_the_csrf_token_is_refused(
    canary: Seeded, items: dict[str, int]
) -> None:
    with signed_in_as(canary.engine, canary.settings, "home-analyst") as (client, _token):
        item = items["target"]
        refused = client.post(
            f"/review/{item}/decision", data={"decision": "confirm", "reason": "forged"}
        )
        assert refused.status_code == 403, refused.text
        page = BeautifulSoup(client.get("/review").text, "html.parser")
    assert page.select_one(f"#item-{item}") is not None  # still open
    assert "link.review.decide" not in _actions(canary, "home-analyst")


def test_an_htmx_request_without_the_csrf_header_is_refused(
    canary: Seeded, items: dict[str, int]
) -> None:
    with signed_in_as(canary.engine, canary.settings, "home-analyst") as (client, _token):
        response = client.post(
            "/review/explanation",
            data={"left": "custody:CU-000901", "right": "crime:NOM-0009001"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 403, response.text
    assert _actions(canary, "home-analyst")[-1] != "link.explain"


def test_the_explanation_comes_as_a_fragment_for_htmx(
    canary: Seeded, items: dict[str, int]
) -> None:
    with signed_in_as(canary.engine, canary.settings, "home-analyst") as (client, token):
        response = client.post(
            "/review/explanation",
            data={"left": "custody:CU-000901", "right": "crime:NOM-0009001"},
            headers={"HX-Request": "true", "X-CSRF-Token": token},
        )
    assert response.status_code == 200, response.text
    fragment = BeautifulSoup(response.text, "html.parser")
    assert fragment.select_one("header") is None  # a fragment, not a page
    assert len(fragment.select("tbody tr")) >= 3, response.text
    assert _actions(canary, "home-analyst")[-1] == "link.explain"
    # A waterfall: from the prior, each comparison's weight with its term frequency
    # adjustment added to the running total, which ends at the match weight.
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td")]
        for row in fragment.select("tbody tr")
    ]
    running = float(rows[0][-1])
    for _level, weight, tf, total, after in rows[1:]:
        assert float(total) == pytest.approx(float(weight) + float(tf or 0), abs=0.011)
        running += float(total)
        assert float(after) == pytest.approx(running, abs=0.011 * len(rows))
    final = fragment.select_one("tfoot .final td:last-child")
    assert final is not None
    assert float(final.get_text()) == pytest.approx(float(rows[-1][-1]), abs=0.011)
    assert any(tf for _, _, tf, _, _ in rows[1:]), "a name comparison's frequency adjustment"


def test_an_analyst_confirms_an_item_with_a_reason(canary: Seeded, items: dict[str, int]) -> None:
    item = items["target"]
    with signed_in_as(canary.engine, canary.settings, "home-analyst") as (client, token):
        response = client.post(
            f"/review/{item}/decision",
            data={"decision": "confirm", "reason": "Same PNC ID", "csrf_token": token},
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/review?decided={item}"
        page = BeautifulSoup(client.get(response.headers["location"]).text, "html.parser")
        assert page.select_one(f"#item-{item}") is None
        assert page.select_one("#decided") is not None
        history = client.get("/review/history", params={"entity": canary.target})
    decided = [
        f
        for f in audit.by_user(
            canary.engine, "home-analyst", reader=READER, settings=canary.settings
        )
        if f.entry.action == "link.review.decide"
    ]
    assert [(f.justification, f.entry.details["item"]) for f in decided] == [("Same PNC ID", item)]
    assert decided[0].entry.operation == audit.Operation.ALTERATION
    rows = BeautifulSoup(history.text, "html.parser").select("#decisions tbody tr")
    assert any("Same PNC ID" in row.text and "confirm" in row.text for row in rows), history.text


def test_a_decision_without_a_reason_is_a_page_that_says_so(
    canary: Seeded, items: dict[str, int]
) -> None:
    with signed_in_as(canary.engine, canary.settings, "home-supervisor") as (client, token):
        response = client.post(
            f"/review/{items['victim-child']}/decision",
            data={"decision": "reject", "reason": "  ", "csrf_token": token},
        )
    assert response.status_code == 422, response.text
    assert "reason" in BeautifulSoup(response.text, "html.parser").select_one("main").text


def test_a_supervisor_rejects_an_item_and_it_leaves_the_queue(
    canary: Seeded, items: dict[str, int]
) -> None:
    item = items["victim-child"]
    with signed_in_as(canary.engine, canary.settings, "home-supervisor") as (client, token):
        response = client.post(
            f"/review/{item}/decision",
            data={
                "decision": "reject",
                "reason": "Victim and witness differ",
                "csrf_token": token,
                "ground": "forenames differ",
            },
        )
        assert response.status_code == 303, response.text
        # Back to the ground the supervisor was working through.
        assert response.headers["location"] == f"/review?decided={item}&ground=forenames+differ"
        page = BeautifulSoup(client.get("/review").text, "html.parser")
    assert page.select_one(f"#item-{item}") is None
    decided = [
        f.entry.details
        for f in audit.by_user(
            canary.engine, "home-supervisor", reader=READER, settings=canary.settings
        )
        if f.entry.action == "link.review.decide"
    ]
    assert decided == [
        {"decision_id": decided[0]["decision_id"], "item": item, "decision": "reject"}
    ]


def test_split_then_merge_move_records_and_are_audited(canary: Seeded) -> None:
    with signed_in_as(canary.engine, canary.settings, "home-supervisor") as (client, token):
        split = client.post(
            "/review/split",
            data={
                "entity": canary.target,
                "records": "probation:X123456\n",
                "reason": "Different person on probation",
                "csrf_token": token,
            },
        )
        assert split.status_code == 200, split.text
        outcome = BeautifulSoup(split.text, "html.parser").select_one("#outcome")
        assert outcome is not None, split.text
        assert "1 record(s) moved" in outcome.text, split.text
        other = outcome.text.split(";")[1].strip()
        assert _unsearchable(canary) == []
        merged = client.post(
            "/review/merge",
            data={
                "first": canary.target,
                "second": other,
                "reason": "Probation confirmed him",
                "csrf_token": token,
            },
        )
    assert merged.status_code == 200, merged.text
    assert "1 record(s) moved" in merged.text
    assert _unsearchable(canary) == []
    assert _actions(canary, "home-supervisor")[-2:] == ["link.split", "link.merge"]


def _unsearchable(canary: Seeded) -> list[int]:
    """Source records the search index does not hold under their current entity."""
    with canary.engine.connect() as conn:
        return stale_record_ids(conn)
