"""Build Valhalla routing tiles from an OpenStreetMap extract, offline.

Valhalla's tile builder (``valhalla_build_tiles``, shipped as an executable inside the
``pyvalhalla`` wheel) reads only PBF. An OSM XML file (``.osm``, e.g. the scenario's
``roads.osm``; also ``.osm.gz``/``.osm.bz2``) is first rewritten as PBF with pyosmium.

Tiles are built in a staging folder next to the target and swapped in only when the build
succeeded, so a failed or interrupted build never leaves a running server with broken tiles.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pasienis.geo.errors import TileBuildError

MANIFEST = "pasienis-tiles.json"
_PBF_SUFFIXES = (".pbf",)
_XML_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".xml")


@dataclass(frozen=True)
class TileBuild:
    """What one build produced, also written to ``pasienis-tiles.json`` in the tiles folder."""

    source: str
    source_sha256: str
    tiles_dir: str
    tiles: int
    bytes: int
    seconds: float
    built_at: str
    valhalla_version: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


def _check_extract(extract: Path) -> str:
    """Return the extract's kind (``pbf`` or ``xml``) or raise a clear error."""
    if not extract.exists():
        raise TileBuildError(
            f"OSM extract {extract} does not exist",
            hint="download e.g. lithuania-latest.osm.pbf from Geofabrik and pass its path",
        )
    if not extract.is_file():
        raise TileBuildError(f"OSM extract {extract} is not a file")
    name = extract.name.lower()
    if name.endswith(_PBF_SUFFIXES):
        return "pbf"
    if name.endswith(_XML_SUFFIXES):
        return "xml"
    raise TileBuildError(
        f"cannot tell the format of {extract.name}",
        hint="name it .osm.pbf (PBF) or .osm (OSM XML)",
    )


def _read_header(extract: Path) -> None:
    """Open the file with libosmium to fail fast, with its message, on a file that is not OSM."""
    import osmium

    try:
        reader = osmium.io.Reader(str(extract), osmium.osm.osm_entity_bits.NOTHING)
        reader.header()
        reader.close()
    except RuntimeError as exc:
        raise TileBuildError(
            f"{extract.name} is not a readable OSM file: {exc}",
            hint="the file may be truncated or corrupt; download the extract again",
        ) from None


def _to_pbf(extract: Path, work: Path) -> Path:
    """Rewrite an OSM XML file as PBF (Valhalla reads only PBF)."""
    import osmium

    target = work / "extract.osm.pbf"
    roads = 0
    try:
        with osmium.SimpleWriter(str(target)) as writer:
            for obj in osmium.FileProcessor(str(extract)):
                roads += obj.is_way() and "highway" in obj.tags
                writer.add(obj)
    except RuntimeError as exc:
        raise TileBuildError(
            f"{extract.name} is not readable OSM XML: {exc}",
            hint="check that the file is complete OSM XML 0.6",
        ) from None
    if not roads:
        raise _no_roads(extract)
    return target


def _no_roads(extract: Path) -> TileBuildError:
    return TileBuildError(
        f"{extract.name} holds no roads Valhalla can route on",
        hint="use an extract with highway=* ways (e.g. from Geofabrik)",
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _valhalla_config(staging: Path) -> dict[str, Any]:
    from valhalla.valhalla_build_config import Optional, config

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if not isinstance(v, Optional)}
        return value

    cfg = json.loads(json.dumps(clean(config)))  # a deep copy: never touch the module's dict
    cfg["mjolnir"]["tile_dir"] = str(staging)
    cfg["mjolnir"]["tile_extract"] = ""
    # No timezone or admin databases: they need a separate download; ETAs do not use them.
    cfg["mjolnir"]["timezone"] = ""
    cfg["mjolnir"]["admin"] = ""
    cfg["mjolnir"]["traffic_extract"] = ""
    cfg["mjolnir"]["transit_dir"] = ""
    cfg["mjolnir"]["concurrency"] = max(1, min(os.cpu_count() or 1, 8))
    cfg["logging"] = {"type": "std_out", "color": False}
    return cfg


def _run_builder(config_path: Path, pbf: Path, log: Path) -> None:
    from valhalla import PYVALHALLA_DIR

    binary = PYVALHALLA_DIR / "bin" / "valhalla_build_tiles"
    if not binary.is_file():
        raise TileBuildError(
            f"valhalla_build_tiles not found at {binary}", hint="reinstall pyvalhalla"
        )
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.run(  # noqa: S603 - fixed binary from the pyvalhalla wheel, no shell
            [str(binary), "-c", str(config_path), str(pbf)],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if proc.returncode != 0:
        raise TileBuildError(
            f"Valhalla could not build tiles from {pbf.name}: {_failure(log)}",
            hint="the extract may be corrupt; see the message above",
        )


def _failure(log: Path) -> str:
    """The most telling line of a failed build log (libosmium/Valhalla exception text)."""
    lines = [ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines()]
    for marker in ("what():", "[ERROR]", "error"):
        hits = [ln for ln in lines if marker in ln]
        if hits:
            return hits[-1].split("what():")[-1].strip()
    return lines[-1] if lines else "no output"


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` so that readers see old or new tiles, never half."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _tile_stats(folder: Path) -> tuple[int, int]:
    tiles = list(folder.rglob("*.gph"))
    return len(tiles), sum(t.stat().st_size for t in tiles)


def build_tiles(extract: Path, tiles_dir: Path) -> TileBuild:
    """Build routing tiles for ``tiles_dir`` from an OSM extract (PBF or XML), offline.

    Raises:
        TileBuildError: Missing, unrecognised or corrupt extract, or an extract with no roads.
    """
    import valhalla

    kind = _check_extract(extract)
    if kind == "pbf":
        _read_header(extract)
    tiles_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".tiles-", dir=tiles_dir.parent) as tmp:
        work = Path(tmp)
        pbf = extract if kind == "pbf" else _to_pbf(extract, work)
        staging = work / "tiles"
        staging.mkdir()
        config_path = staging / "valhalla.json"
        config_path.write_text(json.dumps(_valhalla_config(staging), indent=1), encoding="utf-8")
        _run_builder(config_path, pbf, work / "build.log")
        count, size = _tile_stats(staging)
        if count == 0:
            raise _no_roads(extract)
        shutil.copyfile(work / "build.log", staging / "build.log")
        build = TileBuild(
            source=str(extract.resolve()),
            source_sha256=_sha256(extract),
            tiles_dir=str(tiles_dir.resolve()),
            tiles=count,
            bytes=size,
            seconds=round(time.perf_counter() - started, 3),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            valhalla_version=str(valhalla.__version__),
        )
        (staging / MANIFEST).write_text(json.dumps(build.to_dict(), indent=1), encoding="utf-8")
        _swap_in(staging, tiles_dir)
    # Leave the config an administrator can hand to valhalla_service, pointing at the result.
    final = _valhalla_config(tiles_dir.resolve())
    (tiles_dir / "valhalla.json").write_text(json.dumps(final, indent=1), encoding="utf-8")
    return build


def read_manifest(tiles_dir: Path) -> TileBuild | None:
    """The manifest of the tiles in ``tiles_dir``, or ``None`` if none were built there."""
    path = tiles_dir / MANIFEST
    if not path.is_file():
        return None
    return TileBuild(**json.loads(path.read_text(encoding="utf-8")))
