"""``pasienis devices``: phones bound to units, with their credentials and client settings."""

from __future__ import annotations

import io
import json
from typing import Any

import segno
import typer
from rich.console import Console

from pasienis.cli.context import opened_store, settings
from pasienis.ops import pairing, service

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


def _qr(text: str) -> str:
    """``text`` as a QR code of Unicode half blocks, for a phone to scan off the terminal."""
    buffer = io.StringIO()
    segno.make(text, error="m").terminal(out=buffer, compact=True, border=2)
    return buffer.getvalue()


def _print_pairing(setup: dict[str, Any], as_json: bool, *, qr: bool) -> None:
    if as_json:
        out.print_json(json.dumps(setup))
        return
    out.print(
        f"Pairing link for the field app (one use, until {setup['pairing_expires_at']}):",
        highlight=False,
    )
    out.print(setup["pairing_link"], highlight=False, soft_wrap=True)
    if qr:
        out.print(_qr(setup["pairing_link"]), highlight=False, soft_wrap=True, end="")
        out.print("OwnTracks (scan or open on the phone):", highlight=False)
        out.print(_qr(setup["owntracks_link"]), highlight=False, soft_wrap=True, end="")
    out.print(f"OwnTracks link: {setup['owntracks_link']}", highlight=False, soft_wrap=True)
    out.print("")
    _print_setup(setup, False)


def _issue_pairing(device_id: str, secret: str, ttl: int) -> dict[str, Any]:
    with opened_store(model=False) as store, store.begin() as conn:
        device = service.get_device(conn, device_id=device_id)
        call_sign = service.get_unit(conn, ref=device["unit_id"])["call_sign"]
        token, expires = pairing.issue(
            conn, device_id=device_id, secret=secret, created_by="cli", ttl_minutes=ttl
        )
        setup = service.device_setup(
            base_url=_base_url(), device_id=device_id, secret=secret, call_sign=call_sign
        )
    return pairing.pairing_setup(
        setup, call_sign=call_sign, base_url=_base_url(), token=token, expires_at=expires
    )


_TTL = typer.Option(pairing.DEFAULT_TTL_MINUTES, "--ttl", help="Minutes the pairing link lives.")
_QR = typer.Option(True, "--qr/--no-qr", help="Print QR codes to scan off the terminal.")


@app.command("add")
def add_command(
    device_id: str = typer.Argument(..., help="Identifier the phone sends (e.g. Traccar's)."),
    unit: str = typer.Option(..., "--unit", help="Call sign of the unit it belongs to."),
    label: str | None = typer.Option(None, "--label"),
    as_json: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
    ttl: int = _TTL,
    qr: bool = _QR,
) -> None:
    """Register a device; print its one-time pairing link (and QR) and the client settings."""
    with opened_store(model=False) as store, store.begin() as conn:
        device, secret = service.add_device(conn, device_id=device_id, unit_ref=unit, label=label)
    _print_pairing(_issue_pairing(device["id"], secret, ttl), as_json, qr=qr)


@app.command("pair")
def pair_command(
    device_id: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    ttl: int = _TTL,
    qr: bool = _QR,
) -> None:
    """A new one-time pairing link for a device (gives it a new secret: the old one stops)."""
    with opened_store(model=False) as store, store.begin() as conn:
        secret = service.rotate_secret(conn, device_id=device_id)
    _print_pairing(_issue_pairing(device_id, secret, ttl), as_json, qr=qr)


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
