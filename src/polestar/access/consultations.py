"""One consultation, one audit entry: the frame every profile, network and map lookup runs in.

It lives in `access`, below `search` and `graph`, so both use it. A lookup reads in one
connection under the viewer's Scope and records what it showed in the same call (premise 6);
a refusal — no purpose, an unknown or invisible entity — is recorded
as a denied consultation, then raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access import Viewer, scope_for
from polestar.errors import PolestarError
from polestar.settings import Settings
from polestar.store.scope import Scope

V = TypeVar("V")


@dataclass(frozen=True)
class Shown:
    """What a lookup showed: the entity looked up first, then the other entities and the
    records (`SOURCE:KEY`) whose data it showed."""

    entity_ids: Sequence[str]
    record_ids: Sequence[str]
    details: dict[str, Any] = field(default_factory=dict)


def consult(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    action: str,
    requested: str,
    read: Callable[[Connection, Scope], tuple[V, Shown]],
    now: datetime | None = None,
) -> V:
    """Run `read` under the viewer's Scope and record the consultation of what it showed.

    Args:
        requested: the id asked for, recorded (cut to 64 characters) even when refused.
        read: builds the view and says what it showed; raises `NotFound` for an entity that
            is unknown or invisible alike.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state.
        NotFound: (404) from `read`. Both are recorded as denied consultations.
    """
    now = now or datetime.now(UTC)
    requested = requested[:64]
    entry = replace(viewer.consultation(action), entity_ids=(requested,), occurred_at=now)
    try:
        with engine.connect() as conn:
            scope = scope_for(
                conn, viewer, now, require_justification=settings.require_justification
            )
            view, shown = read(conn, scope)
    except PolestarError as exc:
        refusal = {"status": exc.status, "reason": type(exc).__name__}
        audit.record(engine, replace(entry, details=refusal).denied(), settings)
        raise
    asked = {"requested": requested} if shown.entity_ids[0] != requested else {}
    audit.record(
        engine,
        replace(
            entry,
            entity_ids=tuple(dict.fromkeys(shown.entity_ids)),
            record_ids=tuple(dict.fromkeys(shown.record_ids)),
            details={**asked, **shown.details, "withheld": sorted(scope.withheld)},
        ),
        settings,
    )
    return view
