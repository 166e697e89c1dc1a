"""Units, devices, tracks, geofences and unit suggestions (dispatchers and administrators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from pasienis.api.deps import Principal, Role, audit_read, require
from pasienis.api.sockets import device_subject
from pasienis.geo.types import Latitude, Longitude
from pasienis.ops import assignment, geofences, positions, service
from pasienis.ops.flows import Ops
from pasienis.ops.schemas import (
    AlarmAck,
    AssignmentRule,
    DeviceActive,
    DeviceCreate,
    GeofenceCreate,
    UnitCreate,
    UnitRead,
    UnitStatusChange,
)
from pasienis.store.types import UtcTime

router = APIRouter(prefix="/api/ops", tags=["ops: units"])
DISPATCH = require(Role.dispatcher, Role.administrator)
ADMIN = require(Role.administrator)
Dispatcher = Annotated[Principal, Depends(DISPATCH)]
Admin = Annotated[Principal, Depends(ADMIN)]


def _ops(request: Request) -> Ops:
    return request.app.state.ops


@router.get("/units")
def list_units(request: Request, _p: Dispatcher) -> list[UnitRead]:
    with _ops(request).store.read() as conn:
        found = [UnitRead(**u) for u in service.list_units(conn)]
    # Last positions of crews are personal data: one entry per list call.
    audit_read(request, "unit.list", detail={"count": len(found), "units": [u.id for u in found]})
    return found


@router.post("/units", status_code=201)
def add_unit(body: UnitCreate, request: Request, _p: Dispatcher) -> UnitRead:
    with _ops(request).store.begin() as conn:
        unit = UnitRead(**service.add_unit(conn, **body.model_dump()))
    audit_read(request, "unit.create", detail={"unit_id": unit.id, "call_sign": unit.call_sign})
    return unit


@router.post("/units/{ref}/status")
def unit_status(ref: str, body: UnitStatusChange, request: Request, _p: Dispatcher) -> UnitRead:
    ops = _ops(request)
    with ops.store.begin() as conn:
        unit = service.set_unit_status(conn, unit_id=ref, status=body.status)
    ops.hub.publish({"type": "unit", "unit_id": unit["id"], "status": unit["status"]})
    audit_read(request, "unit.status", detail={"unit_id": unit["id"], "status": unit["status"]})
    return UnitRead(**unit)


@router.get("/units/{ref}/track")
def unit_track(
    ref: str,
    request: Request,
    _p: Dispatcher,
    since: UtcTime | None = None,
    until: UtcTime | None = None,
    good_only: bool = False,
) -> list[dict[str, Any]]:
    with _ops(request).store.read() as conn:
        unit = service.get_unit(conn, ref=ref)
        track = positions.track(
            conn, unit_id=unit["id"], since=since, until=until, good_only=good_only
        )
    # A crew's track is personal data about the officers: reading it is logged.
    audit_read(
        request,
        "unit.track.read",
        query={"unit_id": unit["id"], "since": str(since), "until": str(until)},
    )
    return track


@router.get("/suggest")
def suggest(
    lat: Latitude,
    lon: Longitude,
    request: Request,
    _p: Dispatcher,
    category: str | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Best available units for a place, ranked by ETA, skills and workload."""
    ops = _ops(request)
    with ops.store.read() as conn:
        found = assignment.suggest_units(
            conn, lat=lat, lon=lon, category=category, speeds=ops.speeds, limit=limit
        )
    audit_read(
        request, "ops.suggest", query={"lat": lat, "lon": lon, "category": category},
        detail={"units": [u.get("unit_id") for u in found]},
    )  # fmt: skip
    return found


@router.post("/devices", status_code=201)
def add_device(body: DeviceCreate, request: Request, _p: Admin) -> dict:
    """Register a device; the answer carries its secret (shown once) and client settings."""
    ops = _ops(request)
    with ops.store.begin() as conn:
        device, secret = service.add_device(
            conn, device_id=body.device_id, unit_ref=body.unit, label=body.label
        )
        unit = service.get_unit(conn, ref=device["unit_id"])
    audit_read(request, "device.create", detail={"device_id": device["id"], "unit_id": unit["id"]})
    base = ops.settings.ops_public_url or str(request.base_url)
    return service.device_setup(
        base_url=base, device_id=device["id"], secret=secret, call_sign=unit["call_sign"]
    )


@router.get("/devices")
def list_devices(request: Request, _p: Admin) -> list[dict[str, Any]]:
    with _ops(request).store.read() as conn:
        return [
            {k: v for k, v in d.items() if k != "secret_hash"} for d in service.list_devices(conn)
        ]


@router.post("/devices/{device_id}/rotate")
def rotate_device(device_id: str, request: Request, _p: Admin) -> dict:
    """Give a device a new secret (shown once): the old one stops working in every process."""
    ops = _ops(request)
    with ops.store.begin() as conn:
        secret = service.rotate_secret(conn, device_id=device_id)
        device = service.get_device(conn, device_id=device_id)
        unit = service.get_unit(conn, ref=device["unit_id"])
    request.app.state.sockets.revoke(device_subject(device_id))
    audit_read(request, "device.rotate", detail={"device_id": device_id, "unit_id": unit["id"]})
    base = ops.settings.ops_public_url or str(request.base_url)
    return service.device_setup(
        base_url=base, device_id=device_id, secret=secret, call_sign=unit["call_sign"]
    )


@router.put("/devices/{device_id}/active")
def activate_device(
    device_id: str, body: DeviceActive, request: Request, _p: Admin
) -> dict[str, Any]:
    """Deactivate a device (its secret stops working and its socket closes) or reactivate it."""
    with _ops(request).store.begin() as conn:
        device = service.set_device_active(conn, device_id=device_id, active=body.active)
    request.app.state.sockets.revoke(device_subject(device_id))
    action = "device.activate" if body.active else "device.deactivate"
    audit_read(request, action, detail={"device_id": device_id, "unit_id": device["unit_id"]})
    return {k: v for k, v in device.items() if k != "secret_hash"}


@router.get("/geofences")
def list_fences(request: Request, _p: Dispatcher) -> list[dict[str, Any]]:
    with _ops(request).store.read() as conn:
        return geofences.list_geofences(conn)


@router.post("/geofences", status_code=201)
def add_fence(body: GeofenceCreate, request: Request, _p: Dispatcher) -> dict[str, Any]:
    with _ops(request).store.begin() as conn:
        fence = geofences.add_geofence(conn, **body.model_dump())
    audit_read(request, "geofence.create", detail={"name": body.name, "kind": body.kind})
    return fence


@router.put("/rules/{category}")
def put_rule(
    category: str, body: AssignmentRule, request: Request, _p: Dispatcher
) -> dict[str, Any]:
    """Assignment rule for a category: required skills, automatic assignment."""
    with _ops(request).store.begin() as conn:
        rule = assignment.set_rule(
            conn,
            category=category,
            required_skills=body.required_skills,
            auto_assign=body.auto_assign,
        )
    audit_read(request, "assignment_rule.set", detail={"category": category})
    return rule


@router.post("/alarms/ack")
def acknowledge_alarm(body: AlarmAck, request: Request, principal: Dispatcher) -> dict[str, Any]:
    """Acknowledge an SOS: audited, and every console stops alarming for it."""
    ops = _ops(request)
    with ops.store.read() as conn:
        unit = service.get_unit(conn, ref=body.unit_id)
    detail = {"unit_id": unit["id"], "call_sign": unit["call_sign"], "alarm": body.alarm,
              "at": body.at}  # fmt: skip
    audit_read(request, "ops.alarm.acknowledge", detail=detail, read=False)
    event = {"type": "alarm_ack", **detail, "by": principal.name}
    ops.hub.publish(event)
    return event
