"""``pasienis routing build``: real tiles from real extracts, and clear errors on bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from geo_cli import run_cli

from pasienis.config import Settings
from pasienis.geo import (
    TileBuildError,
    build_tiles,
    geodesic_m,
    has_tiles,
    make_router,
    read_manifest,
)
from pasienis.geo.valhalla import ValhallaRouter
from pasienis.scenario.roads import build_network, write_osm


def test_cli_build_wrote_tiles_and_a_manifest(helsinki_tiles: Path, helsinki_pbf: Path) -> None:
    assert has_tiles(helsinki_tiles)
    manifest = read_manifest(helsinki_tiles)
    assert manifest is not None
    assert manifest.source == str(helsinki_pbf.resolve())
    assert manifest.tiles >= 1
    assert manifest.bytes > 100_000
    assert manifest.valhalla_version.startswith("3.")
    config = json.loads((helsinki_tiles / "valhalla.json").read_text(encoding="utf-8"))
    assert config["mjolnir"]["tile_dir"] == str(helsinki_tiles.resolve())


def test_cli_status_and_eta(helsinki_tiles: Path, tmp_path: Path) -> None:
    status = run_cli("routing", "status", "--tiles", str(helsinki_tiles))
    assert status.returncode == 0, status.stderr
    assert '"method": "valhalla"' in status.stdout
    env = {"PASIENIS_ROUTING_TILES_DIR": str(helsinki_tiles)}
    eta = run_cli("routing", "eta", "60.1710,24.9410", "60.1675,24.9520", env=env)
    assert eta.returncode == 0, eta.stderr
    assert json.loads(eta.stdout)["method"] == "valhalla"
    empty = {"PASIENIS_ROUTING_TILES_DIR": str(tmp_path / "none")}
    fallback = run_cli("routing", "eta", "60.1710,24.9410", "60.1675,24.9520", env=empty)
    assert json.loads(fallback.stdout)["method"] == "great-circle"
    assert "great-circle" in run_cli("routing", "status", env=empty).stdout


def test_cli_rejects_bad_coordinates_with_one_line() -> None:
    done = run_cli("routing", "eta", "95,24.94", "60.1675,24.9520")
    assert done.returncode == 1
    assert "latitude 95.0 is outside -90..90" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_file_is_a_clear_error(tmp_path: Path) -> None:
    done = run_cli("routing", "build", str(tmp_path / "nowhere.osm.pbf"), "--tiles", "t")
    assert done.returncode == 1
    assert "nowhere.osm.pbf does not exist" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "extract.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(TileBuildError, match="cannot tell the format"):
        build_tiles(tmp_path / "extract.csv", tmp_path / "tiles")
    with pytest.raises(TileBuildError, match="is not a file"):
        build_tiles(tmp_path, tmp_path / "tiles")


def test_junk_pbf_is_rejected_before_building(tmp_path: Path) -> None:
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"this is not a protocol buffer" * 100)
    with pytest.raises(TileBuildError, match="not a readable OSM file: PBF error"):
        build_tiles(junk, tmp_path / "tiles")
    assert not (tmp_path / "tiles").exists()


def test_truncated_pbf_fails_and_keeps_the_old_tiles(
    helsinki_pbf: Path, helsinki_tiles: Path, tmp_path: Path
) -> None:
    # A download cut short: the header reads fine, the data does not.
    truncated = tmp_path / "cut.osm.pbf"
    truncated.write_bytes(helsinki_pbf.read_bytes()[:300_000])
    tiles = tmp_path / "tiles"
    build_tiles(helsinki_pbf, tiles)
    before = read_manifest(tiles)
    done = run_cli("routing", "build", str(truncated), "--tiles", str(tiles))
    assert done.returncode == 1
    assert "could not build tiles from cut.osm.pbf" in done.stderr
    assert "PBF error" in done.stderr
    assert read_manifest(tiles) == before  # the working tiles are untouched
    assert has_tiles(tiles)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tiles-")]


def test_osm_xml_without_roads_is_rejected(tmp_path: Path) -> None:
    xml = tmp_path / "empty.osm"
    xml.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
        '  <node id="1" version="1" lat="54.6" lon="25.2"/>\n</osm>\n',
        encoding="utf-8",
    )
    with pytest.raises(TileBuildError, match="holds no roads"):
        build_tiles(xml, tmp_path / "tiles")
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1' lat=", encoding="utf-8")
    with pytest.raises(TileBuildError, match="not readable OSM XML"):
        build_tiles(broken, tmp_path / "tiles")


def test_scenario_roads_osm_builds_and_routes(tmp_path: Path) -> None:
    """The scenario's coarse Lithuanian A-road network (OSM XML) becomes routable tiles."""
    roads = tmp_path / "roads.osm"
    write_osm(build_network(), roads)
    tiles = tmp_path / "tiles"
    done = run_cli("routing", "build", str(roads), "--tiles", str(tiles))
    assert done.returncode == 0, done.stderr
    router = ValhallaRouter(tiles)
    vilnius, klaipeda = (54.6872, 25.2797), (55.7033, 21.1443)
    eta = router.eta(vilnius, klaipeda)
    straight = geodesic_m(*vilnius, *klaipeda)
    assert eta.method == "valhalla"
    assert straight < eta.metres < 1.4 * straight  # along the A1, not a straight line
    assert 2 * 3600 < eta.seconds < 4 * 3600  # ~300 km at motorway/trunk speeds


def test_a_rebuild_is_picked_up_without_a_restart(helsinki_pbf: Path, tmp_path: Path) -> None:
    tiles = tmp_path / "tiles"
    settings = Settings(data_dir=tmp_path, routing_tiles_dir=tiles)
    assert make_router(settings).method == "great-circle"
    build_tiles(helsinki_pbf, tiles)
    first = make_router(settings)
    assert first.method == "valhalla"
    assert make_router(settings) is first  # cached per build
    build_tiles(helsinki_pbf, tiles)
    second = make_router(settings)
    assert second is not first
    assert second.eta((60.1710, 24.9410), (60.1675, 24.9520)).method == "valhalla"


def test_cli_intercept(helsinki_tiles: Path) -> None:
    env = {"PASIENIS_ROUTING_TILES_DIR": str(helsinki_tiles)}
    args = ["--camera", "60.1650,24.9375", "--to", "60.1785,24.9505", "--every-km", "0.2"]
    near = run_cli("routing", "intercept", *args, "--unit", "60.1712,24.9469", env=env)
    assert near.returncode == 0, near.stderr
    points = json.loads(near.stdout)
    assert points
    assert all(p["margin_s"] > 0 for p in points)
    assert points[0]["unit_eta"]["method"] == "valhalla"
    far = run_cli("routing", "intercept", *args, "--unit", "60.30,24.95", env=env)
    assert json.loads(far.stdout) == []
    bad = run_cli("routing", "intercept", *args, "--unit", "60.3", env=env)
    assert bad.returncode == 1
    assert "expected 'lat,lon'" in bad.stderr
