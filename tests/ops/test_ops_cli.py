"""The ops CLI: units, devices (credentials + client settings), tasks, purge."""

from __future__ import annotations

import pytest

from pasienis.ops.service import authenticate_device
from pasienis.store import Store


@pytest.fixture
def run(cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PASIENIS_OPS_PUBLIC_URL", "https://ops.example.lt")
    return cli


def test_units_devices_and_tasks_from_the_command_line(run, sqlite_store: Store) -> None:
    assert "ALFA-1 created" in run("units", "add", "alfa-1", "--skill", "dog")
    run("units", "add", "ALFA-1", ok=False)  # call signs are unique
    out = run("devices", "add", "123456", "--unit", "ALFA-1", "--json")
    import json

    setup = json.loads(out)
    assert setup["traccar_server_url"] == (
        f"https://ops.example.lt/api/positions/osmand/{setup['secret']}"
    )
    assert setup["traccar_device_identifier"] == "123456"
    assert setup["owntracks_http_url"] == "https://ops.example.lt/api/positions/owntracks"
    assert setup["owntracks_mqtt_topic"] == "owntracks/123456/alfa-1"
    with sqlite_store.read() as conn:  # the printed secret is the one that works
        assert authenticate_device(conn, device_id="123456", secret=setup["secret"])["id"]
    text = run("devices", "add", "999", "--unit", "ALFA-1")
    assert "Server URL" in text
    assert "Topic" in text
    out = run(
        "tasks",
        "create",
        "--lat",
        "54.68",
        "--lon",
        "25.28",
        "--category",
        "inspection",
        "--priority",
        "2",
        "--text",
        "Check the lorry",
        "--unit",
        "alfa-1",
    )
    assert "assigned" in out
    run("tasks", "create", "--lat", "99", "--lon", "25", "--category", "x", "--text", "y", ok=False)
    assert "Check the lorry" in run("tasks", "list")
    assert "0 positions" in run("units", "purge-positions", "--days", "30")
