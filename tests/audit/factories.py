"""Events to record in tests, made through the real event classes."""

from __future__ import annotations

from polestar.audit import Consultation, Disclosure


def lookup(
    actor: str = "pc.jones",
    entity: str = "PER-00000001",
    *,
    justification: str | None = None,
    in_results: bool = False,
) -> Consultation:
    """An officer opening one person's profile (or seeing it in a result list)."""
    return Consultation(
        action="person.show",
        actor=actor,
        organisation="home-force",
        role="officer",
        purpose="investigation",
        justification=justification,
        entity_ids=(entity,),
        record_ids=("custody:CU-000123",),
        in_results=in_results,
    )


def sharing(actor: str = "analyst.lee") -> Disclosure:
    """A disclosure of one person's records to the fire service."""
    return Disclosure(
        action="person.share",
        actor=actor,
        organisation="home-force",
        role="analyst",
        purpose="fire-safety",
        entity_ids=("PER-00000002",),
        recipients=("fire",),
    )
