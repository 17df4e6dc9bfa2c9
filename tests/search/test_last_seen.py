"""A search result's last seen when the event behind it is known only to the day."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.search import search
from polestar.settings import Settings
from tests.canary import canary_model
from tests.search.linked import searchable

__all__ = ["canary_model"]


def test_last_seen_on_a_day_its_source_gave_alone_is_that_day(
    db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]
) -> None:
    """Her one event is a supervision probation says starts on 1 August: stored at 23:00 UTC
    on 31 July, and last seen on 1 August, not at its midnight."""
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "probation.csv").write_text(
        "crn,surname,forename,dob,gender,pnc_id,ni_number,address,postcode,phone,rosh_level,"
        "supervision_status,supervision_start,supervision_end,offender_manager\n"
        "X654321,Myers,Juniper,1997-03-26,F,,,,,,low,active,2024-08-01,2027-02-01,A. Khan\n",
        encoding="utf-8",
    )
    searchable(db, settings, exports, canary_model)
    viewer = viewer_for(db, "home-analyst", "investigation")
    (found,) = search(db, settings, viewer, "Juniper Myers", kind="person").results
    assert found.last_seen == "2024-08-01"
    assert found.as_dict()["last_seen"] == "2024-08-01"
