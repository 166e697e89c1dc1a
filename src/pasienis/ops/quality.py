"""Fix flags: what makes a position untrustworthy.

A flagged fix is stored (the track shows what the phone said) but never becomes the unit's
"last good position", so a GPS glitch cannot send the nearest-unit ranking astray.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pasienis.config import Settings
from pasienis.ops.fixes import Fix
from pasienis.ops.geolink import haversine_m

DUPLICATE = "duplicate"
OUT_OF_ORDER = "out_of_order"
TOO_FAST = "too_fast"
INACCURATE = "inaccurate"
FUTURE = "future"
NULL_ISLAND = "null_island"
NO_TIME = "no_time"


@dataclass(frozen=True)
class FixRules:
    max_accuracy_m: float = 100.0
    max_speed_kmh: float = 300.0
    future_tolerance_s: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> FixRules:
        return cls(
            max_accuracy_m=settings.ops_max_accuracy_m,
            max_speed_kmh=settings.ops_max_speed_kmh,
            future_tolerance_s=settings.ops_future_tolerance_s,
        )


@dataclass(frozen=True)
class LastGood:
    lat: float
    lon: float
    at: datetime


def is_future(at: datetime, *, now: datetime, rules: FixRules) -> bool:
    """``at`` lies further ahead of the server clock than the tolerance allows."""
    return (at - now).total_seconds() > rules.future_tolerance_s


def assess(
    fix: Fix,
    *,
    fixed_at: datetime,
    now: datetime,
    device_last_fix_at: datetime | None,
    last_good: LastGood | None,
    rules: FixRules,
) -> list[str]:
    """The flags of one fix (empty list: trusted).

    ``device_last_fix_at`` is the device's ordering clock: its newest fix that was not in the
    future (see :func:`pasienis.ops.position_batch.ordering_clock`).
    """
    flags: list[str] = []
    if fix.fixed_at is None:
        flags.append(NO_TIME)
    if abs(fix.lat) < 1e-6 and abs(fix.lon) < 1e-6:
        flags.append(NULL_ISLAND)
    if is_future(fixed_at, now=now, rules=rules):
        flags.append(FUTURE)
    if fix.accuracy_m is not None and fix.accuracy_m > rules.max_accuracy_m:
        flags.append(INACCURATE)
    if device_last_fix_at is not None:
        if fixed_at == device_last_fix_at:
            flags.append(DUPLICATE)
        elif fixed_at < device_last_fix_at:
            flags.append(OUT_OF_ORDER)
    if last_good is not None and fixed_at > last_good.at:
        seconds = (fixed_at - last_good.at).total_seconds()
        metres = haversine_m(last_good.lat, last_good.lon, fix.lat, fix.lon)
        if metres / seconds * 3.6 > rules.max_speed_kmh:
            flags.append(TOO_FAST)
    return flags
