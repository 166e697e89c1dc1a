"""OwnTracks: JSON ``_type: location`` (HTTP or MQTT) and ``_type: transition``.

``tst`` is epoch seconds, ``vel`` km/h, ``acc``/``alt`` metres, ``cog`` degrees, ``batt``
percent, ``bs`` battery status (0 unknown, 1 unplugged, 2 charging, 3 full). Other keys (``tid``,
``t``, ``conn``...) are kept as attributes. Messages of other types are not positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pasienis.ops.errors import BadFixError
from pasienis.ops.fixes import KMH_MPS, Fix, coordinates, known, number, parse_time

_CONSUMED = {"_type", "lat", "lon", "tst", "acc", "alt", "vel", "cog", "batt", "bs"}


def parse_location(payload: Mapping[str, Any], *, device_id: str, source: str) -> Fix:
    """An OwnTracks location message as a :class:`Fix`."""
    if payload.get("_type") != "location":
        raise BadFixError(f"not an OwnTracks location: _type={payload.get('_type')!r}")
    lat, lon = coordinates(payload.get("lat"), payload.get("lon"))
    vel = known(number(payload.get("vel"), "vel"))
    bs = payload.get("bs")
    return Fix(
        device_id=device_id,
        fixed_at=parse_time(payload.get("tst")),
        lat=lat,
        lon=lon,
        source=source,
        accuracy_m=known(number(payload.get("acc"), "acc")),
        speed_mps=None if vel is None else vel * KMH_MPS,
        heading_deg=known(number(payload.get("cog"), "cog")),
        altitude_m=number(payload.get("alt"), "alt"),
        battery_pct=known(number(payload.get("batt"), "batt")),
        charging=None if bs in (None, 0) else bs in (2, 3),
        attributes={k: v for k, v in payload.items() if k not in _CONSUMED},
    )


def parse_transition(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An OwnTracks region transition (``event`` enter/leave, ``desc`` the region)."""
    if payload.get("_type") != "transition":
        raise BadFixError("not an OwnTracks transition")
    return {
        "event": payload.get("event"),
        "region": payload.get("desc"),
        "at": parse_time(payload.get("tst")),
        "lat": number(payload.get("lat"), "lat"),
        "lon": number(payload.get("lon"), "lon"),
    }


def topic_device(topic: str) -> tuple[str, str, bool] | None:
    """``owntracks/<user>/<device>[/event]`` → (user, device, is_event); else ``None``."""
    parts = topic.split("/")
    if len(parts) not in (3, 4) or parts[0] != "owntracks":
        return None
    if len(parts) == 4 and parts[3] != "event":
        return None
    return parts[1], parts[2], len(parts) == 4
