"""Base map sources and the fallback's places and events, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from pasienis.config import Settings
from pasienis.geo import BaseMapError, entity_events, located_places, read_tile_file, tile_source
from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.model.events import border_crossings, plate_reads
from pasienis.model.models import resolver
from pasienis.store import Store

T0 = datetime(2026, 9, 1, 8, tzinfo=UTC)


def put(store: Store, entity_id: str, schema: str, props: dict[str, str], dataset: str) -> None:
    with store.begin() as conn:
        write_statements(store, conn, entity_statements(entity_id, schema, props,
                                                        Provenance(dataset, T0)))  # fmt: skip


def test_places_by_kind_through_grants(store: Store) -> None:
    put(store, "checkpoint-med", "BorderCheckpoint",
        {"name": "Medininkai", "latitude": "54.54", "longitude": "25.65"}, "crossings")  # fmt: skip
    put(store, "osm-node-1", "Address",
        {"name": "Medininkai", "latitude": "54.53", "longitude": "25.76"}, "places")  # fmt: skip
    put(store, "osm-node-2", "Address",
        {"name": "Vilnius", "latitude": "54.69", "longitude": "25.28"}, "places")  # fmt: skip
    put(store, "anpr-camera-x", "Address",
        {"name": "A1-01", "latitude": "54.9", "longitude": "23.8"}, "cameras")  # fmt: skip
    put(store, "osm-node-3", "Address", {"name": "No coordinates"}, "places")
    with store.read() as conn:
        every, cut = located_places(conn, datasets=["crossings", "places", "cameras"])
        only_places, _ = located_places(conn, datasets=["places"])
        first, truncated = located_places(conn, datasets=["places", "cameras"], limit=1)
    assert not cut
    assert [(p["kind"], p["name"]) for p in every] == [
        ("camera", "A1-01"), ("checkpoint", "Medininkai"), ("place", "Vilnius")]  # fmt: skip
    assert {p["name"] for p in only_places} == {"Medininkai", "Vilnius"}, "no checkpoint to hide it"
    assert truncated
    assert len(first) == 1


def test_events_of_merged_entities_oldest_first_with_grants(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(insert(plate_reads), [
            {"id": f"pr-{i}", "occurred_at": T0 + timedelta(days=i), "lat": 54.6, "lon": 25.2,
             "dataset": "anpr" if i < 3 else "secret", "camera_id": "C1", "plate": "KDL482",
             "vehicle_id": "veh-a" if i % 2 else "veh-b"}
            for i in range(4)
        ])  # fmt: skip
        conn.execute(insert(border_crossings), [{
            "id": "bc-1", "occurred_at": T0 - timedelta(days=1), "dataset": "border",
            "direction": "entry", "person_id": "per-1", "vehicle_id": "veh-b",
            "checkpoint_id": "checkpoint-med"}])  # fmt: skip
        conn.execute(insert(resolver), [{"entity_id": "veh-b", "canonical_id": "veh-a",
                                         "updated_at": T0}])  # fmt: skip
    with store.read() as conn:
        events, cut = entity_events(conn, entity_ids=["veh-a"], datasets=["anpr", "border"],
                                    limit=100)  # fmt: skip
        few, truncated = entity_events(conn, entity_ids=["veh-a"], datasets=["anpr", "border"],
                                       limit=2)  # fmt: skip
    assert [e["id"] for e in events] == ["bc-1", "pr-0", "pr-1", "pr-2"], "pr-3 is not granted"
    assert {tuple(e["entity_ids"]) for e in events} == {("veh-a",)}, "members fold to the canonical"
    assert events[0]["checkpoint_id"] == "checkpoint-med"
    assert not cut
    assert truncated
    assert len(few) == 2


def test_unusable_tile_files_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "maps"
    bad.mkdir()
    (bad / "broken.pmtiles").write_bytes(b"not a pmtiles file")
    (bad / "broken.mbtiles").write_bytes(b"not sqlite either, far too short to be one")
    for path in sorted(bad.iterdir()):
        with pytest.raises(BaseMapError, match=path.name):
            read_tile_file(path)
    source = tile_source(Settings(data_dir=tmp_path))
    assert source["kind"] == "fallback"
    assert len(source["problems"]) == 2
