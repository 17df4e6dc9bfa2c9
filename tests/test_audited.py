"""Every service function that returns personal data writes an audit entry (issue 4).

The functions are found, not listed by hand: every public function in `polestar` (the edges
aside) that takes a `Viewer` returns something a viewer sees, so each must appear in `CALLS`,
and each call must leave a new entry naming its action.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import polestar
from polestar import audit
from polestar.access import Viewer, administration, oversight, viewer_for
from polestar.access.agreements import DEMO_AGREEMENTS
from polestar.access.consultations import Shown, consult
from polestar.graph.hotspots import hotspots_view
from polestar.graph.map import Box, area_view, map_view
from polestar.graph.network import network_view
from polestar.graph.paths import paths_view
from polestar.ingest.reports import quarantine_raw
from polestar.linkage.explanations import explain
from polestar.linkage.export import export_entities
from polestar.linkage.review import review_list
from polestar.search.location_profile import location_view
from polestar.search.profile import person_view
from polestar.search.results import search
from polestar.search.vehicle_profile import vehicle_view
from polestar.store.audit_log import head
from tests.canary import ACTOR, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]
# Takes a Viewer but returns only the rules that apply to it (or the names of the source
# systems they let it narrow a search by), never personal data.
NOT_PERSONAL = {
    "polestar.access.scopes.scope_for",
    "polestar.access.administration.may",
    "polestar.search.results.sources_to_narrow_by",
}

Call = Callable[[Seeded, Path], Any]
CALLS: dict[str, tuple[str, Call]] = {
    "polestar.search.profile.person_view": (
        "person.show",
        lambda c, _: person_view(c.engine, c.settings, _viewer(c), c.target),
    ),
    "polestar.search.vehicle_profile.vehicle_view": (
        "vehicle.show",
        lambda c, _: vehicle_view(c.engine, c.settings, _viewer(c), c.vehicle),
    ),
    "polestar.search.location_profile.location_view": (
        "location.show",
        lambda c, _: location_view(c.engine, c.settings, _viewer(c), c.location),
    ),
    "polestar.access.consultations.consult": (
        "test.consult",
        lambda c, _: consult(
            c.engine,
            c.settings,
            _viewer(c),
            "test.consult",
            c.target,
            lambda _conn, _scope: (None, Shown([c.target], [])),
        ),
    ),
    "polestar.graph.network.network_view": (
        "network.show",
        lambda c, _: network_view(c.engine, c.settings, _viewer(c), c.target),
    ),
    "polestar.graph.paths.paths_view": (
        "paths.show",
        lambda c, _: paths_view(c.engine, c.settings, _viewer(c), c.target, c.caller),
    ),
    "polestar.graph.map.map_view": (
        "map.events",
        lambda c, _: map_view(c.engine, c.settings, _viewer(c), c.target),
    ),
    "polestar.graph.map.area_view": (
        "map.area",
        lambda c, _: area_view(c.engine, c.settings, _viewer(c), Box(52.85, -2.25, 52.95, -2.1)),
    ),
    "polestar.graph.hotspots.hotspots_view": (
        "map.hotspots",
        lambda c, _: hotspots_view(c.engine, c.settings, _viewer(c), "2025-01"),
    ),
    "polestar.search.results.search": (
        "search",
        lambda c, _: search(c.engine, c.settings, _viewer(c), "quillfeather"),
    ),
    "polestar.linkage.review.review_list": (
        "link.review.list",
        lambda c, _: review_list(c.engine, c.settings, _viewer(c)),
    ),
    "polestar.linkage.explanations.explain": (
        "link.explain",
        lambda c, _: explain(
            c.engine, c.settings, _viewer(c), "custody:CU-000901", "courts:D-000901"
        ),
    ),
    "polestar.ingest.reports.quarantine_raw": (
        "quarantine.raw",
        lambda c, _: quarantine_raw(c.engine, c.settings, _viewer(c)),
    ),
    "polestar.access.oversight.who_viewed": (
        "audit.who-viewed",
        lambda c, _: oversight.who_viewed(c.engine, c.settings, _viewer(c), c.target),
    ),
    "polestar.access.oversight.by_user": (
        "audit.by-user",
        lambda c, _: oversight.by_user(c.engine, c.settings, _viewer(c), "cps-caseworker"),
    ),
    "polestar.access.oversight.heavy_users": (
        "audit.heavy-users",
        lambda c, _: oversight.heavy_users(c.engine, c.settings, _viewer(c), date.today()),
    ),
}


def _admin(call: Callable[[Seeded, Viewer], Any]) -> Call:
    """An administration call by the demo administrator."""
    return lambda seeded, _: call(seeded, viewer_for(seeded.engine, "home-admin", None))


def _fire_agreement_retitled() -> str:
    text = (DEMO_AGREEMENTS / "fire.yaml").read_text(encoding="utf-8")
    return text.replace("title: ", "title: Retitled ", 1)


# Administration: readings are consultations, changes the alterations of the functions called.
CALLS |= {
    f"polestar.access.administration.{name}": (action, _admin(call))
    for name, action, call in [
        ("list_users", "admin.users.list",
         lambda c, v: administration.list_users(c.engine, c.settings, v, 10)),
        ("add_user", "users.add",
         lambda c, v: administration.add_user(
             c.engine, c.settings, v, datetime.now(UTC), "audited-user", "fire", ["officer"])),
        ("disable_user", "users.disable",
         lambda c, v: administration.disable_user(
             c.engine, c.settings, v, datetime.now(UTC), "courts-caseworker")),
        ("reset_password", "users.set-password",
         lambda c, v: administration.reset_password(
             c.engine, c.settings, v, datetime.now(UTC), "home-analyst")),
        ("list_organisations", "admin.organisations.list",
         lambda c, v: administration.list_organisations(c.engine, c.settings, v)),
        ("list_roles", "admin.roles.list",
         lambda c, v: administration.list_roles(c.engine, c.settings, v)),
        ("list_tokens", "admin.tokens.list",
         lambda c, v: administration.list_tokens(c.engine, c.settings, v, datetime.now(UTC), 10)),
        ("create_token", "tokens.create",
         lambda c, v: administration.create_token(
             c.engine, c.settings, v, datetime.now(UTC), "home-officer", ["read"])),
        ("revoke_token", "tokens.revoke",
         lambda c, v: administration.revoke_token(
             c.engine, c.settings, v, datetime.now(UTC), c.tokens["courts-caseworker"][4:16])),
        ("list_agreements", "admin.agreements.list",
         lambda c, v: administration.list_agreements(c.engine, c.settings, v)),
        ("show_agreement", "admin.agreements.show",
         lambda c, v: administration.show_agreement(c.engine, c.settings, v, "fire")),
        ("load_agreement", "agreements.load",
         lambda c, v: administration.load_agreement(
             c.engine, c.settings, v, datetime.now(UTC), "fire", _fire_agreement_retitled())),
    ]
}  # fmt: skip
# Personal data leaving for a file, run by the operator rather than a Viewer.
DISCLOSURES: dict[str, tuple[str, Call]] = {
    "polestar.linkage.export.export_entities": (
        "export.entities",
        lambda c, tmp: export_entities(
            c.engine, "person", tmp / "out.csv", actor=ACTOR, settings=c.settings
        ),
    ),
}


def _viewer(seeded: Seeded) -> Viewer:
    return viewer_for(seeded.engine, "home-admin", "investigation")


def _takes_a_viewer(function: Callable[..., Any]) -> bool:
    return any(
        "Viewer" in str(parameter.annotation)
        for parameter in inspect.signature(function).parameters.values()
    )


OPTIONAL_EXTRAS = {"pyspark", "rapidfuzz"}


def _service_functions() -> set[str]:
    found = set()
    for module_info in pkgutil.walk_packages(polestar.__path__, "polestar."):
        if module_info.name.startswith(("polestar.cli", "polestar.web")):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except ModuleNotFoundError as exc:
            # A module of an optional extra not installed (`make test-fast` has no Spark);
            # `make test` installs every extra, so there it is enumerated too.
            if exc.name in OPTIONAL_EXTRAS:
                continue
            raise
        for name, function in inspect.getmembers(module, inspect.isfunction):
            own = function.__module__ == module.__name__ and not name.startswith("_")
            if own and _takes_a_viewer(function):
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_function_taking_a_viewer_is_enumerated() -> None:
    assert _service_functions() - NOT_PERSONAL == set(CALLS)


@pytest.mark.parametrize("name", [*CALLS, *DISCLOSURES])
def test_each_service_function_writes_an_audit_entry(
    canary: Seeded, tmp_path: Path, name: str
) -> None:
    action, call = {**CALLS, **DISCLOSURES}[name]
    with canary.engine.connect() as conn:
        before = 0 if (found := head(conn)) is None else int(found[0])
    call(canary, tmp_path)
    entries = [
        item.entry
        for actor in ("home-admin", ACTOR)
        for item in audit.by_user(
            canary.engine, actor, reader=audit.Actor("cli:reader"), settings=canary.settings
        )
        if item.entry.seq > before
    ]
    assert action in {entry.action for entry in entries}, entries
