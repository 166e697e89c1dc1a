"""The lean ingest process (``pasienis serve-ingest``) answers and stores exactly as the API.

The same requests — good fixes of every protocol, flagged ones, malformed ones, strangers —
go to the main app for one device and to the ingest app for another; the answers and the
stored rows must be the same. Then what the ingest surface keeps of the API's hardening.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ops_helpers import make_unit
from sqlalchemy import select

from pasienis.api.collector import GC_THRESHOLD
from pasienis.api.ingest_app import create_ingest_app
from pasienis.config import Settings
from pasienis.ops.models import positions
from pasienis.store import Store

T0 = int((datetime.now(UTC) - timedelta(days=2)).timestamp())
FUTURE = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp())


def _basic(device: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{device}:{secret}".encode()).decode()}


def _requests(device: str, secret: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, httpx keyword arguments): one of each thing a device may send."""
    traccar = {
        "location": {
            "timestamp": datetime.fromtimestamp(T0 + 1200, UTC).isoformat(),
            "coords": {"latitude": 54.61, "longitude": 25.21, "speed": 3.0, "accuracy": 5},
            "battery": {"level": 0.5, "is_charging": True},
        },
        "device_id": device,
    }
    owntracks = {"_type": "location", "lat": 54.62, "lon": 25.22, "tst": T0 + 1800, "acc": 9,
                 "vel": 36, "batt": 40}  # fmt: skip
    json_headers = {"Content-Type": "application/json"}
    return [
        ("GET", f"/api/positions/osmand/{secret}",
         {"params": {"id": device, "lat": 54.6, "lon": 25.2, "timestamp": T0, "speed": 5}}),
        ("POST", f"/api/positions/osmand/{secret}",
         {"data": {"id": device, "lat": "54.605", "lon": "25.205", "timestamp": T0 + 600}}),
        ("POST", f"/api/positions/osmand/{secret}",
         {"content": json.dumps(traccar), "headers": json_headers}),
        ("POST", "/api/positions/owntracks",
         {"content": json.dumps(owntracks), "headers": {**json_headers, **_basic(device, secret)}}),
        ("POST", "/api/positions/owntracks", {"content": b"", "headers": _basic(device, secret)}),
        ("POST", "/api/positions/owntracks",
         {"content": b'{"_type":"waypoint"}', "headers": _basic(device, secret)}),
        ("GET", "/api/positions/osmand",
         {"params": {"id": device, "lat": 54.63, "lon": 25.23, "timestamp": T0 + 2400},
          "headers": _basic(device, secret)}),
        # Out of order, then from the future, then a jump far too fast: stored, flagged.
        ("GET", f"/api/positions/osmand/{secret}",
         {"params": {"id": device, "lat": 54.6, "lon": 25.2, "timestamp": T0 + 300}}),
        ("GET", f"/api/positions/osmand/{secret}",
         {"params": {"id": device, "lat": 54.6, "lon": 25.2, "timestamp": FUTURE}}),
        ("GET", f"/api/positions/osmand/{secret}",
         {"params": {"id": device, "lat": 56.0, "lon": 21.0, "timestamp": T0 + 2410}}),
        # Malformed from the device itself: 400. From a stranger: 401 whatever the body.
        ("GET", f"/api/positions/osmand/{secret}",
         {"params": {"id": device, "lat": 91, "lon": 25.2, "timestamp": T0 + 60}}),
        ("POST", f"/api/positions/osmand/{secret}",
         {"content": b"{not json", "headers": json_headers}),
        ("POST", "/api/positions/osmand/wrong-secret",
         {"content": b"{not json", "headers": json_headers}),
        ("GET", f"/api/positions/osmand/{secret}",
         {"params": {"id": "nobody", "lat": 54.6, "lon": 25.2, "timestamp": T0 + 70}}),
        ("POST", "/api/positions/owntracks",
         {"content": b"{not json", "headers": _basic(device, "wrong")}),
        ("POST", "/api/positions/owntracks", {"content": json.dumps(owntracks)}),
    ]  # fmt: skip


