"""Traccar Client: the OsmAnd protocol (query string or form body) and its JSON body.

OsmAnd keys: ``id``/``deviceid``, ``lat``/``lon`` or ``location=lat,lon``, ``timestamp``,
``speed`` in knots, ``bearing``/``heading``, ``altitude``, ``accuracy``, ``batt`` (percent),
``charge``, ``alarm`` (e.g. ``sos``); every other key is kept as an attribute. The newer client
posts JSON instead: ``{"device_id", "location": {"timestamp", "coords": {...}, "battery":
{...}, "is_moving", "event"}}`` with speed in m/s and -1 for unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pasienis.ops.errors import BadFixError
from pasienis.ops.fixes import (
    KNOT_MPS,
    Fix,
    coordinates,
    known,
    number,
    parse_time,
    truthy,
)

_CONSUMED = {
    "id",
    "deviceid",
    "lat",
    "lon",
    "location",
    "timestamp",
    "speed",
    "bearing",
    "heading",
    "altitude",
    "accuracy",
    "batt",
    "charge",
    "alarm",
}


def osmand_device_id(params: Mapping[str, str]) -> str:
    """The device identifier of an OsmAnd request (``id`` or ``deviceid``)."""
    device = (params.get("id") or params.get("deviceid") or "").strip()
    if not device:
        raise BadFixError("OsmAnd request without id or deviceid")
    return device


def parse_osmand(params: Mapping[str, str]) -> Fix:
    """One OsmAnd request (query or form fields) as a :class:`Fix`."""
    device = osmand_device_id(params)
    if params.get("location"):
        parts = str(params["location"]).split(",")
        if len(parts) != 2:
            raise BadFixError(f"location must be 'lat,lon', not {params['location']!r}")
        lat, lon = coordinates(parts[0], parts[1])
    else:
        lat, lon = coordinates(params.get("lat"), params.get("lon"))
    knots = known(number(params.get("speed"), "speed"))
    heading = params.get("bearing") if params.get("bearing") not in (None, "") else None
    heading = heading if heading is not None else params.get("heading")
    alarm = (params.get("alarm") or "").strip().lower() or None
    return Fix(
        device_id=device,
        fixed_at=parse_time(params.get("timestamp")),
        lat=lat,
        lon=lon,
        source="osmand",
        accuracy_m=known(number(params.get("accuracy"), "accuracy")),
        speed_mps=None if knots is None else knots * KNOT_MPS,
        heading_deg=known(number(heading, "bearing")),
        altitude_m=number(params.get("altitude"), "altitude"),
        battery_pct=known(number(params.get("batt"), "batt")),
        charging=truthy(params.get("charge")),
        alarm=alarm,
        attributes={k: v for k, v in params.items() if k not in _CONSUMED},
    )


def traccar_json_device_id(body: Mapping[str, Any]) -> str:
    device = body.get("device_id") or body.get("deviceId") or body.get("id")
    if not isinstance(device, str | int) or not str(device).strip():
        raise BadFixError("Traccar JSON body without device_id")
    return str(device).strip()


def parse_traccar_json(body: Mapping[str, Any]) -> Fix:
    """The JSON body of the newer Traccar Client (speed in m/s, -1 = unknown)."""
    device = traccar_json_device_id(body)
    location = body.get("location")
    if not isinstance(location, Mapping):
        raise BadFixError("Traccar JSON body without a location object")
    coords = location.get("coords")
    if not isinstance(coords, Mapping):
        raise BadFixError("Traccar JSON location without coords")
    lat, lon = coordinates(coords.get("latitude"), coords.get("longitude"))
    battery = location.get("battery") if isinstance(location.get("battery"), Mapping) else {}
    level = known(number(battery.get("level"), "battery.level"))
    event = location.get("event")
    attributes = {
        k: v for k, v in location.items() if k not in {"timestamp", "coords", "battery", "event"}
    }
    if event:
        attributes["event"] = event
    alarm = str(event).lower() if isinstance(event, str) and event.lower() == "sos" else None
    return Fix(
        device_id=device,
        fixed_at=parse_time(location.get("timestamp")),
        lat=lat,
        lon=lon,
        source="traccar-json",
        accuracy_m=known(number(coords.get("accuracy"), "accuracy")),
        speed_mps=known(number(coords.get("speed"), "speed")),
        heading_deg=known(number(coords.get("heading"), "heading")),
        altitude_m=number(coords.get("altitude"), "altitude"),
        # The client reports 0..1; we store percent like every other protocol.
        battery_pct=None if level is None else round(level * 100.0, 1),
        charging=truthy(battery.get("is_charging")),
        alarm=alarm,
        attributes=attributes,
    )
