"""``pasienis demo``: the built-in sample, and demo accounts and units for a first look.

Composes capabilities (security, ops) the way a shell may; nothing here is used by the API.
Passwords and device secrets are random and printed once — there are no default credentials.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection

from pasienis.cli.context import opened_store
from pasienis.errors import NotFoundError
from pasienis.model.sample import load_sample
from pasienis.ops import service as ops_service
from pasienis.ops.fixes import Fix
from pasienis.ops.positions import accept_authenticated
from pasienis.ops.quality import FixRules
from pasienis.security import Role
from pasienis.security.compartments import GranteeKind, ResourceKind, grant
from pasienis.security.errors import UserExistsError
from pasienis.security.passwords import generate_password
from pasienis.security.users import create_user
from pasienis.store import Store, upgrade

app = typer.Typer(help="Demo data, accounts and units.", no_args_is_help=True)
out = Console()

ACCOUNTS = (
    ("analyst", (Role.analyst,)),
    ("dispatcher", (Role.dispatcher,)),
    ("officer", (Role.field_officer,)),
    ("auditor", (Role.auditor,)),
)
#: Units near real places of the scenario: Vilnius, Medininkai, Kybartai, Šalčininkai.
UNITS = (
    ("ALFA-1", "100001", ["officer"], ["dog"], 54.6872, 25.2797),
    ("BRAVO-2", "100002", [], ["xray"], 54.5400, 25.6500),
    ("CHARLIE-3", "100003", [], [], 54.6380, 22.7600),
    ("DELTA-4", "100004", [], ["dog"], 54.3090, 25.3810),
)


@app.command("load")
def load_command() -> None:
    """Migrate the store and load the tiny built-in sample (idempotent)."""
    with opened_store() as store:
        upgrade(store)
        counts = load_sample(store)
    out.print(f"sample loaded: {counts['statements']} statements, {counts['events']} events")


@app.command("setup")
def setup_command() -> None:
    """Create demo accounts (analyst and dispatcher see every dataset) and four units with phones.

    Idempotent: existing accounts and units are left as they are (and their secrets are not
    shown again).
    """
    with opened_store() as store:
        upgrade(store)
        with store.begin() as conn:
            accounts = _accounts(conn)
            units = _units(conn)
        _positions(store, units)
    _print(accounts, units)


def _accounts(conn: Connection) -> list[tuple[str, str, str]]:
    made = []
    for name, roles in ACCOUNTS:
        password = generate_password()
        try:
            user = create_user(conn, name=name, roles=roles, password=password)
        except UserExistsError:
            continue
        if Role.analyst in roles or Role.dispatcher in roles:
            # Dispatchers read plate reads and violations through grants, like analysts.
            grant(
                conn,
                resource_kind=ResourceKind.dataset,
                resource="*",
                grantee_kind=GranteeKind.user,
                grantee=user.id,
                granted_by="demo setup",
            )
        made.append((name, ", ".join(roles), password))
    return made


def _units(conn: Connection) -> list[tuple[str, str, str | None]]:
    made: list[tuple[str, str, str | None]] = []
    for call_sign, device_id, crew, skills, _lat, _lon in UNITS:
        try:
            ops_service.get_unit(conn, ref=call_sign)
            continue
        except NotFoundError:
            pass
        ops_service.add_unit(conn, call_sign=call_sign, crew=crew, skills=skills)
        _device, secret = ops_service.add_device(conn, device_id=device_id, unit_ref=call_sign)
        made.append((call_sign, device_id, secret))
    return made


def _positions(store: Store, units: list[tuple[str, str, str | None]]) -> None:
    fresh = {call_sign for call_sign, _device, _secret in units}
    now = datetime.now(UTC)
    for call_sign, device_id, _crew, _skills, lat, lon in UNITS:
        if call_sign not in fresh:
            continue
        with store.read() as conn:
            device = ops_service.get_device(conn, device_id=device_id)
        fix = Fix(device_id=device_id, fixed_at=now, lat=lat, lon=lon, source="demo",
                  accuracy_m=10.0)  # fmt: skip
        accept_authenticated(store, fix=fix, device=device, rules=FixRules(), now=now)


def _print(accounts: list[tuple[str, str, str]], units: list[tuple[str, str, str | None]]) -> None:
    if accounts:
        table = Table("account", "roles", "password (shown once)", title="Demo accounts")
        for row in accounts:
            table.add_row(*row)
        out.print(table)
    if units:
        table = Table("unit", "device id", "device secret (shown once)", title="Demo units")
        for call_sign, device_id, secret in units:
            table.add_row(call_sign, device_id, secret or "")
        out.print(table)
    if not accounts and not units:
        out.print("demo accounts and units exist already (their secrets were shown when made)")
