"""MoPI groups: the offence category → group table (data, in groups.yaml) and what it decides.

The table is kept as data because its placements and periods must be checked against the
College of Policing's guidance (REFERENCE.md marks the periods "(check)").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from polestar.errors import InvalidInput
from polestar.yaml_documents import validated

Group = Annotated[int, Field(ge=1, le=4)]


class GroupRule(BaseModel):
    """One MoPI group: its name and the years from the clear period's start to its review."""

    model_config = ConfigDict(extra="forbid")

    name: str
    review_years: int = Field(gt=0)


class GroupTable(BaseModel):
    """groups.yaml: the groups, and how an event's offence, category and outcome place it."""

    model_config = ConfigDict(extra="forbid")

    groups: dict[Group, GroupRule]
    default: Group
    offences: dict[str, Group]
    categories: dict[str, Group]
    undetected: list[str]


@dataclass(frozen=True)
class Placement:
    """What an event says about a person's group (the fields of the event that decide it)."""

    offence: str | None
    category: str | None
    outcome: str | None


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


class GroupRules:
    """The loaded table, its lookups folded for matching."""

    def __init__(self, table: GroupTable) -> None:
        self.table = table
        self._offences = {_fold(name): group for name, group in table.offences.items()}
        self._undetected = {_fold(outcome) for outcome in table.undetected}

    def review_years(self, group: int) -> int:
        return self.table.groups[group].review_years

    def group_of(self, event: Placement) -> int:
        """An event's group: its offence's, else its category's, else the default; group 3
        becomes 4 when the outcome says the crime is undetected."""
        group = self._offences.get(_fold(event.offence))
        if group is None:
            group = self.table.categories.get(event.category or "", self.table.default)
        if group == 3 and _fold(event.outcome) in self._undetected:
            return 4
        return group


@cache
def default_rules() -> GroupRules:
    """The table shipped in groups.yaml.

    Raises:
        InvalidInput: the file fails its checks (every problem named).
    """
    text = files("polestar.retention").joinpath("groups.yaml").read_text(encoding="utf-8")
    table = validated(text, "retention/groups.yaml", GroupTable, InvalidInput)
    missing = {table.default, *table.offences.values(), *table.categories.values(), 3, 4}
    if not missing <= set(table.groups):
        raise InvalidInput("retention/groups.yaml places events in groups it does not define")
    return GroupRules(table)
