"""The shared base map: tile sources served by the app (PMTiles with range requests, MBTiles),
and the offline fallback drawing roads, towns and checkpoints in the analyst map and the
dispatcher console (headless Chromium)."""

from __future__ import annotations

import http.server
import io
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from analyst_helpers import AnalystSite, axe_violations, open_page, serve, shoot
from PIL import Image

from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.scenario.roads import build_network, write_osm
from pasienis.security.compartments import register_dataset
from pasienis.store import open_store

SEEN = datetime(2026, 9, 1, tzinfo=UTC)


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, format="PNG")
    return out.getvalue()


def write_pmtiles(path: Path, tile_type: Any, data: bytes) -> None:
    from pmtiles.tile import Compression, zxy_to_tileid
    from pmtiles.writer import Writer

    with path.open("wb") as handle:
        writer = Writer(handle)
        for z, x, y in ((0, 0, 0), (1, 1, 0)):
            writer.write_tile(zxy_to_tileid(z, x, y), data)
        writer.finalize({"tile_type": tile_type, "tile_compression": Compression.NONE,
                         "min_lon_e7": int(20e7), "min_lat_e7": int(53e7),
                         "max_lon_e7": int(27e7), "max_lat_e7": int(57e7),
                         "center_zoom": 1, "center_lon_e7": int(24e7), "center_lat_e7": int(55e7)},
                        {"attribution": "test tiles"})  # fmt: skip


def write_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name text, value text)")
        db.execute("CREATE TABLE tiles (zoom_level int, tile_column int, tile_row int, "
                   "tile_data blob)")  # fmt: skip
        db.executemany("INSERT INTO metadata VALUES (?, ?)",
                       [("format", "png"), ("minzoom", "0"), ("maxzoom", "1")])  # fmt: skip
        for (z, x, y), data in tiles.items():
            db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))


def seed_places(site: AnalystSite) -> None:
    """A checkpoint and a camera as the scenario mappings make them (towns come by import)."""
    store = open_store(site.settings)
    rows = entity_statements(
        "checkpoint-medininkai",
        "BorderCheckpoint",
        {"name": "Medininkai", "code": "MED", "latitude": "54.5386", "longitude": "25.6497"},
        Provenance("scenario_crossings", SEEN),
    )
    rows += entity_statements("anpr-camera-a1-01", "Address",
                              {"name": "A1-01 — Kaunas west", "full": "A1-01",
                               "latitude": "54.90", "longitude": "23.80"},
                              Provenance("scenario_cameras", SEEN))  # fmt: skip
    try:
        with store.begin() as conn:
            for name in ("scenario_crossings", "scenario_cameras"):
                register_dataset(conn, name=name)
            write_statements(store, conn, rows)
    finally:
        store.dispose()


@pytest.fixture
def roads_osm(tmp_path: Path) -> Path:
    path = tmp_path / "roads.osm"
    write_osm(build_network(), path)
    return path


def import_places(site: AnalystSite, roads_osm: Path) -> None:
    """The road network's named nodes through the shipped mapping, as `make demo` does."""
    with roads_osm.open("rb") as handle:
        job = site.api("POST", "/api/imports", files={"file": ("roads.osm", handle)},
                       data={"mapping_name": "scenario/roads"})  # fmt: skip
    from web_helpers import wait_for

    done = wait_for(lambda: (j := site.api("GET", f"/api/jobs/{job['job_id']}"))["status"]
                    in {"succeeded", "failed"} and j)  # fmt: skip
    assert done["status"] == "succeeded", done
    assert done["result"]["entities"] > 10, done["result"]


def test_tile_sources_and_range_requests(sqlite_template: Path, tmp_path: Path) -> None:
    from pmtiles.tile import TileType

    with serve(sqlite_template, tmp_path) as site:
        assert site.api("GET", "/api/map/config")["kind"] == "fallback"
        maps = site.settings.data_dir / "maps"
        maps.mkdir()
        write_pmtiles(maps / "b-vector.pmtiles", TileType.MVT, b"\x1a\x00")
        config = site.api("GET", "/api/map/config")
        assert config["kind"] == "fallback"
        assert "b-vector.pmtiles" in config["problems"][0]
        assert "raster" in config["problems"][0]
        write_pmtiles(maps / "c-raster.pmtiles", TileType.PNG, png((200, 10, 10)))
        config = site.api("GET", "/api/map/config")
        assert config["kind"] == "pmtiles"
        assert config["url"] == "/api/map/files/c-raster.pmtiles"
        assert (config["min_zoom"], config["max_zoom"]) == (0, 1)
        whole = (maps / "c-raster.pmtiles").read_bytes()
        auth = {"Authorization": f"Bearer {site.tokens['disp']}"}
        part = httpx.get(site.url + config["url"], headers={**auth, "Range": "bytes=0-126"})
        assert part.status_code == 206
        assert part.content == whole[:127]
        assert part.headers["content-range"] == f"bytes 0-126/{len(whole)}"
        tail = httpx.get(site.url + config["url"], headers={**auth, "Range": "bytes=127-"})
        assert tail.content == whole[127:]
        assert httpx.get(site.url + config["url"]).status_code == 401
        assert httpx.get(site.url + "/api/map/files/..%2Fanalyst.db", headers=auth).status_code in (
            404, 422)  # fmt: skip

        (maps / "b-vector.pmtiles").unlink()
        (maps / "c-raster.pmtiles").unlink()
        red, blue = png((255, 0, 0)), png((0, 0, 255))
        write_mbtiles(maps / "lt.mbtiles", {(0, 0, 0): red, (1, 1, 0): blue})
        config = site.api("GET", "/api/map/config")
        assert config["kind"] == "mbtiles"
        tile = httpx.get(site.url + "/api/map/files/lt.mbtiles/1/1/0", headers=auth)
        assert tile.headers["content-type"] == "image/png"
        assert tile.content == blue, "XYZ row 0 is TMS row 1"
        tile_url = site.url + "/api/map/files/lt.mbtiles/"
        assert httpx.get(tile_url + "1/0/1", headers=auth).status_code == 204
        assert httpx.get(tile_url + "1/2/0", headers=auth).status_code == 422


