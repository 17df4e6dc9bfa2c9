from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A folder for a test's export files, apart from its database."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder
