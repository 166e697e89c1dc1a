"""Pydantic shapes of the ops API (requests and answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, FiniteFloat

from pasienis.geo.types import Latitude, Longitude
from pasienis.store.types import UtcTime

UnitStatus = Literal["available", "busy", "off_duty"]


class UnitCreate(BaseModel):
    call_sign: str = Field(min_length=1, max_length=32)
    vehicle: str | None = None
    crew: list[str] = Field(default_factory=list, description="user ids/names of the crew")
    skills: list[str] = Field(default_factory=list)
    status: UnitStatus = "available"


class UnitRead(BaseModel):
    id: str
    call_sign: str
    status: str
    vehicle: str | None = None
    crew: list[str] | None = None
    skills: list[str] | None = None
    last_lat: float | None = None
    last_lon: float | None = None
    last_fix_at: datetime | None = None


class UnitStatusChange(BaseModel):
    status: UnitStatus


class DeviceCreate(BaseModel):
    device_id: str = Field(min_length=1, max_length=64)
    unit: str = Field(description="unit id or call sign")
    label: str | None = None


class DeviceActive(BaseModel):
    """Deactivate (``false``) or reactivate a device."""

    active: bool


class GenericFix(BaseModel):
    """Our own JSON position format (already in internal units)."""

    device_id: str = Field(min_length=1, max_length=64)
    time: str | FiniteFloat | None = Field(default=None, description="ISO-8601 or epoch s/ms")
    lat: Latitude
    lon: Longitude
    accuracy_m: FiniteFloat | None = None
    speed_mps: FiniteFloat | None = None
    heading_deg: FiniteFloat | None = None
    altitude_m: FiniteFloat | None = None
    battery_pct: FiniteFloat | None = None
    charging: bool | None = None
    alarm: str | None = None
    attributes: dict[str, Any] | None = None


class PositionAccepted(BaseModel):
    id: int
    unit_id: str
    flags: list[str]


class TaskCreate(BaseModel):
    lat: Latitude
    lon: Longitude
    category: str = Field(min_length=1, max_length=32)
    priority: int = Field(default=3, ge=1, le=5, description="1 highest .. 5 lowest")
    description: str = Field(min_length=1, max_length=10_000)
    due_at: UtcTime | None = None
    entity_ids: list[str] = Field(default_factory=list)
    unit: str | None = Field(default=None, description="assign at once to this unit")


class TaskTransition(BaseModel):
    status: Literal["acknowledged", "en_route", "on_scene", "completed", "cancelled", "rejected"]
    reason: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=10_000)
    violation: ViolationReport | None = None


class ViolationReport(BaseModel):
    """A crew's report; ``lat``/``lon`` are the phone's GPS fix (else the task's location)."""

    category: str = Field(min_length=1, max_length=32)
    lat: Latitude | None = None
    lon: Longitude | None = None
    accuracy_m: FiniteFloat | None = Field(default=None, ge=0)
    quantity: FiniteFloat | None = None
    unit_of_measure: str | None = None
    value_eur: FiniteFloat | None = None
    person_id: str | None = None
    vehicle_id: str | None = None
    description: str | None = None


class TaskNote(BaseModel):
    """A crew's or dispatcher's note on a task (kept in the task's history)."""

    text: str = Field(min_length=1, max_length=10_000)


class TaskAssign(BaseModel):
    unit: str = Field(description="unit id or call sign")


class AlertIn(BaseModel):
    """An alert from the intelligence side: where, when, who/what, and why."""

    alert_id: str = Field(min_length=1, max_length=128)
    occurred_at: UtcTime
    lat: Latitude
    lon: Longitude
    category: str = Field(default="alert", max_length=32)
    priority: int = Field(default=2, ge=1, le=5)
    text: str = Field(min_length=1, max_length=10_000)
    entity_ids: list[str] = Field(default_factory=list)
    evidence: dict[str, Any] = Field(default_factory=dict)


class GeofenceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    kind: Literal["border_zone", "checkpoint", "custom"] = "custom"
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon")


class AssignmentRule(BaseModel):
    category: str = Field(min_length=1, max_length=32)
    required_skills: list[str] = Field(default_factory=list)
    auto_assign: bool = False


TaskTransition.model_rebuild()


class AlarmAck(BaseModel):
    """A dispatcher acknowledges a unit's SOS alarm (it stops alarming on every console)."""

    unit_id: str = Field(min_length=1, max_length=64)
    alarm: str = Field(default="sos", min_length=1, max_length=32)
    at: str | None = Field(default=None, max_length=40, description="the alarm's fix time")
