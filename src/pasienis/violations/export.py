"""Any cell analysis as GeoJSON (map layers, GIS) or CSV (spreadsheets)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

import h3


def cell_polygon(cell_id: str) -> list[list[float]]:
    """The cell as a closed GeoJSON ring ([lon, lat] pairs)."""
    ring = [[round(lon, 6), round(lat, 6)] for lat, lon in h3.cell_to_boundary(cell_id)]
    return [*ring, ring[0]]


def cells_geojson(rows: Iterable[Mapping[str, Any]], **meta: Any) -> dict[str, Any]:
    """A FeatureCollection of cells; each row needs ``cell`` and carries its other fields."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [cell_polygon(str(row["cell"]))]},
            "properties": dict(row),
        }
        for row in rows
    ]
    return {"type": "FeatureCollection", "features": features, "properties": meta}


def rows_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text with a header from the first row's keys (lat/lon of the cell centre added)."""
    out = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        record = dict(row)
        if "cell" in record and "lat" not in record:
            lat, lon = h3.cell_to_latlng(str(record["cell"]))
            record["lat"], record["lon"] = round(lat, 6), round(lon, 6)
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(record), lineterminator="\n")
            writer.writeheader()
        writer.writerow(record)
    return out.getvalue()
