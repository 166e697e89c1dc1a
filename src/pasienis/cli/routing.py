"""``pasienis routing``: build Valhalla tiles from an OSM extract, check them, ask for ETAs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from pasienis.cli.context import settings
from pasienis.geo import (
    GeoError,
    build_tiles,
    has_tiles,
    interception_points,
    make_router,
    parse_latlon,
    read_manifest,
    tiles_dir,
)

app = typer.Typer(
    help="Road routing: build tiles from OpenStreetMap, check them, compute ETAs.",
    no_args_is_help=True,
)
out = Console()


def _target(tiles: Path | None) -> Path:
    return tiles or tiles_dir(settings())


@app.command("build")
def build_command(
    extract: Path = typer.Argument(..., help="OSM extract: .osm.pbf (Geofabrik) or .osm XML."),
    tiles: Path | None = typer.Option(
        None, "--tiles", help="Tiles folder (default: PASIENIS_ROUTING_TILES_DIR setting)."
    ),
) -> None:
    """Build routing tiles, offline; replaces existing tiles only when the build succeeds."""
    target = _target(tiles)
    with out.status(f"building routing tiles from {extract.name}"):
        build = build_tiles(extract, target)
    out.print_json(json.dumps(build.to_dict()))
    out.print(f"{build.tiles} tiles in [bold]{target}[/] built in {build.seconds:.1f} s")


@app.command("status")
def status_command(
    tiles: Path | None = typer.Option(None, "--tiles", help="Tiles folder to check."),
) -> None:
    """Say whether road routing is available, and from which extract the tiles were built."""
    target = _target(tiles)
    manifest = read_manifest(target)
    if not has_tiles(target):
        out.print(f"no routing tiles in {target}: ETAs are great-circle estimates")
        return
    out.print_json(
        json.dumps(
            {
                "tiles_dir": str(target),
                "method": "valhalla",
                **(manifest.to_dict() if manifest else {}),
            }
        )
    )


@app.command("eta")
def eta_command(
    origin: str = typer.Argument(..., help="From, as lat,lon."),
    destination: str = typer.Argument(..., help="To, as lat,lon."),
) -> None:
    """Print the ETA between two points as JSON (and how it was estimated)."""
    router = make_router(settings())
    eta = router.eta(parse_latlon(origin), parse_latlon(destination))
    out.print_json(json.dumps(eta.to_dict()))


@app.command("intercept")
def intercept_command(
    camera: str = typer.Option(..., "--camera", help="Where the plate was read, lat,lon."),
    destination: str = typer.Option(..., "--to", help="Where the vehicle heads, lat,lon."),
    unit: str = typer.Option(..., "--unit", help="The unit's position now, lat,lon."),
    read_at: datetime | None = typer.Option(
        None, "--read-at", help="When the plate was read (ISO, UTC if no offset); default now."
    ),
    every_km: float = typer.Option(5.0, "--every-km", help="Spacing of candidate points."),
) -> None:
    """List points ahead of the vehicle the unit can reach first, best margin first (JSON)."""
    now = datetime.now(UTC)
    read = now if read_at is None else read_at
    if read.tzinfo is None:
        read = read.replace(tzinfo=UTC)
    if every_km <= 0:
        raise GeoError(f"--every-km must be positive, got {every_km}")
    points = interception_points(
        make_router(settings()),
        camera=parse_latlon(camera),
        destination=parse_latlon(destination),
        read_at=read,
        unit=parse_latlon(unit),
        now=now,
        every_m=every_km * 1000.0,
    )
    out.print_json(json.dumps([p.to_dict() for p in points]))