def _stored(store: Store, device: str) -> list[dict[str, Any]]:
    varying = {"id", "unit_id", "device_id", "received_at"}
    with store.read() as conn:
        rows = conn.execute(
            select(positions).where(positions.c.device_id == device).order_by(positions.c.id)
        ).mappings()
        return [{k: v for k, v in row.items() if k not in varying} for row in rows]


def _answers(client: TestClient, device: str, secret: str) -> list[tuple[int, Any]]:
    out = []
    for method, path, kwargs in _requests(device, secret):
        response = client.request(method, path, **kwargs)
        body = response.json() if response.content else None
        if isinstance(body, dict):
            body.pop("detail", None)
        out.append((response.status_code, body))
    return out


def test_the_ingest_process_answers_and_stores_like_the_api(
    client: TestClient, ingest_client: TestClient, store: Store
) -> None:
    _, api_secret = make_unit(store, "API-1", "api-device")
    _, ingest_secret = make_unit(store, "ING-1", "ingest-device")
    via_api = _answers(client, "api-device", api_secret)
    via_ingest = _answers(ingest_client, "ingest-device", ingest_secret)
    assert via_ingest == via_api
    statuses = [status for status, _ in via_api]
    assert statuses == [200] * 10 + [400, 400, 401, 401, 401, 401]
    stored = _stored(store, "ingest-device")
    assert stored == _stored(store, "api-device")
    assert len(stored) == 8  # the empty and the waypoint OwnTracks messages store nothing
    flags = [row["flags"] for row in stored]
    assert flags[:5] == ["", "", "", "", ""]
    assert "out_of_order" in flags[5]
    assert "future" in flags[6]
    assert "too_fast" in flags[7]


def test_hardening_of_the_ingest_surface(
    ingest_client: TestClient, store: Store, ops_settings: Settings
) -> None:
    _, secret = make_unit(store, "ING-2", "hard-device")
    answer = ingest_client.get(
        f"/api/positions/osmand/{secret}",
        params={"id": "hard-device", "lat": 54.6, "lon": 25.2, "timestamp": T0},
    )
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    too_big = b"x" * (ops_settings.max_body_bytes + 1)
    large = ingest_client.post(
        "/api/positions/owntracks", content=too_big, headers=_basic("hard-device", secret)
    )
    assert large.status_code == 413
    refused = ingest_client.get("/api/positions/osmand/nope", params={"id": "hard-device"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/device-auth")
    assert refused.headers["x-content-type-options"] == "nosniff"
    # Only the device protocols live here: the rest of the API is not reachable.
    assert ingest_client.get("/api/units").status_code == 404
    assert ingest_client.post("/api/positions").status_code == 404
    assert ingest_client.delete(f"/api/positions/osmand/{secret}").status_code == 405
    assert ingest_client.get("/api/positions/owntracks").status_code == 405
    health = ingest_client.get("/api/health")
    assert health.status_code == 200
    assert health.json()["role"] == "ingest"


def test_the_collector_is_tuned_only_when_asked(store: Store, ops_settings: Settings) -> None:
    import gc

    before = gc.get_threshold()
    with TestClient(create_ingest_app(ops_settings, store=store)):
        assert gc.get_threshold() == before  # the default: a test process is left alone
    assert before != GC_THRESHOLD
    app = create_ingest_app(ops_settings, store=store, tune_gc=True)
    try:
        with TestClient(app):
            assert gc.get_threshold() == GC_THRESHOLD
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@pytest.mark.parametrize("path", ["/api/positions/osmand/x", "/api/positions/owntracks"])
def test_a_websocket_is_refused(ingest_client: TestClient, path: str) -> None:
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), ingest_client.websocket_connect(path):
        pass
