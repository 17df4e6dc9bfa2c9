"""The wheel carries everything the installed app serves, git-ignored front-end builds included."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".tools" / "bin" / "uv"


def test_the_wheel_ships_templates_migrations_and_npm_assets(tmp_path: Path) -> None:
    subprocess.run(
        [str(UV), "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("polestar-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "polestar/web/static/vendor/htmx.min.js",
        "polestar/web/static/vendor/cytoscape.min.js",
        "polestar/web/static/vendor/leaflet/leaflet.js",
        "polestar/web/static/polestar.css",
        "polestar/store/migrations/env.py",
    }
    assert expected <= names, sorted(expected - names)
    assert any(name.startswith("polestar/web/templates/") for name in names)
