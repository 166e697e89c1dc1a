"""Our own JSON position format, for trackers that can be told what to send.

``{"device_id", "time" (ISO-8601 or epoch), "lat", "lon", "accuracy_m", "speed_mps",
"heading_deg", "altitude_m", "battery_pct", "charging", "alarm", "attributes"}`` — already in
the internal units, so nothing is converted.
"""

from __future__ import annotations

from pasienis.ops.fixes import Fix, coordinates, known, parse_time
from pasienis.ops.schemas import GenericFix


def parse_generic(body: GenericFix) -> Fix:
    lat, lon = coordinates(body.lat, body.lon)
    return Fix(
        device_id=body.device_id,
        fixed_at=parse_time(body.time),
        lat=lat,
        lon=lon,
        source="json",
        accuracy_m=known(body.accuracy_m),
        speed_mps=known(body.speed_mps),
        heading_deg=known(body.heading_deg),
        altitude_m=body.altitude_m,
        battery_pct=known(body.battery_pct),
        charging=body.charging,
        alarm=(body.alarm or "").lower() or None,
        attributes=dict(body.attributes or {}),
    )
