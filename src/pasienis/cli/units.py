"""``pasienis units``: field units (crew, vehicle, call sign, status, skills) and their tracks."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import opened_store, settings
from pasienis.ops import service
from pasienis.ops.positions import purge_positions

app = typer.Typer(help="Field units and their position tracks.", no_args_is_help=True)
out = Console()


@app.command("add")
def add_command(
    call_sign: str = typer.Argument(..., help="Call sign, e.g. ALFA-1 (unique)."),
    vehicle: str | None = typer.Option(None, "--vehicle", help="Vehicle plate or name."),
    crew: list[str] = typer.Option([], "--crew", help="Crew member user name (repeatable)."),
    skill: list[str] = typer.Option([], "--skill", help="Skill tag, e.g. dog (repeatable)."),
    status: str = typer.Option("available", "--status", help="available, busy or off_duty."),
) -> None:
    """Create a unit."""
    with opened_store(model=False) as store, store.begin() as conn:
        unit = service.add_unit(
            conn, call_sign=call_sign, vehicle=vehicle, crew=crew, skills=skill, status=status
        )
    out.print(f"unit {unit['call_sign']} created (id {unit['id']})", highlight=False)


@app.command("list")
def list_command() -> None:
    """List units with status and last good position."""
    table = Table("call sign", "status", "vehicle", "skills", "last good fix")
    with opened_store(model=False) as store, store.read() as conn:
        for u in service.list_units(conn):
            where = (
                f"{u['last_lat']:.5f},{u['last_lon']:.5f} at {u['last_fix_at']:%Y-%m-%d %H:%M}Z"
                if u["last_fix_at"]
                else "-"
            )
            table.add_row(
                u["call_sign"], u["status"], u["vehicle"] or "", ",".join(u["skills"] or []), where
            )
    out.print(table)


@app.command("status")
def status_command(
    call_sign: str = typer.Argument(...),
    status: str = typer.Argument(..., help="available, busy or off_duty."),
) -> None:
    """Set a unit's status."""
    with opened_store(model=False) as store, store.begin() as conn:
        unit = service.set_unit_status(conn, unit_id=call_sign, status=status)
    out.print(f"{unit['call_sign']} is {unit['status']}", highlight=False)


@app.command("purge-positions")
def purge_command(
    days: int | None = typer.Option(None, "--days", help="Keep this many days (default: setting)."),
) -> None:
    """Delete positions older than the retention period."""
    keep = days if days is not None else settings().ops_position_retention_days
    with opened_store(model=False) as store, store.begin() as conn:
        removed = purge_positions(conn, older_than_days=keep)
    out.print(f"{removed} positions older than {keep} days deleted", highlight=False)
