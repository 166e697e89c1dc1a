"""``pasienis devices``: phones bound to units, with their credentials and client settings."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from pasienis.cli.context import opened_store, settings
from pasienis.ops import service

app = typer.Typer(help="Devices (phones) of field units.", no_args_is_help=True)
out = Console()


def _base_url() -> str:
    cfg = settings()
    return cfg.ops_public_url or f"http://{cfg.host}:{cfg.port}"


def _print_setup(setup: dict[str, str], as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(setup))
        return
    lines = [
        f"device {setup['device_id']}  secret {setup['secret']}  (shown once; store it now)",
        "",
        "Traccar Client:",
        f"  Device identifier : {setup['traccar_device_identifier']}",
        f"  Server URL        : {setup['traccar_server_url']}",
        "OwnTracks, HTTP mode:",
        f"  URL               : {setup['owntracks_http_url']}",
        f"  User ID / Password: {setup['owntracks_http_user']} / "
        f"{setup['owntracks_http_password']}",
        "OwnTracks, MQTT mode (broker must know this user/password):",
        f"  Host              : {setup['owntracks_mqtt_host']}  (port 1883)",
        f"  User ID / Password: {setup['owntracks_mqtt_user']} / {setup['secret']}",
        f"  Topic             : {setup['owntracks_mqtt_topic']}",
        "Other trackers (JSON POST, Authorization: Bearer <secret>):",
        f"  URL               : {setup['generic_json_url']}",
        "Field app WebSocket:",
        f"  URL               : {setup['field_app_websocket']}",
    ]
    for line in lines:
        out.print(line, highlight=False, soft_wrap=True)


@app.command("add")
def add_command(
    device_id: str = typer.Argument(..., help="Identifier the phone sends (e.g. Traccar's)."),
    unit: str = typer.Option(..., "--unit", help="Call sign of the unit it belongs to."),
    label: str | None = typer.Option(None, "--label"),
    as_json: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
) -> None:
    """Register a device and print its credentials and the client settings to enter."""
    with opened_store(model=False) as store, store.begin() as conn:
        device, secret = service.add_device(conn, device_id=device_id, unit_ref=unit, label=label)
        call_sign = service.get_unit(conn, ref=device["unit_id"])["call_sign"]
    _print_setup(
        service.device_setup(
            base_url=_base_url(), device_id=device["id"], secret=secret, call_sign=call_sign
        ),
        as_json,
    )


@app.command("rotate")
def rotate_command(
    device_id: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Give a device a new secret (the old one stops working) and print the new settings."""
    with opened_store(model=False) as store, store.begin() as conn:
        secret = service.rotate_secret(conn, device_id=device_id)
        device = service.get_device(conn, device_id=device_id)
        call_sign = service.get_unit(conn, ref=device["unit_id"])["call_sign"]
    _print_setup(
        service.device_setup(
            base_url=_base_url(), device_id=device_id, secret=secret, call_sign=call_sign
        ),
        as_json,
    )


@app.command("list")
def list_command() -> None:
    """List devices with their unit and when they were last heard from."""
    with opened_store(model=False) as store, store.read() as conn:
        for d in service.list_devices(conn):
            seen = f"{d['last_seen_at']:%Y-%m-%d %H:%M:%S}Z" if d["last_seen_at"] else "never"
            out.print(f"{d['id']}\t{d['call_sign']}\tlast seen {seen}", highlight=False)
