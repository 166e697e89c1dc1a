"""Real client requests, replayed byte for byte: Traccar Client (OsmAnd, JSON), OwnTracks.

Each request is the raw HTTP text a phone sends; the test splits it into method, target,
headers and body and sends exactly those to the app, then checks the stored position of the
right unit in internal units (m/s, degrees, metres, UTC).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from ops_helpers import Crew
from sqlalchemy import func, select, update

from pasienis.ops.models import devices, positions, units
from pasienis.store import Store

OSMAND_GET = (
    b"GET /api/positions/osmand/{secret}?id=123456&timestamp=1732872000&lat=54.6872"
    b"&lon=25.2797&speed=27.0&bearing=90.0&altitude=120.0&accuracy=8.0&batt=87.0 HTTP/1.1\r\n"
    b"Host: 127.0.0.1:8000\r\nUser-Agent: TraccarClient/9.1 (Android)\r\n"
    b"Accept-Encoding: gzip\r\nConnection: Keep-Alive\r\n\r\n"
)
OSMAND_FORM = (
    b"POST /api/positions/osmand/{secret} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    b"deviceid=123456&timestamp=2024-11-29%2009%3A25%3A00&location=54.70%2C25.30&speed=10"
    b"&heading=45&charge=true&alarm=sos&cell=246-3-1-123"
)
TRACCAR_JSON = (
    b"POST /api/positions/osmand/{secret} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    b"Content-Type: application/json\r\n\r\n"
    b'{"location":{"timestamp":"2024-11-29T09:30:00.000Z","coords":{"latitude":54.71,'
    b'"longitude":25.31,"accuracy":5,"speed":13.9,"heading":-1,"altitude":110},'
    b'"is_moving":true,"odometer":1234,"event":"motionchange","battery":{"level":0.87,'
    b'"is_charging":false},"activity":{"type":"in_vehicle"},"extras":{}},"device_id":"123456"}'
)
OWNTRACKS_HTTP = (
    b"POST /api/positions/owntracks HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    b"Authorization: Basic {basic}\r\nX-Limit-U: 123456\r\nX-Limit-D: pixel\r\n"
    b"Content-Type: application/json\r\n\r\n"
    b'{"_type":"location","tid":"A1","lat":54.72,"lon":25.32,"tst":1732873200,"acc":12,'
    b'"alt":121,"vel":36,"cog":270,"batt":55,"bs":2,"t":"u","conn":"m","BSSID":"x"}'
)


def replay(client: TestClient, raw: bytes, **fill: str) -> object:
    """Send one raw HTTP/1.1 request through the app, exactly as written."""
    for key, value in fill.items():
        raw = raw.replace(b"{" + key.encode() + b"}", value.encode())
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode().split("\r\n")
    method, target, _version = request_line.split(" ")
    headers = dict(line.split(": ", 1) for line in header_lines)
    headers.pop("Host", None)
    return client.request(method, target, headers=headers, content=body or None)


def stored(store: Store) -> list[dict]:
    with store.read() as conn:
        return [
            dict(r) for r in conn.execute(select(positions).order_by(positions.c.id)).mappings()
        ]


def test_osmand_get_as_traccar_client_sends_it(
    client: TestClient, crew: Crew, store: Store
) -> None:
    response = replay(client, OSMAND_GET, secret=crew.secret)
    assert response.status_code == 200, response.text
    [fix] = stored(store)
    assert fix["unit_id"] == crew.unit_id
    assert fix["device_id"] == "123456"
    assert fix["fixed_at"] == datetime(2024, 11, 29, 9, 20, tzinfo=UTC)
    assert (fix["lat"], fix["lon"]) == (54.6872, 25.2797)
    assert fix["speed_mps"] == pytest.approx(27.0 * 1852 / 3600)  # knots → m/s
    assert fix["heading_deg"] == 90.0
    assert fix["altitude_m"] == 120.0
    assert fix["accuracy_m"] == 8.0
    assert fix["battery_pct"] == 87.0
    assert fix["source"] == "osmand"
    assert fix["flags"] == ""
    with store.read() as conn:
        unit = conn.execute(select(units).where(units.c.id == crew.unit_id)).mappings().one()
    assert (unit["last_lat"], unit["last_lon"]) == (54.6872, 25.2797)


def test_osmand_form_body_keeps_extra_keys_and_alarm(
    client: TestClient, crew: Crew, store: Store
) -> None:
    with client.websocket_connect("/api/ops/ws/dispatch", headers=crew.dispatcher) as feed:
        assert feed.receive_json()["type"] == "snapshot"
        assert replay(client, OSMAND_FORM, secret=crew.secret).status_code == 200
        seen = [feed.receive_json() for _ in range(2)]
    alarm = next(e for e in seen if e["type"] == "alarm")
    assert alarm["alarm"] == "sos"
    assert alarm["call_sign"] == "ALFA-1"
    [fix] = stored(store)
    assert fix["fixed_at"] == datetime(2024, 11, 29, 9, 25, tzinfo=UTC)
    assert (fix["lat"], fix["lon"]) == (54.70, 25.30)
    assert fix["speed_mps"] == pytest.approx(10 * 0.514444, rel=1e-5)
    assert fix["heading_deg"] == 45.0
    assert fix["charging"] is True
    assert fix["attributes"] == {"cell": "246-3-1-123"}


def test_traccar_json_body(client: TestClient, crew: Crew, store: Store) -> None:
    assert replay(client, TRACCAR_JSON, secret=crew.secret).status_code == 200
    [fix] = stored(store)
    assert fix["source"] == "traccar-json"
    assert fix["fixed_at"] == datetime(2024, 11, 29, 9, 30, tzinfo=UTC)
    assert fix["speed_mps"] == pytest.approx(13.9)  # already m/s
    assert fix["heading_deg"] is None  # -1 means unknown
    assert fix["battery_pct"] == 87.0  # 0.87 → percent
    assert fix["charging"] is False
    assert fix["attributes"]["event"] == "motionchange"
    assert fix["attributes"]["odometer"] == 1234


def test_owntracks_http_with_basic_auth_and_limit_headers(
    client: TestClient, crew: Crew, store: Store
) -> None:
    basic = base64.b64encode(f"123456:{crew.secret}".encode()).decode()
    response = replay(client, OWNTRACKS_HTTP, basic=basic)
    assert response.status_code == 200
    assert response.json() == []
    [fix] = stored(store)
    assert fix["unit_id"] == crew.unit_id
    assert fix["fixed_at"] == datetime.fromtimestamp(1732873200, UTC)
    assert fix["speed_mps"] == pytest.approx(10.0)  # 36 km/h
    assert (fix["heading_deg"], fix["altitude_m"], fix["accuracy_m"]) == (270.0, 121.0, 12.0)
    assert fix["battery_pct"] == 55.0
    assert fix["charging"] is True  # bs=2 charging
    assert fix["attributes"]["tid"] == "A1"
    assert fix["attributes"]["limit_d"] == "pixel"
    # The app's connectivity check: a zero-length body, answered with an empty array.
    empty = client.post(
        "/api/positions/owntracks", content=b"", headers={"Authorization": f"Basic {basic}"}
    )
    assert (empty.status_code, empty.json()) == (200, [])
    assert len(stored(store)) == 1


@pytest.mark.parametrize(
    ("raw", "fill"),
    [
        (OSMAND_GET, {"secret": "not-the-secret"}),
        (OSMAND_GET.replace(b"id=123456", b"id=999999"), {}),
        (OWNTRACKS_HTTP, {"basic": base64.b64encode(b"999999:whatever").decode()}),
        (TRACCAR_JSON.replace(b'"device_id":"123456"', b'"device_id":"nobody"'), {}),
    ],
    ids=["wrong-secret", "unknown-id", "owntracks-unknown", "json-unknown"],
)
def test_unknown_device_or_wrong_secret_is_refused_and_nothing_stored(
    client: TestClient, crew: Crew, store: Store, raw: bytes, fill: dict[str, str]
) -> None:
    fill = {"secret": crew.secret, **fill}
    response = replay(client, raw, **fill)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(positions)).scalar() == 0


@pytest.mark.parametrize(
    "query",
    [
        "id=123456&lat=91&lon=25",
        "id=123456&lat=abc&lon=25",
        "id=123456&lon=25",
        "lat=54&lon=25",
        "id=123456&lat=54&lon=25&timestamp=yesterday",
        "id=123456&location=54.1",
        "id=123456&lat=54&lon=25&speed=nan",
    ],
)
def test_garbage_is_a_400_and_nothing_stored(
    client: TestClient, crew: Crew, store: Store, query: str
) -> None:
    response = client.get(f"/api/positions/osmand/{crew.secret}?{query}")
    assert response.status_code == 400, response.text
    assert stored(store) == []


def _get(client: TestClient, crew: Crew, **params: object) -> None:
    query = "&".join(f"{k}={v}" for k, v in {"id": "123456", **params}.items())
    assert client.get(f"/api/positions/osmand/{crew.secret}?{query}").status_code == 200


def test_bad_fixes_are_flagged_and_never_the_last_good_position(
    client: TestClient, crew: Crew, store: Store
) -> None:
    t0 = int(datetime.now(UTC).timestamp()) - 600
    _get(client, crew, timestamp=t0, lat=54.6872, lon=25.2797, accuracy=5)  # good
    _get(client, crew, timestamp=t0 + 60, lat=55.6872, lon=25.2797)  # 111 km in 60 s
    _get(client, crew, timestamp=t0 + 120, lat=54.6880, lon=25.2797, accuracy=900)
    _get(client, crew, timestamp=t0 + 7200, lat=54.6881, lon=25.2797)  # 1 h ahead of now
    _get(client, crew, timestamp=t0 + 180, lat=0, lon=0)
    _get(client, crew, timestamp=t0 + 180, lat=54.6882, lon=25.2797)  # same time again
    _get(client, crew, timestamp=t0 + 30, lat=54.6883, lon=25.2797)  # older than newest
    _get(client, crew, timestamp=(t0 + 240) * 1000, lat=54.6890, lon=25.2800)  # ms, good
    flags = [set(filter(None, p["flags"].split(","))) for p in stored(store)]
    assert flags[0] == set()
    assert "too_fast" in flags[1]
    assert "inaccurate" in flags[2]
    assert "future" in flags[3]
    assert "null_island" in flags[4]
    assert "out_of_order" in flags[5] or "duplicate" in flags[5]
    assert "out_of_order" in flags[6]
    assert flags[7] == set()  # the future fix did not move the device's ordering clock
    with store.read() as conn:
        unit = conn.execute(select(units).where(units.c.id == crew.unit_id)).mappings().one()
    # No flagged fix ever became the last good position; the last (trusted) one did.
    assert (unit["last_lat"], unit["last_lon"]) == (54.6890, 25.2800)
    assert unit["last_fix_at"] == datetime.fromtimestamp(t0 + 240, UTC)


def test_a_far_future_fix_never_freezes_the_unit(
    client: TestClient, crew: Crew, store: Store
) -> None:
    """Issue 11 #6: one fix stamped in year 9999 made every later real fix "out of order"."""
    t0 = int(datetime.now(UTC).timestamp()) - 600
    _get(client, crew, timestamp=t0, lat=54.6872, lon=25.2797)
    _get(client, crew, timestamp="9999-12-31T23:59:59Z", lat=54.6873, lon=25.2797)
    _get(client, crew, timestamp=t0 + 60, lat=54.6874, lon=25.2797)
    _get(client, crew, timestamp=t0 + 120, lat=54.6875, lon=25.2797)
    flags = [p["flags"] for p in stored(store)]
    assert flags == ["", "future", "", ""]
    with store.read() as conn:
        unit = conn.execute(select(units).where(units.c.id == crew.unit_id)).mappings().one()
        clock = conn.execute(
            select(devices.c.last_fix_at).where(devices.c.id == crew.device_id)
        ).scalar()
    assert unit["last_fix_at"] == datetime.fromtimestamp(t0 + 120, UTC)
    assert clock == datetime.fromtimestamp(t0 + 120, UTC)


