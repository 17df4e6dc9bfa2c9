"""The county's geometry for the map's offline base layer: the generator's `county.geojson`.

No tile server can be reached, so maps draw the county — boundary, towns, streets, postcode
districts — from the file `polestar generate` writes beside the exports. `polestar ingest`
keeps a copy of it in the data folder (`keep`), where the app finds it; the setting
`POLESTAR_COUNTY_GEOJSON` names another file instead. Geometry only: no personal data.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from polestar.errors import NotFound
from polestar.settings import Settings

FILE = "county.geojson"


def location(settings: Settings) -> Path:
    """Where the app looks for the county's geometry."""
    return settings.county_geojson or settings.data_dir / FILE


def geometry(settings: Settings) -> dict[str, Any]:
    """The county's GeoJSON FeatureCollection.

    Raises:
        NotFound: (404) no geometry where the settings say, or not a FeatureCollection.
    """
    path = location(settings)
    try:
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(
            "no county geometry: ingest a generated county's folder, or set POLESTAR_COUNTY_GEOJSON"
        ) from exc
    if found.get("type") != "FeatureCollection":
        raise NotFound(f"{path.name} is not a GeoJSON FeatureCollection")
    return found


def keep(paths: Sequence[Path], settings: Settings) -> Path | None:
    """Copy the first `county.geojson` among `paths` (files, or folders holding one) into the
    data folder, where `geometry` finds it; the copy's path, or None if there was none."""
    for path in paths:
        candidate = path / FILE if path.is_dir() else path
        if candidate.name == FILE and candidate.is_file():
            target = settings.data_dir / FILE
            target.parent.mkdir(parents=True, exist_ok=True)
            if candidate.resolve() != target.resolve():
                shutil.copyfile(candidate, target)
            return target
    return None
