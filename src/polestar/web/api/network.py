"""`GET /api/v1/network/{entity_id}` and `GET /api/v1/paths/{source}/{target}`: the ties the
caller may see around an entity, and between two.

Ids and filters only travel in the URL (tie types, source systems, dates): none of them is
personal data. The graph page draws the nodes and edges with Cytoscape.js; each node's `hop`
and each edge's `records` and `weight` are what its table alternative lists.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.graph import network as network_graph
from polestar.graph import paths as paths_graph
from polestar.graph.ties import TIE_TYPES, Filters
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(tags=["network"])
NetworkCaller = Annotated[Principal, Depends(Caller("read", network_graph.ACTION))]
PathsCaller = Annotated[Principal, Depends(Caller("read", paths_graph.ACTION))]


def filters(
    types: Annotated[
        list[str] | None,
        Query(description="Tie types to follow (repeat the parameter): " + ", ".join(TIE_TYPES)),
    ] = None,
    sources: Annotated[
        list[str] | None, Query(description="Only records of these source systems.")
    ] = None,
    since: Annotated[date | None, Query(description="Only evidence dated on or after.")] = None,
    until: Annotated[date | None, Query(description="Only evidence dated on or before.")] = None,
) -> Filters:
    """The walk's filters from the query string; unknown types are a 422 naming them."""
    return Filters(
        types=None if types is None else frozenset(types),
        sources=None if sources is None else frozenset(sources),
        since=since,
        until=until,
    )


FiltersDep = Annotated[Filters, Depends(filters)]


class NodeOut(BaseModel):
    id: str = Field(description="The entity id (PER-…, VEH-…, LOC-…).")
    kind: str = Field(description="person, vehicle or location.")
    label: str | None = Field(description="A name, plate or address you may see; null if none.")
    hop: int = Field(description="Ties away from where the walk started (0: the start).")


class EdgeOut(BaseModel):
    id: str
    source: str
    target: str
    type: str = Field(description="The type of tie: " + ", ".join(TIE_TYPES))
    records: list[str] = Field(description="The source records (SOURCE:KEY) behind the tie.")
    weight: int = Field(description="How many records stand behind it.")


class NetworkOut(BaseModel):
    start: str
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool = Field(description="True when max_nodes stopped the walk early.")


class ChainOut(BaseModel):
    nodes: list[str] = Field(description="Entity ids from source to target.")
    edges: list[EdgeOut] = Field(description="Every tie between consecutive entities.")


class PathsOut(BaseModel):
    source: str
    target: str
    length: int | None = Field(description="Ties in the shortest chain; null if none found.")
    nodes: list[NodeOut]
    paths: list[ChainOut]
    truncated: bool = Field(description="True when the search gave up before it could tell.")


@router.get("/network/{entity_id}", response_model=NetworkOut)
def get_network(
    entity_id: str,
    caller: NetworkCaller,
    engine: StoreDep,
    settings: SettingsDep,
    walk: FiltersDep,
    purpose: Purpose = None,
    justification: Justification = None,
    hops: Annotated[int, Query(description="1 to 3.")] = 2,
    max_nodes: Annotated[int, Query(description="1 to 2,000.")] = network_graph.DEFAULT_MAX_NODES,
) -> NetworkOut:
    """The entities tied to `entity_id` up to `hops` away, for the purpose in
    `X-Polestar-Purpose`; 404 if none of the entity is visible."""
    viewer = viewer_of(caller, purpose, justification)
    found = network_graph.network_view(
        engine, settings, viewer, entity_id, hops=hops, max_nodes=max_nodes, filters=walk
    )
    return NetworkOut.model_validate(found.as_dict())


@router.get("/paths/{source}/{target}", response_model=PathsOut)
def get_paths(
    source: str,
    target: str,
    caller: PathsCaller,
    engine: StoreDep,
    settings: SettingsDep,
    walk: FiltersDep,
    purpose: Purpose = None,
    justification: Justification = None,
    max_hops: Annotated[int, Query(description="1 to 6.")] = paths_graph.DEFAULT_HOPS,
    k: Annotated[int, Query(description="Chains to return, 1 to 20.")] = paths_graph.DEFAULT_K,
) -> PathsOut:
    """The shortest chains of ties from `source` to `target`; 404 if either is invisible."""
    viewer = viewer_of(caller, purpose, justification)
    found = paths_graph.paths_view(
        engine, settings, viewer, source, target, max_hops=max_hops, k=k, filters=walk
    )
    return PathsOut.model_validate(found.as_dict())