def test_a_clock_frozen_before_the_fix_is_not_trusted(
    client: TestClient, crew: Crew, store: Store
) -> None:
    """A device whose stored clock already says 9999 (written by older code) recovers."""
    with store.begin() as conn:
        conn.execute(
            update(devices)
            .where(devices.c.id == crew.device_id)
            .values(last_fix_at=datetime(9999, 12, 31, tzinfo=UTC))
        )
    t0 = int(datetime.now(UTC).timestamp()) - 60
    _get(client, crew, timestamp=t0, lat=54.6872, lon=25.2797)
    assert [p["flags"] for p in stored(store)] == [""]


def test_generic_json_endpoint_and_purge(client: TestClient, crew: Crew, store: Store) -> None:
    old = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    body = {"device_id": "123456", "time": old, "lat": 54.6, "lon": 25.2, "speed_mps": 3.5}
    response = client.post(
        "/api/positions", json=body, headers={"Authorization": f"Bearer {crew.secret}"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["flags"] == []
    assert stored(store)[0]["speed_mps"] == 3.5
    refused = client.post("/api/positions", json=body, headers={"Authorization": "Bearer x"})
    assert refused.status_code == 401
    from pasienis.ops.positions import purge_positions

    with store.begin() as conn:
        assert purge_positions(conn, older_than_days=1, now=datetime.now(UTC)) == 0
        assert (
            purge_positions(conn, older_than_days=0, now=datetime.now(UTC) + timedelta(seconds=5))
            == 1
        )
    assert stored(store) == []


def test_geofence_enter_and_exit_from_good_fixes_only(
    client: TestClient, crew: Crew, store: Store
) -> None:
    from pasienis.ops.models import geofence_events

    square = {"type": "Polygon", "coordinates": [[[25.0, 54.0], [25.5, 54.0], [25.5, 54.5],
                                                  [25.0, 54.5], [25.0, 54.0]]]}  # fmt: skip
    made = client.post(
        "/api/ops/geofences",
        headers=crew.dispatcher,
        json={"name": "BCP Medininkai", "kind": "checkpoint", "geometry": square},
    )
    assert made.status_code == 201, made.text
    bad = client.post(
        "/api/ops/geofences",
        headers=crew.dispatcher,
        json={"name": "x", "geometry": {"type": "Point", "coordinates": [25, 54]}},
    )
    assert bad.status_code == 400
    t0 = int(datetime.now(UTC).timestamp()) - 3600
    _get(client, crew, timestamp=t0, lat=54.60, lon=25.20)  # outside: nothing
    _get(client, crew, timestamp=t0 + 600, lat=54.40, lon=25.20)  # inside: enter
    _get(client, crew, timestamp=t0 + 660, lat=54.41, lon=25.21, accuracy=5000)  # flagged
    _get(client, crew, timestamp=t0 + 720, lat=54.41, lon=25.21)  # still inside: nothing
    _get(client, crew, timestamp=t0 + 1500, lat=54.60, lon=25.20)  # outside: exit
    with store.read() as conn:
        kinds = [r.kind for r in conn.execute(
            select(geofence_events).order_by(geofence_events.c.id))]  # fmt: skip
    assert kinds == ["enter", "exit"]
