"""Every setting is documented once in settings.py and listed in the README."""

from __future__ import annotations

from pathlib import Path

from polestar.settings import Settings

README = Path(__file__).parents[1] / "README.md"


def test_every_setting_has_a_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"POLESTAR_{name.upper()} has no description"


def test_every_setting_is_listed_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        variable = f"POLESTAR_{name.upper()}"
        assert f"| `{variable}` |" in readme, f"{variable} is not in the README's table"
        assert str(field.description) in readme, f"{variable}'s description differs in README"
