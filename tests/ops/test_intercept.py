"""Interception of a moving vehicle on a real generated scenario and real Valhalla tiles.

Once per module: a small scenario (seed 7, scale 0.2) is generated and Valhalla tiles are built
from its ``roads.osm``. Each test loads the scenario's cameras, checkpoints (crossings) and
plate reads through the real ingest path into a fresh store (SQLite and PostgreSQL) and places
units through the real position path (``accept_fix``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ops_helpers import make_unit, person
from sqlalchemy import insert, select

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.geo import GreatCircleRouter, Router, build_tiles, geodesic_m, make_router
from pasienis.ingest import load_mapping, run_import
from pasienis.ingest.mappings.scenario import FOLDER
from pasienis.model.events import plate_reads
from pasienis.ops import intercept, service
from pasienis.ops.fixes import Fix
from pasienis.ops.positions import accept_fix
from pasienis.ops.quality import FixRules
from pasienis.scenario import generate
from pasienis.security import Role
from pasienis.security.audit import search_audit
from pasienis.store import Store

FILES = (("cameras.csv", "cameras.yml"), ("crossings.csv", "crossings.yml"),
         ("plate_reads.csv", "plate_reads.yml"))  # fmt: skip
KLAIPEDA = (55.7033, 21.1443)  # ~300 km from the eastern border posts


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("intercept-scenario")
    generate(seed=7, scale=0.2, out=out)
    return out


@pytest.fixture(scope="module")
def tiles(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("intercept-routing") / "tiles"
    build_tiles(scenario / "roads.osm", target)
    return target


@pytest.fixture(scope="module")
def routed(tiles: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("intercept-data"), routing_tiles_dir=tiles)


@pytest.fixture(scope="module")
def router(routed: Settings) -> Router:
    found = make_router(routed)
    assert found.method == "valhalla"
    return found


def load(store: Store, scenario: Path, files: tuple[tuple[str, str], ...] = FILES) -> None:
    for file_name, mapping in files:
        result = run_import(
            store, source=scenario / file_name, mapping=load_mapping(FOLDER / mapping)
        )
        assert result.status == "completed", result


@pytest.fixture
def loaded(store: Store, scenario: Path) -> Store:
    load(store, scenario)
    return store


def place(store: Store, call_sign: str, lat: float, lon: float, status: str = "available") -> str:
    """A unit with a phone that reported one good fix (the real position path)."""
    device_id = f"dev-{call_sign.lower()}"
    unit, secret = make_unit(store, call_sign, device_id)
    fix = Fix(device_id=device_id, fixed_at=datetime.now(UTC), lat=lat, lon=lon, source="test")
    stored = accept_fix(store, fix=fix, secret=secret, rules=FixRules())
    assert stored["flags"] == [], stored
    if status != "available":
        with store.begin() as conn:
            service.set_unit_status(conn, unit_id=unit["id"], status=status)
    return unit["id"]


def pair(store: Store, first: str, then: str, *, vehicle: bool = False) -> tuple[str, str]:
    """Ids of a read at camera ``first`` followed (same plate, < 3 h) by one at ``then``;
    with ``vehicle``, of a plate that is also a vehicle entity (it crossed the border)."""
    query = select(plate_reads).where(plate_reads.c.camera_id == first)
    with store.read() as conn:
        for row in conn.execute(query.order_by(plate_reads.c.occurred_at)):
            read = intercept._read_of(row)
            nxt = intercept.later_read(conn, read=read)
            if nxt is None or nxt.camera_id != then:
                continue
            if not vehicle or intercept.vehicle_id_of(conn, read):
                return read.id, nxt.id
    pytest.fail(f"the scenario has no read at {first} followed by one at {then}")


def on_route(router: Router, start: tuple[float, float], end: tuple[float, float],
             proposal: dict[str, Any]) -> float:  # fmt: skip
    """Metres between a proposal's point and the route's point at the same distance along."""
    path = router.route(start, end)
    point, _seconds = path.at(proposal["along_m"])
    return geodesic_m(point.lat, point.lon, proposal["lat"], proposal["lon"])


# -- destination ---------------------------------------------------------------------------


def test_checkpoints_are_the_border_checkpoint_entities(loaded: Store) -> None:
    with loaded.read() as conn:
        found = intercept.list_checkpoints(conn)
    codes = {c.code for c in found}
    assert codes == {"MED", "SAL", "LAV", "RAI", "SUM", "KYB", "PAN", "RAM"}
    medininkai = next(c for c in found if c.code == "MED")
    assert abs(medininkai.lat - 54.5353) < 1e-3
    assert abs(medininkai.lon - 25.7595) < 1e-3


def test_direction_of_travel_picks_the_checkpoint_ahead(loaded: Store, router: Router) -> None:
    # Two spurs leave Vilnius eastwards side by side: to Lavoriškės (P1) and to Šumskas (P2).
    expected = {("CAM-P1-01", "CAM-P1-02"): "LAV", ("CAM-P2-01", "CAM-P2-02"): "SUM"}
    for (first, then), code in expected.items():
        read_id, next_id = pair(loaded, first, then)
        with loaded.read() as conn:
            read = intercept.find_read(conn, read_id=read_id)
            target, nxt = intercept.choose_destination(conn, router, read=read)
        assert (target.code, target.chosen_by) == (code, "direction")
        assert nxt is not None
        assert nxt.id == next_id
    # Read the other way (towards Vilnius), Lavoriškės is behind the vehicle.
    read_id, _ = pair(loaded, "CAM-P1-02", "CAM-P1-01")
    with loaded.read() as conn:
        read = intercept.find_read(conn, read_id=read_id)
        target, _nxt = intercept.choose_destination(conn, router, read=read)
    assert target.chosen_by == "direction"
    assert target.code != "LAV"


def test_without_a_later_read_the_nearest_checkpoint_by_road(loaded: Store, router: Router) -> None:
    with loaded.begin() as conn:
        # A fresh read at the A3 camera 10 km before Medininkai: nothing after it.
        conn.execute(insert(plate_reads).values(
            id="live-1", occurred_at=datetime.now(UTC), lat=54.574066, lon=25.625137,
            dataset="test", camera_id="CAM-A3-02", plate="ZZZ999"))  # fmt: skip
        read = intercept.find_read(conn, plate="zzz 999")
        target, nxt = intercept.choose_destination(conn, router, read=read)
    assert nxt is None
    assert (target.code, target.chosen_by) == ("MED", "nearest")


def test_destination_given_by_code_or_point(loaded: Store, router: Router) -> None:
    read_id, _ = pair(loaded, "CAM-P2-01", "CAM-P2-02")
    with loaded.read() as conn:
        read = intercept.find_read(conn, read_id=read_id)
        by_code, _ = intercept.choose_destination(conn, router, read=read, given="KYB")
        by_name, _ = intercept.choose_destination(conn, router, read=read, given="kybartai")
        by_point, _ = intercept.choose_destination(conn, router, read=read, given=(54.6, 25.8))
        with pytest.raises(intercept.UnknownCheckpointError):
            intercept.choose_destination(conn, router, read=read, given="NOWHERE")
    assert by_code == by_name
    assert (by_code.code, by_code.chosen_by) == ("KYB", "given")
    assert (by_point.lat, by_point.lon, by_point.id) == (54.6, 25.8, None)


# -- proposals -----------------------------------------------------------------------------


def test_proposals_lie_on_the_route_and_units_arrive_first(loaded: Store, router: Router) -> None:
    read_id, _ = pair(loaded, "CAM-P2-01", "CAM-P2-02")
    with loaded.read() as conn:
        read = intercept.find_read(conn, read_id=read_id)
        target, _ = intercept.choose_destination(conn, router, read=read)
    start, end = (read.lat, read.lon), (target.lat, target.lon)
    path = router.route(start, end)
    ahead, _ = path.at(path.along_m[-1] * 0.7)  # a unit beside the road, 70 % of the way
    near = place(loaded, "NEAR-1", ahead.lat + 0.01, ahead.lon)
    second = place(loaded, "NEAR-2", ahead.lat - 0.02, ahead.lon + 0.02)
    far = place(loaded, "FAR-9", *KLAIPEDA)
    place(loaded, "BUSY-3", ahead.lat, ahead.lon, status="busy")
    with loaded.read() as conn:
        answer = intercept.intercept(conn, router, now=read.occurred_at, read_id=read_id, limit=10)

    assert answer["destination"]["code"] == "SUM"
    assert answer["route"]["method"] == "valhalla"
    assert answer["units_considered"] == 3  # the busy unit is not asked
    proposals = answer["proposals"]
    assert proposals, answer
    units = {p["unit_id"] for p in proposals}
    assert near in units
    assert second in units
    assert far not in units
    margins = [p["margin_s"] for p in proposals]
    assert margins == sorted(margins, reverse=True)
    for p in proposals:
        assert p["method"] == p["unit_method"] == "valhalla"
        assert 0 < p["along_m"] <= answer["route"]["metres"] + 1
        assert on_route(router, start, end, p) < 1.0
        unit_at, vehicle_at = (
            datetime.fromisoformat(p["unit_at"]),
            datetime.fromisoformat(p["vehicle_at"]),
        )
        assert unit_at < vehicle_at
        assert abs((vehicle_at - unit_at).total_seconds() - p["margin_s"]) < 0.2
        assert p["unit_eta_s"] < p["vehicle_eta_s"]  # "now" is the read time here
        # Both ETAs agree with routing the legs on their own.
        with loaded.read() as conn:
            pos = service.get_unit(conn, ref=p["unit_id"])
        alone = router.eta((pos["last_lat"], pos["last_lon"]), (p["lat"], p["lon"]))
        # (matrix and single route differ by a few seconds: a matrix is not a route)
        assert abs(alone.seconds - p["unit_eta_s"]) < 0.05 * alone.seconds + 5
        vehicle = router.eta(start, (p["lat"], p["lon"]))
        assert abs(vehicle.seconds - p["vehicle_eta_s"]) < 0.15 * p["vehicle_eta_s"] + 30
    # The geometry for the map runs from the camera to the checkpoint.
    geometry = answer["route"]["geometry"]
    assert geodesic_m(*geometry[0], *start) < 2_000
    assert geodesic_m(*geometry[-1], *end) < 2_000


def test_later_now_leaves_only_points_still_ahead(loaded: Store, router: Router) -> None:
    read_id, _ = pair(loaded, "CAM-P2-01", "CAM-P2-02")
    with loaded.read() as conn:
        read = intercept.find_read(conn, read_id=read_id)
    place(loaded, "NEAR-1", 54.64, 25.75)
    with loaded.read() as conn:
        at_read = intercept.intercept(conn, router, now=read.occurred_at, read_id=read_id)
        late = intercept.intercept(
            conn, router, now=read.occurred_at + timedelta(hours=2), read_id=read_id
        )
    assert at_read["proposals"]
    assert late["proposals"] == []  # the vehicle is long past the border


def test_great_circle_fallback_is_labelled(loaded: Store) -> None:
    read_id, _ = pair(loaded, "CAM-P2-01", "CAM-P2-02")
    place(loaded, "NEAR-1", 54.64, 25.75)
    with loaded.read() as conn:
        read = intercept.find_read(conn, read_id=read_id)
        answer = intercept.intercept(
            conn, GreatCircleRouter(), now=read.occurred_at, read_id=read_id
        )
    assert answer["destination"]["code"] == "SUM"
    assert answer["route"]["method"] == "great-circle"
    assert answer["proposals"]
    assert {p["method"] for p in answer["proposals"]} == {"great-circle"}
    assert {p["unit_method"] for p in answer["proposals"]} == {"great-circle"}


# -- bad input -----------------------------------------------------------------------------


def test_bad_input_gives_clear_errors(loaded: Store, router: Router) -> None:
    now = datetime.now(UTC)
    with loaded.begin() as conn:
        conn.execute(insert(plate_reads).values(
            id="no-place", occurred_at=now, lat=None, lon=None, dataset="test",
            camera_id="CAM-UNKNOWN", plate="NOPL4CE"))  # fmt: skip
    with loaded.read() as conn:
        with pytest.raises(intercept.UnknownPlateReadError):
            intercept.intercept(conn, router, now=now, read_id="no-such-read")
        with pytest.raises(intercept.UnknownPlateReadError):
            intercept.intercept(conn, router, now=now, plate="NEVERSEEN1")
        with pytest.raises(intercept.UnknownPlateReadError):  # no read of it that early
            intercept.intercept(
                conn, router, now=now, plate="0101XO6", at=datetime(2020, 1, 1, tzinfo=UTC)
            )
        with pytest.raises(intercept.PlateReadWithoutPlaceError) as where:
            intercept.intercept(conn, router, now=now, read_id="no-place")
        assert where.value.status_code == 422
        with pytest.raises(intercept.NoUnitPositionError):  # no unit at all yet
            intercept.intercept(conn, router, now=now, plate="0101XO6")
    place(loaded, "OFF-1", 54.64, 25.75, status="off_duty")
    with loaded.begin() as conn:
        service.add_unit(conn, call_sign="NOFIX-2")  # available, never reported
    with loaded.read() as conn, pytest.raises(intercept.NoUnitPositionError):
        intercept.intercept(conn, router, now=now, plate="0101XO6")


def test_no_checkpoint_known(store: Store, scenario: Path, router: Router) -> None:
    load(store, scenario, (("plate_reads.csv", "plate_reads.yml"),))
    place(store, "NEAR-1", 54.64, 25.75)
    with store.read() as conn:
        with pytest.raises(intercept.NoDestinationError):
            intercept.intercept(conn, router, now=datetime.now(UTC), plate="0101XO6")
        answer = intercept.intercept(  # a destination given still works
            conn, router, now=datetime.now(UTC), plate="0101XO6", destination=(54.627, 25.854)
        )
    assert answer["destination"]["chosen_by"] == "given"


# -- API -----------------------------------------------------------------------------------


@pytest.fixture
def api(loaded: Store, routed: Settings, tmp_path: Path) -> Iterator[TestClient]:
    settings = routed.model_copy(update={"ops_upload_dir": tmp_path / "uploads"})
    with TestClient(create_app(settings, store=loaded)) as client:
        yield client


def test_api_proposes_and_the_task_is_created_from_a_proposal(
    api: TestClient, loaded: Store
) -> None:
    dispatcher = person(loaded, "disp", Role.dispatcher, datasets=("*",))
    read_id, _ = pair(loaded, "CAM-P2-01", "CAM-P2-02", vehicle=True)
    unit_id = place(loaded, "NEAR-1", 54.64, 25.75)
    with loaded.read() as conn:
        read = intercept.find_read(conn, read_id=read_id)
    now = read.occurred_at.isoformat()

    typed = f"{read.plate[:3]} {read.plate[3:].lower()}"  # as a dispatcher might type it
    reads = api.get("/api/ops/plate-reads", params={"plate": typed}, headers=dispatcher)
    assert reads.status_code == 200, reads.text
    assert reads.json()
    assert {r["plate"] for r in reads.json()} == {read.plate}

    by_id = api.post("/api/ops/intercept", json={"read_id": read_id, "now": now},
                     headers=dispatcher)  # fmt: skip
    assert by_id.status_code == 200, by_id.text
    answer = by_id.json()
    assert answer["destination"]["code"] == "SUM"
    assert answer["proposals"][0]["unit_id"] == unit_id
    assert answer["proposals"][0]["method"] == "valhalla"
    by_plate = api.post(
        "/api/ops/intercept",
        json={"plate": read.plate, "at": now, "now": now, "destination": "SUM"},
        headers=dispatcher,
    )
    assert by_plate.status_code == 200, by_plate.text
    assert by_plate.json()["read"]["id"] == read_id

    with loaded.read() as conn:
        logged = search_audit(conn, action="ops.intercept")
    assert len(logged) == 2
    assert logged[0]["entity_ids"] == [answer["vehicle_id"]]  # the vehicle seen at the border
    assert answer["vehicle_id"].startswith("vehicle-plate-")
    assert logged[0]["detail"]["read_id"] == read_id

    best = answer["proposals"][0]
    task = api.post("/api/tasks", headers=dispatcher, json={
        "lat": best["lat"], "lon": best["lon"], "category": "vehicle_stop", "priority": 1,
        "description": f"Intercept {answer['read']['plate']}", "entity_ids": [answer["vehicle_id"]],
        "unit": best["unit_id"]})  # fmt: skip
    assert task.status_code == 201, task.text
    assert task.json()["unit_id"] == unit_id
    assert task.json()["status"] == "assigned"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"read_id": "x", "plate": "ABC123"}, 422),
        ({"read_id": "no-such-read"}, 404),
        ({"plate": "NEVERSEEN1"}, 404),
        ({"plate": "0101XO6", "destination": "NOWHERE"}, 404),
        ({"plate": "0101XO6", "destination": {"lat": 91, "lon": 25}}, 422),
        ({"plate": "0101XO6", "every_m": 5}, 422),
        ({"plate": "0101XO6", "limit": 0}, 422),
        ({"plate": "0101XO6", "at": "2026-10-11T03:00:00"}, 422),  # naive time
        ({"plate": "0101XO6", "now": "9999-12-31T23:59:59Z"}, 422),  # would overflow
        ({"plate": "0101XO6", "every_m": 100}, 422),  # thousands of points per unit
        ({"plate": "0101XO6"}, 409),  # nobody has a position
    ],
)
def test_api_bad_input(api: TestClient, loaded: Store, body: dict, status: int) -> None:
    dispatcher = person(loaded, "disp", Role.dispatcher, datasets=("*",))
    answer = api.post("/api/ops/intercept", json=body, headers=dispatcher)
    assert answer.status_code == status, answer.text
    if status != 422 or "detail" not in answer.json():
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_api_needs_a_dispatcher(api: TestClient, loaded: Store) -> None:
    officer = person(loaded, "officer1", Role.field_officer)
    analyst = person(loaded, "analyst1", Role.analyst)
    body = {"plate": "0101XO6"}
    assert api.post("/api/ops/intercept", json=body).status_code == 401
    assert api.post("/api/ops/intercept", json=body, headers=officer).status_code == 403
    assert api.post("/api/ops/intercept", json=body, headers=analyst).status_code == 403
    assert api.get("/api/ops/plate-reads", headers=officer).status_code == 403
    assert api.get("/api/ops/plate-reads").status_code == 401
