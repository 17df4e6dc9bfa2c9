"""`/network/{id}` and `/network/{id}/paths`: the network around an entity as an interactive
graph, and how it is connected to a second one.

Each page makes one audited, scoped domain call (`graph.network.network_view`,
`graph.paths.paths_view`, the same as `/api/v1/network` and `/api/v1/paths`) and carries the
result twice: as JSON inside the page, which `network.js` draws with Cytoscape.js, and as
tables, which screen readers and keyboards use and which are always there. No second request
fetches the data, so it is read and audited once and leaves with the page's `no-store`.

Ids, tie types, source systems, dates and hops are the only things in the URL (none of them
is personal data), so the filters are a GET form.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, field_validator

from polestar.errors import FieldError, InvalidInput
from polestar.graph import network as network_graph
from polestar.graph import paths as paths_graph
from polestar.graph.ties import TIE_TYPES, Filters
from polestar.sources.mapping import builtin_mappings
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.shell import templates
from polestar.web.sessions import PageViewer

router = APIRouter()
_PROFILES = {"person": "persons", "vehicle": "vehicles", "location": "locations"}
_PREFIXES = {"PER": "person", "VEH": "vehicle", "LOC": "location"}


@cache
def source_names() -> tuple[str, ...]:
    """The source systems a walk may be limited to: one per shipped mapping."""
    return tuple(mapping.source for mapping in builtin_mappings())


def profile_path(kind: str, entity_id: str) -> str:
    """The profile page of an entity of `kind`."""
    return f"/{_PROFILES[kind]}/{entity_id}"


def profile_of(entity_id: str) -> str | None:
    """The profile page an entity id names by its prefix (PER-, VEH-, LOC-), if any."""
    kind = _PREFIXES.get(entity_id[:3])
    return None if kind is None else profile_path(kind, entity_id)


class WalkForm(BaseModel):
    """The network page's form as the query string carries it; an empty field is no filter."""

    hops: int = Field(2, ge=1, le=network_graph.MAX_HOPS)
    max_nodes: int = Field(network_graph.DEFAULT_MAX_NODES, ge=1, le=network_graph.MAX_NODES)
    types: list[str] = Field(default_factory=list, max_length=len(TIE_TYPES))
    sources: list[str] = Field(default_factory=list, max_length=40)
    since: date | None = None
    until: date | None = None
    to: str = Field("", max_length=64, description="The second entity, for paths.")

    @field_validator("since", "until", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def filters(self) -> Filters:
        """The walk's filters; unknown tie types are an `InvalidInput` naming them."""
        return Filters(
            types=frozenset(self.types) or None,
            sources=frozenset(self.sources) or None,
            since=self.since,
            until=self.until,
        )


Form = Annotated[WalkForm, Query()]


def _nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**node, "href": profile_path(node["kind"], node["id"])} for node in nodes]


def _render(
    request: Request, name: str, entity_id: str, form: WalkForm, status: int = 200, **found: Any
) -> HTMLResponse:
    context = {
        "entity_id": entity_id,
        "form": form,
        "tie_types": TIE_TYPES,
        "sources": source_names(),
        "max_hops": network_graph.MAX_HOPS,
        "max_nodes": network_graph.MAX_NODES,
        **found,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/network/{entity_id}", response_class=HTMLResponse)
def network_page(
    request: Request,
    entity_id: str,
    form: Form,
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The entities tied to `entity_id`, `hops` out, as a graph and as tables; 404 if the
    viewer sees none of it, the form again with what to correct on a 422."""
    try:
        found = network_graph.network_view(
            engine,
            settings,
            viewer,
            entity_id,
            hops=form.hops,
            max_nodes=form.max_nodes,
            filters=form.filters(),
        ).as_dict()
    except InvalidInput as exc:
        return _render(request, "network.html", entity_id, form, 422, error=exc)
    found["nodes"] = _nodes(found["nodes"])
    return _render(request, "network.html", entity_id, form, network=found)


@router.get("/network/{entity_id}/paths", response_class=HTMLResponse)
def paths_page(
    request: Request,
    entity_id: str,
    form: Form,
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """How `entity_id` is connected to `to`: the shortest chains of ties, listed; 404 if the
    viewer sees neither."""
    try:
        if not form.to.strip():
            raise InvalidInput(
                "choose a second entity", [FieldError("to", "the id of a person, vehicle or place")]
            )
        found = paths_graph.paths_view(
            engine, settings, viewer, entity_id, form.to.strip(), filters=form.filters()
        ).as_dict()
    except InvalidInput as exc:
        return _render(request, "paths.html", entity_id, form, 422, error=exc)
    nodes = {node["id"]: node for node in _nodes(found["nodes"])}
    chains = [_steps(chain, nodes) for chain in found["paths"]]
    return _render(
        request,
        "paths.html",
        entity_id,
        form,
        found=found,
        chains=chains,
        path_hops=paths_graph.DEFAULT_HOPS,
    )


def _steps(chain: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A chain as its entities in order, each with the types of tie to the next one."""
    ids = chain["nodes"]
    return [
        {
            "node": nodes[entity],
            "ties": sorted(
                {
                    edge["type"]
                    for edge in chain["edges"]
                    if {edge["source"], edge["target"]} == {entity, ids[i + 1]}
                }
            )
            if i + 1 < len(ids)
            else [],
        }
        for i, entity in enumerate(ids)
    ]
