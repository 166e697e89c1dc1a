"""What the fallback base map draws beyond the borders: roads of the routing extract, and the
towns, checkpoints and cameras the store knows.

Roads come from the OpenStreetMap extract the routing tiles were built from (the manifest of
``pasienis routing build`` names it) or from ``PASIENIS_MAP_ROADS_FILE``; pyosmium reads XML
and PBF alike. Only the main classes are kept, so a national extract stays a small layer.
Places are located entities (``latitude``/``longitude`` statements) of the caller's datasets.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from pasienis.config import Settings
from pasienis.geo.routing import tiles_dir
from pasienis.geo.tiles import read_manifest
from pasienis.model import live
from pasienis.model.models import statements

#: Road classes drawn on the fallback map (the rest would be noise at country scale).
MAJOR_ROADS = frozenset({"motorway", "trunk", "primary", "secondary"})
#: Schemata of located places, and how they are shown.
PLACE_SCHEMATA = ("Address", "BorderCheckpoint")
_CAMERA_PREFIX = "anpr-camera-"
_roads_cache: dict[tuple[str, int, int], dict[str, Any]] = {}
_roads_lock = threading.Lock()


def roads_source(settings: Settings) -> Path | None:
    """The OSM extract to draw roads from: the setting, else the routing tiles' source."""
    if settings.map_roads_file:
        return Path(settings.map_roads_file)
    manifest = read_manifest(tiles_dir(settings))
    if manifest is not None and Path(manifest.source).is_file():
        return Path(manifest.source)
    return None


def _read_roads(extract: Path) -> dict[str, Any]:
    import osmium  # lazily: only the fallback map needs it

    features = []
    processor = (
        osmium.FileProcessor(str(extract))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for obj in processor:
        if not obj.is_way() or obj.tags.get("highway") not in MAJOR_ROADS:
            continue
        coords = [[round(n.lon, 5), round(n.lat, 5)] for n in obj.nodes if n.location.valid()]
        if len(coords) < 2:
            continue
        props = {k: obj.tags.get(k) for k in ("highway", "ref", "name") if obj.tags.get(k)}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "LineString", "coordinates": coords}})  # fmt: skip
    return {"type": "FeatureCollection", "features": features, "source": extract.name}


def road_lines(settings: Settings) -> dict[str, Any]:
    """Major roads as GeoJSON lines (cached per file version); empty when there is no extract."""
    extract = roads_source(settings)
    if extract is None:
        return {"type": "FeatureCollection", "features": [], "source": None}
    if not extract.is_file():
        from pasienis.geo.basemap import BaseMapError

        raise BaseMapError(f"roads file {extract} does not exist",
                           hint="check PASIENIS_MAP_ROADS_FILE")  # fmt: skip
    stat = extract.stat()
    key = (str(extract.resolve()), stat.st_mtime_ns, stat.st_size)
    with _roads_lock:
        if key not in _roads_cache:
            _roads_cache.clear()
            _roads_cache[key] = _read_roads(extract)
        return _roads_cache[key]


