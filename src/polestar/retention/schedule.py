"""MoPI review scheduling: each person entity's group and next review date.

The clear period runs from the person's last event in the home force's records (partners'
records neither start nor extend it, REFERENCE.md); the group is the most serious of those
events' groups (groups.yaml). A retain decision pushes the review to the date it recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection

from polestar.access.organisations import organisations
from polestar.pole.times import london_day
from polestar.retention.groups import GroupRules, Placement
from polestar.store import retention as retention_store


@dataclass(frozen=True)
class Schedule:
    """One person entity's place in the review cycle."""

    entity_id: str
    group: int
    last_event: date
    due: date
    retained: bool  # the due date is a retain decision's

    def as_dict(self) -> dict[str, object]:
        return {
            "entity_id": self.entity_id,
            "group": self.group,
            "last_event": self.last_event.isoformat(),
            "due": self.due.isoformat(),
            "retained": self.retained,
        }


def add_years(day: date, years: int) -> date:
    """`day` moved on by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def partner_sources(conn: Connection) -> set[str]:
    """Sources a partner owns; every other source is the home force's (access.organisations)."""
    return {
        source
        for organisation in organisations(conn).values()
        if not organisation.home
        for source in organisation.sources
    }


def schedules(
    conn: Connection, rules: GroupRules, entity_id: str | None = None
) -> dict[str, Schedule]:
    """The schedule of every person entity with a dated event in home-force records (or of
    one entity). An entity whose home-force events carry no date is not scheduled."""
    groups: dict[str, int] = {}
    last: dict[str, date] = {}
    for event in retention_store.home_events(conn, partner_sources(conn), entity_id):
        group = rules.group_of(Placement(event.offence, event.category, event.outcome))
        groups[event.entity_id] = min(group, groups.get(event.entity_id, group))
        if event.occurred_at is not None:
            day = london_day(event.occurred_at)  # the county's day, as reviews are dated
            last[event.entity_id] = max(day, last.get(event.entity_id, day))
    retained = retention_store.retained_until(conn)
    found: dict[str, Schedule] = {}
    for entity, day in last.items():
        group = groups[entity]
        due = add_years(day, rules.review_years(group))
        pushed = retained.get(entity)
        found[entity] = Schedule(
            entity, group, day, max(due, pushed or due), pushed is not None and pushed > due
        )
    return found
