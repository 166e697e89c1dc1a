"""Interception of a moving vehicle (dispatchers): plate reads and interception proposals.

Plate reads are intelligence data: a dispatcher sees (and intercepts from) only the reads of
the datasets they are granted, like an analyst.

The task itself is then created with ``POST /api/tasks`` (unit, the chosen point, the vehicle),
so the usual lifecycle, delivery and audit apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from pasienis.api.deps import Principal, Role, audit_read, require, visible_datasets
from pasienis.geo import Latitude, Longitude, make_router
from pasienis.ops import intercept
from pasienis.ops.flows import Ops

router = APIRouter(prefix="/api/ops", tags=["ops: interception"])
Dispatcher = Annotated[Principal, Depends(require(Role.dispatcher, Role.administrator))]


class LatLon(BaseModel):
    lat: Latitude
    lon: Longitude


class InterceptRequest(BaseModel):
    """Which read (by id, or the newest read of a plate up to ``at``) and where it heads."""

    read_id: str | None = Field(default=None, max_length=128)
    plate: str | None = Field(default=None, min_length=1, max_length=32)
    at: AwareDatetime | None = Field(default=None, description="with plate: newest read up to")
    destination: LatLon | str | None = Field(
        default=None, description="a {lat, lon}, or a border checkpoint's entity id, code or name"
    )
    every_m: float = Field(default=2_000.0, ge=500.0, le=50_000.0)
    limit: int = Field(default=5, ge=1, le=50)
    now: AwareDatetime | None = Field(
        default=None, description="replay: evaluate as at this time (default: the server clock)"
    )

    @field_validator("at", "now")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        # Far-off years only overflow the ETA arithmetic; no plate read is from then.
        if value is not None and not 1970 <= value.year <= 2200:
            raise ValueError("a time between 1970 and 2200")
        return value

    @model_validator(mode="after")
    def _one_read(self) -> Self:
        if bool(self.read_id) == bool(self.plate):
            raise ValueError("give exactly one of read_id or plate")
        return self


def _ops(request: Request) -> Ops:
    return request.app.state.ops


@router.post("/intercept")
def propose(body: InterceptRequest, request: Request, principal: Dispatcher) -> dict[str, Any]:
    """Points ahead of the vehicle that available units can reach first, best margin first."""
    ops = _ops(request)
    given = body.destination
    destination = (given.lat, given.lon) if isinstance(given, LatLon) else given
    with ops.store.read() as conn:
        answer = intercept.intercept(
            conn,
            make_router(ops.settings),
            now=body.now or ops.clock(),
            read_id=body.read_id,
            plate=body.plate,
            at=body.at,
            destination=destination,
            every_m=body.every_m,
            limit=body.limit,
            datasets=visible_datasets(principal),
        )
    audit_read(
        request,
        "ops.intercept",
        entity_ids=[answer["vehicle_id"]] if answer["vehicle_id"] else [],
        query=body.model_dump(mode="json", exclude_none=True),
        detail={
            "read_id": answer["read"]["id"],
            "plate": answer["read"]["plate"],
            "destination": answer["destination"].get("code") or answer["destination"]["id"],
            "proposals": len(answer["proposals"]),
            "method": answer["route"]["method"],
        },
    )
    return answer


@router.get("/plate-reads")
def plate_reads(
    request: Request,
    principal: Dispatcher,
    plate: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    """The newest plate reads of the datasets the caller may read, of one plate (a prefix
    matches) or of all."""
    with _ops(request).store.read() as conn:
        reads = intercept.recent_reads(
            conn, plate=plate, limit=limit, datasets=visible_datasets(principal)
        )
    audit_read(
        request,
        "ops.plate_reads",
        query={"plate": plate, "limit": limit},
        detail={"count": len(reads)},
    )
    return reads