def _kind(entity_id: str, schema: str) -> str:
    if schema == "BorderCheckpoint":
        return "checkpoint"
    return "camera" if entity_id.startswith(_CAMERA_PREFIX) else "place"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def located_places(
    conn: Connection, *, datasets: Iterable[str], limit: int = 5000
) -> tuple[list[dict[str, Any]], bool]:
    """Towns, checkpoints and cameras with coordinates, from the datasets the caller may see,
    and whether ``limit`` cut the list (a store with more located entities than a map shows).

    A road-network town that has the name of a checkpoint is shown once, as the checkpoint.
    """
    allowed = list(datasets)
    located = (
        select(statements.c.entity_id)
        .where(statements.c.schema.in_(PLACE_SCHEMATA), statements.c.prop == "latitude",
               statements.c.dataset.in_(allowed), live(statements))
        .distinct().order_by(statements.c.entity_id).limit(limit + 1)
    )  # fmt: skip
    ids = list(conn.execute(located).scalars())
    truncated = len(ids) > limit
    query = select(statements.c.entity_id, statements.c.schema, statements.c.prop,
                   statements.c.value).where(
        statements.c.entity_id.in_(ids[:limit]),
        statements.c.prop.in_(("name", "latitude", "longitude", "code")),
        statements.c.dataset.in_(allowed), live(statements),
    )  # fmt: skip
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for entity_id, schema, prop, value in conn.execute(query):
        row = found[entity_id]
        row.setdefault("id", entity_id)
        row["kind"] = _kind(entity_id, schema)
        if prop in ("latitude", "longitude"):
            row[prop[:3]] = _number(value)
        else:
            row.setdefault(prop, value)
    places = [p for p in found.values() if p.get("lat") is not None and p.get("lon") is not None]
    checkpoints = {p.get("name", "").casefold() for p in places if p["kind"] == "checkpoint"}
    shown = [
        p for p in places if p["kind"] != "place" or p.get("name", "").casefold() not in checkpoints
    ]
    return sorted(shown, key=lambda p: (p["kind"], p.get("name", ""), p["id"])), truncated


#: Event tables and the columns that refer to entities (the map and timeline of a selection).
_EVENT_REFS = {
    "border_crossings": ("person_id", "vehicle_id"),
    "plate_reads": ("vehicle_id",),
    "declarations": ("declarant_id", "consignor_id", "consignee_id", "vehicle_id"),
}
_EVENT_LABELS = {
    "border_crossings": ("direction", "checkpoint_id"),
    "plate_reads": ("plate", "camera_id"),
    "declarations": ("reference", "office_code"),
}


def _members(conn: Connection, ids: list[str]) -> dict[str, str]:
    """Source id -> the selected (canonical) id it belongs to, the selected ids included."""
    from pasienis.model.models import resolver

    out = {i: i for i in ids}
    canon = select(resolver.c.entity_id, resolver.c.canonical_id).where(
        resolver.c.canonical_id.in_(ids)
    )
    for source, canonical in conn.execute(canon):
        out.setdefault(source, canonical)
    return out


def entity_events(
    conn: Connection, *, entity_ids: list[str], datasets: Iterable[str], limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Crossings, plate reads and declarations of the entities (and their merged records).

    Returns the events oldest first and whether ``limit`` cut the list (never silently).
    """
    from sqlalchemy import or_

    from pasienis.model.events import EVENT_TABLES

    members = _members(conn, entity_ids)
    allowed = list(datasets)
    events: list[dict[str, Any]] = []
    for name, refs in _EVENT_REFS.items():
        table = EVENT_TABLES[name]
        labels = [table.c[c] for c in _EVENT_LABELS[name]]
        cols = [table.c.id, table.c.occurred_at, table.c.dataset, table.c.locator,
                *(table.c[r] for r in refs), *labels]  # fmt: skip
        if "lat" in table.c:
            cols += [table.c.lat, table.c.lon]
        query = select(*cols).where(
            or_(*(table.c[r].in_(list(members)) for r in refs)),
            table.c.dataset.in_(allowed), live(table),
        ).order_by(table.c.occurred_at).limit(limit + 1)  # fmt: skip
        for row in conn.execute(query):
            data = dict(row._mapping)
            who = sorted({members[data[r]] for r in refs if data.get(r) in members})
            events.append({
                "kind": name, "id": data["id"], "occurred_at": data["occurred_at"].isoformat(),
                "lat": data.get("lat"), "lon": data.get("lon"), "dataset": data["dataset"],
                "locator": data["locator"], "entity_ids": who,
                "checkpoint_id": data.get("checkpoint_id"),
                "label": " · ".join(str(data[c]) for c in _EVENT_LABELS[name] if data.get(c)),
            })  # fmt: skip
    events.sort(key=lambda e: e["occurred_at"])
    return events[:limit], len(events) > limit
