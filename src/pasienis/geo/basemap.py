"""The base map of the browser maps: which tile source to use, local tile files, the fallback.

Three sources, first found wins:

1. a tile URL template an administrator configures (``PASIENIS_MAP_TILE_URL``);
2. a raster PMTiles or MBTiles file dropped into ``<data_dir>/maps/`` (or ``<data_dir>``),
   served by the app itself (PMTiles by HTTP range requests, MBTiles tile by tile);
3. otherwise the fallback the browser draws from vectors: the country borders shipped with the
   package plus the roads of the routing extract and the places the store knows.

Only raster tiles are used: the browser maps draw with Leaflet (no WebGL in headless Chromium),
which cannot style vector tiles. A vector file is reported, not silently shown blank.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pasienis.config import Settings
from pasienis.geo.errors import GeoError

#: PMTiles v3 header: tile type byte at offset 99, zooms at 100/101 (spec "Header", v3).
_PMTILES_MAGIC = b"PMTiles"
_PMTILES_TYPES = {0: "unknown", 1: "mvt", 2: "png", 3: "jpeg", 4: "webp", 5: "avif"}
_RASTER = frozenset({"png", "jpeg", "jpg", "webp"})
_MEDIA = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp"}
TILE_SUFFIXES = (".pmtiles", ".mbtiles")


class BaseMapError(GeoError):
    """A base-map file that cannot be used (not raster, corrupt, unknown format)."""

    status_code = 422
    kind = "basemap"


@dataclass(frozen=True)
class TileFile:
    """A local tile archive: its name (served under that name), format and zoom range."""

    path: Path
    kind: str  # "pmtiles" or "mbtiles"
    tile_format: str
    min_zoom: int
    max_zoom: int
    attribution: str | None = None

    @property
    def name(self) -> str:
        """The file name, which is also its address under ``/api/map/files/``."""
        return self.path.name


def maps_dirs(settings: Settings) -> list[Path]:
    """Where an administrator drops tile files: ``<data_dir>/maps`` first, then ``<data_dir>``."""
    return [Path(settings.data_dir) / "maps", Path(settings.data_dir)]


def _pmtiles_header(path: Path) -> TileFile:
    with path.open("rb") as handle:
        head = handle.read(127)
    if len(head) < 127 or not head.startswith(_PMTILES_MAGIC):
        raise BaseMapError(f"{path}: not a PMTiles file (no PMTiles header)")
    if head[7] != 3:
        raise BaseMapError(f"{path}: PMTiles version {head[7]}, only version 3 is read")
    fmt = _PMTILES_TYPES.get(head[99], "unknown")
    return TileFile(path, "pmtiles", fmt, head[100], head[101])


def _mbtiles_metadata(path: Path) -> TileFile:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = db.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BaseMapError(f"{path}: not an MBTiles file ({exc})") from exc
    fmt = str(meta.get("format", "png")).lower()
    low = int(meta.get("minzoom", zooms[0] if zooms[0] is not None else 0))
    high = int(meta.get("maxzoom", zooms[1] if zooms[1] is not None else 0))
    return TileFile(path, "mbtiles", fmt, low, high, meta.get("attribution"))


def read_tile_file(path: Path) -> TileFile:
    """Describe a ``.pmtiles`` or ``.mbtiles`` file; :class:`BaseMapError` when unusable."""
    suffix = path.suffix.lower()
    if suffix == ".pmtiles":
        found = _pmtiles_header(path)
    elif suffix == ".mbtiles":
        found = _mbtiles_metadata(path)
    else:
        raise BaseMapError(f"{path}: not a tile file", hint="use .pmtiles or .mbtiles")
    if found.tile_format not in _RASTER:
        raise BaseMapError(
            f"{path}: {found.tile_format} tiles; the browser maps draw raster tiles only",
            hint="use a raster (png, jpeg, webp) PMTiles or MBTiles file",
        )
    return found


def local_tile_files(settings: Settings) -> list[Path]:
    """Tile files in the maps folders, by name (the first one is the base map)."""
    found: list[Path] = []
    for folder in maps_dirs(settings):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix.lower() in TILE_SUFFIXES)
    return found


def find_tile_file(settings: Settings, name: str) -> TileFile:
    """The local tile file called ``name`` (only files in the maps folders, no paths)."""
    for path in local_tile_files(settings):
        if path.name == name:
            return read_tile_file(path)
    raise BaseMapError(f"no base-map file {name!r}", hint=f"put it in {maps_dirs(settings)[0]}")


def tile_source(settings: Settings) -> dict[str, Any]:
    """What the browser should draw, with a ``problems`` list naming files it could not use."""
    attribution = settings.map_tile_attribution
    if settings.map_tile_url:
        return {"kind": "url", "url": settings.map_tile_url, "attribution": attribution,
                "max_zoom": settings.map_tile_max_zoom, "problems": []}  # fmt: skip
    problems: list[str] = []
    for path in local_tile_files(settings):
        try:
            found = read_tile_file(path)
        except BaseMapError as exc:
            problems.append(str(exc) + (f" — {exc.hint}" if exc.hint else ""))
            continue
        url = f"/api/map/files/{found.name}"
        if found.kind == "mbtiles":
            url += "/{z}/{x}/{y}"
        return {"kind": found.kind, "url": url, "name": found.name, "format": found.tile_format,
                "min_zoom": found.min_zoom, "max_zoom": found.max_zoom,
                "attribution": found.attribution or attribution, "problems": problems}  # fmt: skip
    return {"kind": "fallback", "problems": problems, "attribution": None}


def mbtiles_tile(found: TileFile, z: int, x: int, y: int) -> tuple[bytes, str] | None:
    """One tile of an MBTiles file (XYZ address; the file stores TMS rows) and its media type."""
    row = (1 << z) - 1 - y
    with sqlite3.connect(f"file:{found.path}?mode=ro", uri=True) as db:
        hit = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, row),
        ).fetchone()
    if hit is None:
        return None
    return bytes(hit[0]), _MEDIA.get(found.tile_format, "application/octet-stream")


def describe(found: TileFile) -> dict[str, Any]:
    """A JSON-ready description (path as text)."""
    out = asdict(found)
    out["path"] = str(found.path)
    return out
