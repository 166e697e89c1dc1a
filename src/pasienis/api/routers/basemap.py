"""The base map of the browser maps: tile source, local tile files (range requests), the
fallback's roads and places, and the located events of a selection (map and timeline pages).

Tiles and roads hold no personal data: any signed-in role may fetch them. Places are entities
and read through the caller's dataset grants; events of entities are personal data, for
analysts, through grants, audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.geo import (
    BaseMapError,
    entity_events,
    find_tile_file,
    located_places,
    mbtiles_tile,
    road_lines,
    tile_source,
)

router = APIRouter(prefix="/api/map", tags=["map"])
# Everyone who works with a map (the auditor reads the audit log only: least privilege).
SignedIn = Annotated[
    Principal,
    Depends(require(Role.analyst, Role.dispatcher, Role.field_officer, Role.administrator)),
]
Analyst = Annotated[Principal, Depends(require(Role.analyst))]


@router.get("/config")
def config(request: Request, _p: SignedIn) -> dict[str, Any]:
    """Which base layer to draw (``url``, ``pmtiles``, ``mbtiles`` or ``fallback``) and why."""
    return tile_source(request.app.state.settings)


@router.get("/files/{name}")
def tile_file(request: Request, name: str, _p: SignedIn) -> FileResponse:
    """A PMTiles file, read by the browser with HTTP range requests (``Range: bytes=a-b``)."""
    found = find_tile_file(request.app.state.settings, name)
    if found.kind != "pmtiles":
        raise BaseMapError(f"{name} is an MBTiles file", hint=f"ask /api/map/files/{name}/z/x/y")
    # No cache header of our own: every /api/ answer is no-store (set by the middleware).
    return FileResponse(found.path, media_type="application/octet-stream")


@router.get("/files/{name}/{z}/{x}/{y}")
def mbtiles(
    request: Request,
    name: str,
    z: Annotated[int, Path(ge=0, le=24)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    _p: SignedIn,
) -> Response:
    """One tile of an MBTiles file; 204 where the file has no tile (the map shows nothing)."""
    found = find_tile_file(request.app.state.settings, name)
    if found.kind != "mbtiles" or not (0 <= x < 1 << z and 0 <= y < 1 << z):
        raise BaseMapError(f"no tile {z}/{x}/{y} in {name}")
    tile = mbtiles_tile(found, z, x, y)
    if tile is None:
        return Response(status_code=204)
    data, media = tile
    return Response(data, media_type=media)


@router.get("/roads")
async def roads(request: Request, _p: SignedIn) -> dict[str, Any]:
    """Main roads of the routing extract as GeoJSON lines (empty list when none is known)."""
    return await run_in_threadpool(road_lines, request.app.state.settings)


@router.get("/places")
def places(
    request: Request, principal: SignedIn, limit: Annotated[int, Query(ge=1, le=20000)] = 5000
) -> dict[str, Any]:
    """Towns, checkpoints and cameras with coordinates, from the datasets you may see."""
    with request.app.state.store.read() as conn:
        found, truncated = located_places(conn, datasets=visible_datasets(principal), limit=limit)
    return {"places": found, "truncated": truncated, "limit": limit}


@router.get("/events")
def events(
    request: Request,
    principal: Analyst,
    audit: AuditorDep,
    entity: Annotated[list[str], Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=20000)] = 5000,
) -> dict[str, Any]:
    """Crossings, plate reads and declarations of the given entities, oldest first."""
    with request.app.state.store.read() as conn:
        rows, truncated = entity_events(
            conn, entity_ids=entity, datasets=visible_datasets(principal), limit=limit
        )
    audit.record("map.events", entity_ids=entity, detail={"events": len(rows)})
    return {"events": rows, "truncated": truncated, "limit": limit}
