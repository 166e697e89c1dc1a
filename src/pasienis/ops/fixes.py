"""The one internal form of a position fix, whatever protocol brought it.

Units: metres, metres per second, degrees, UTC. Protocol parsers (``protocols/``) convert into
a :class:`Fix`; nothing downstream knows about knots or km/h.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pasienis.ops.errors import BadFixError

KNOT_MPS = 1852.0 / 3600.0
KMH_MPS = 1000.0 / 3600.0


@dataclass
class Fix:
    """A position as stored: WGS84 degrees, metres, m/s, UTC."""

    device_id: str
    fixed_at: datetime | None
    lat: float
    lon: float
    source: str
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    altitude_m: float | None = None
    battery_pct: float | None = None
    charging: bool | None = None
    alarm: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def number(value: object, name: str) -> float | None:
    """A finite float, ``None`` for absent/empty, :class:`BadFixError` for garbage."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadFixError(f"{name} must be a number, not {value!r}")
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise BadFixError(f"{name} must be a number, not {value!r}") from exc
    if not math.isfinite(out):
        raise BadFixError(f"{name} must be finite, not {value!r}")
    return out


def known(value: float | None) -> float | None:
    """Clients send -1 for 'unknown' speed/heading/accuracy; keep that as ``None``."""
    return None if value is None or value < 0 else value


def coordinates(lat: object, lon: object) -> tuple[float, float]:
    """Latitude and longitude, both required and in range."""
    la, lo = number(lat, "lat"), number(lon, "lon")
    if la is None or lo is None:
        raise BadFixError("a fix needs lat and lon")
    if not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0):
        raise BadFixError(f"coordinates out of range: {la}, {lo}")
    return la, lo


def parse_time(value: object) -> datetime | None:
    """Epoch seconds or milliseconds, ISO-8601, or ``yyyy-MM-dd HH:mm:ss`` (taken as UTC)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        epoch = float(text)
    except ValueError:
        epoch = None
    if epoch is not None:
        if not math.isfinite(epoch):
            raise BadFixError(f"bad timestamp {text!r}")
        # Milliseconds since 1970 pass 1e11 in 1973; seconds will not reach it for millennia.
        seconds = epoch / 1000.0 if abs(epoch) >= 1e11 else epoch
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise BadFixError(f"bad timestamp {text!r}") from exc
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # The zone can push a valid local time out of datetime's years 1..9999 in UTC.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise BadFixError(f"bad timestamp {text!r}", hint="epoch seconds/ms or ISO-8601") from exc


def truthy(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
