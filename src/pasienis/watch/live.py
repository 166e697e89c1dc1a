"""Live plate reads from camera systems: stored and screened in one transaction.

Why one transaction: a read that is stored has been screened and its alerts exist, and an
alert never exists for a read that was not stored — a crash at any point loses neither. The
read id is a hash of the source and the camera's own read id (or camera, time and plate), so
a camera resending a read changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pasienis.model import make_id
from pasienis.model.events import plate_reads
from pasienis.model.plates import normalise_plate
from pasienis.store import OnConflict, Store
from pasienis.watch.alerts import alert_id, raise_alerts
from pasienis.watch.cache import IndexCache
from pasienis.watch.errors import WatchError
from pasienis.watch.schemas import PlateReadIn
from pasienis.watch.screening import plate_subject, screen

READ_COLUMNS = (
    "id",
    "occurred_at",
    "lat",
    "lon",
    "dataset",
    "locator",
    "run_id",
    "attributes",
    "camera_id",
    "plate",
    "plate_raw",
    "country",
    "confidence",
    "vehicle_id",
)


def _row(source: dict[str, Any], read: PlateReadIn) -> tuple:
    plate = normalise_plate(read.plate)
    if not plate:
        raise WatchError(f"plate {read.plate!r} has no letters or digits")
    key = read.read_id or f"{read.camera_id}|{read.occurred_at.isoformat()}|{plate}"
    read_id = make_id(f"live-{source['id']}", key)
    locator = f"live:{source['id']}:{read.read_id or key}"
    attributes = {"read_id": read.read_id} if read.read_id else None
    return (
        read_id,
        read.occurred_at,
        read.lat,
        read.lon,
        source["dataset"],
        locator,
        None,
        attributes,
        read.camera_id,
        plate,
        read.plate,
        read.country,
        read.confidence,
        None,
    )


def record_reads(
    store: Store, cache: IndexCache, *, source: dict[str, Any], reads: list[PlateReadIn]
) -> list[dict[str, Any]]:
    """Store reads of one camera source, screen them, raise alerts — one transaction."""
    rows = [_row(source, r) for r in reads]
    with store.begin() as conn:
        store.bulk_insert(conn, plate_reads, READ_COLUMNS, rows, on_conflict=OnConflict.IGNORE)
        ids = [r[0] for r in rows]
        stored = list(conn.execute(select(plate_reads).where(plate_reads.c.id.in_(ids))))
        found = screen(cache.get(conn), [plate_subject(r) for r in stored])
        raise_alerts(store, conn, found)
    by_read: dict[str, list[str]] = {}

    for subject, hit in found:
        by_read.setdefault(subject.record_id, []).append(
            alert_id(hit.entry.id, subject.record_kind, subject.record_id, subject.dataset)
        )
    return [{"read_id": r[0], "plate": r[9], "alerts": by_read.get(r[0], [])} for r in rows]
