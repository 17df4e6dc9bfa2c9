"""Phone records as a viewer sees them. Phones are not linked into entities: the number is
the phone, so records sharing a number are found by it (`objects.phone_number` is indexed)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import Kind, ObjectType
from polestar.store.scope import Scope
from polestar.store.tables import objects
from polestar.store.visible import VisibleRow, visible_rows


def phones_numbered(conn: Connection, scope: Scope, numbers: Sequence[str]) -> list[VisibleRow]:
    """The visible phone rows with one of these numbers (E.164, as stored)."""
    if not numbers:
        return []
    where = sa.and_(
        objects.c.phone_number.in_(sorted(set(numbers))),
        objects.c.object_type == ObjectType.PHONE.value,
    )
    return visible_rows(conn, scope, Kind.OBJECT, where)