class _Tiles(http.server.BaseHTTPRequestHandler):
    """A stand-in tile server on another origin: the same green tile for every address."""

    tile = b""
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(self.tile)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.browser
def test_configured_tile_url_wins_and_the_policy_lets_its_images_in(
    sqlite_template: Path, tmp_path: Path, browser: Any
) -> None:
    _Tiles.tile = png((0, 160, 0))
    tiles = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    # localhost, not 127.0.0.1: another origin than the app's
    url = f"http://localhost:{tiles.server_port}/{{z}}/{{x}}/{{y}}.png"
    try:
        with serve(sqlite_template, tmp_path, map_tile_url=url) as site:
            config = site.api("GET", "/api/map/config", who="disp")
            assert config == {**config, "kind": "url", "url": url}
            policy = httpx.get(site.url + "/web/index.html").headers["content-security-policy"]
            assert f"img-src 'self' data: blob: http://localhost:{tiles.server_port};" in policy
            page = open_page(browser, site, "#/map")
            page.wait_for_selector("#analyst-map[data-basemap=url]")
            page.wait_for_selector(".leaflet-tile-pane img.leaflet-tile-loaded", state="attached")
            assert any(p.startswith("/7/") for p in _Tiles.asked)
            page.context.close()
    finally:
        tiles.shutdown()


@pytest.mark.browser
def test_fallback_draws_roads_towns_and_checkpoints(
    sqlite_template: Path, tmp_path: Path, roads_osm: Path, browser: Any
) -> None:
    with serve(sqlite_template, tmp_path, map_roads_file=roads_osm) as site:
        import_places(site, roads_osm)
        seed_places(site)
        roads = site.api("GET", "/api/map/roads", who="disp")
        assert {f["properties"].get("ref") for f in roads["features"]} >= {"A1", "A2", "A4"}
        answer = site.api("GET", "/api/map/places", who="disp")
        assert answer["truncated"] is False
        places = answer["places"]
        assert site.api("GET", "/api/map/places", who="disp", params={"limit": 3})["truncated"]
        kinds = {p["name"]: p["kind"] for p in places}
        assert kinds["Medininkai"] == "checkpoint", "the town node named like it is not doubled"
        assert kinds["Vilnius"] == "place"
        assert kinds["A1-01 — Kaunas west"] == "camera"
        for lang in ("en", "lt"):
            page = open_page(browser, site, "#/map", lang=lang)
            page.wait_for_selector("#analyst-map[data-basemap=fallback]")
            page.wait_for_selector(".basemap-checkpoint")
            assert page.locator("path.basemap-road").count() == len(roads["features"])
            towns = page.locator(".basemap-town .name").all_inner_texts()
            assert "Vilnius" in towns
            assert "Kaunas" in towns
            assert "Medininkai" in page.locator(".basemap-checkpoint .name").all_inner_texts()
            assert "Medininkai" not in towns
            shoot(page, "map-fallback", lang)
            assert axe_violations(page) == []
            page.context.close()
        console = open_page(browser, site, "", who="disp")
        console.goto(f"{site.url}/web/dispatch/")
        console.wait_for_selector("#map[data-basemap=fallback]")
        console.wait_for_selector(".basemap-checkpoint")
        assert console.locator("path.basemap-road").count() == len(roads["features"])
        assert "Vilnius" in console.locator(".basemap-town .name").all_inner_texts()
        console.context.close()


@pytest.mark.browser
def test_pmtiles_base_layer_is_drawn(sqlite_template: Path, tmp_path: Path, browser: Any) -> None:
    from pmtiles.tile import TileType

    with serve(sqlite_template, tmp_path) as site:
        (site.settings.data_dir / "maps").mkdir()
        write_pmtiles(site.settings.data_dir / "maps" / "lt.pmtiles", TileType.PNG, png((9, 99, 9)))
        page = open_page(browser, site, "#/map")
        page.wait_for_selector("#analyst-map[data-basemap=pmtiles]")
        page.wait_for_selector(".leaflet-tile-pane img.leaflet-tile-loaded", state="attached")
        assert page.locator(".basemap-road").count() == 0
        page.context.close()
