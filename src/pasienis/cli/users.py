"""``pasienis users``: accounts, roles, tokens, dataset grants — from the server's shell.

Secrets (generated passwords, tokens) are printed once and never stored in clear. Every
change is written to the audit log with the operating-system user as actor.
"""

from __future__ import annotations

import getpass
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import opened_store, settings
from pasienis.security import AuditEntry, Clearance, Permission, Role, append_in
from pasienis.security.compartments import GranteeKind, ResourceKind, grant, register_dataset
from pasienis.security.credentials import create_token
from pasienis.security.passwords import generate_password
from pasienis.security.users import bootstrap_admin, create_user, get_user, list_users

app = typer.Typer(help="Accounts, roles, API tokens and dataset grants.", no_args_is_help=True)
out = Console()


def cli_audit(action: str, detail: dict[str, Any]) -> AuditEntry:
    """An audit entry for a change made from the command line."""
    return AuditEntry(
        action=action, actor_name=f"cli:{getpass.getuser()}", actor_kind="cli", detail=detail
    )


@app.command("add")
def add_command(
    name: str = typer.Argument(..., help="Login name."),
    role: list[Role] = typer.Option(..., "--role", "-r", help="A role (repeat for several)."),
    clearance: Clearance = typer.Option(Clearance.restricted, help="Highest classification."),
) -> None:
    """Create an account and print its generated password once."""
    password = generate_password()
    with opened_store(model=False) as store, store.begin() as conn:
        info = create_user(conn, name=name, roles=role, password=password, clearance=clearance)
        append_in(conn, cli_audit("user.create", {"user": name, "roles": list(info.roles)}))
    out.print(f"created [bold]{name}[/] ({', '.join(info.roles)})")
    typer.echo(f"password: {password}")


@app.command("token")
def token_command(
    name: str = typer.Argument(..., help="Account the token acts as."),
    label: str = typer.Option("api", help="What the token is for."),
    days: int | None = typer.Option(
        None, min=1, help="Expire after this many days (default and maximum: api_token_ttl_days)."
    ),
) -> None:
    """Issue an API bearer token and print it once (only its hash is kept)."""
    ttl = min(days or settings().api_token_ttl_days, settings().api_token_ttl_days)
    with opened_store(model=False) as store, store.begin() as conn:
        issued = create_token(conn, user_id=get_user(conn, name=name).id, label=label, ttl_days=ttl)
        append_in(conn, cli_audit("user.token", {"user": name, "label": label}))
    typer.echo(issued.secret)


@app.command("link-oidc")
def link_oidc_command(
    name: str = typer.Argument(..., help="Local account."),
    subject: str = typer.Argument(..., help="The provider's `sub` of the person."),
    issuer: str | None = typer.Option(None, help="Issuer (default: PASIENIS_OIDC_ISSUER)."),
) -> None:
    """Link an OpenID identity (iss, sub) to an account, so single sign-on finds it."""
    from pasienis.security.oidc import link_identity

    iss = issuer or settings().oidc_issuer
    if not iss:
        raise typer.BadParameter("name --issuer or set PASIENIS_OIDC_ISSUER")
    with opened_store(model=False) as store, store.begin() as conn:
        link_identity(
            conn, user_id=get_user(conn, name=name).id, issuer=iss, subject=subject, linked_by="cli"
        )
        append_in(conn, cli_audit("user.identity.link", {"user": name, "issuer": iss}))
    out.print(f"linked {subject} of {iss} to [bold]{name}[/]")


@app.command("list")
def list_command() -> None:
    """List accounts with their roles and clearance."""
    with opened_store(model=False) as store, store.read() as conn:
        accounts = list_users(conn)
    table = Table("name", "roles", "clearance", "disabled", "created")
    for u in accounts:
        table.add_row(
            u.name, ", ".join(u.roles), str(u.clearance), "yes" if u.disabled else "",
            u.created_at.isoformat(timespec="seconds"),
        )  # fmt: skip
    out.print(table)


@app.command("bootstrap-admin")
def bootstrap_command(
    name: str = typer.Option("admin", help="Name of the administrator to create."),
) -> None:
    """Create an administrator with a random password (printed once) if none exists."""
    with opened_store(model=False) as store, store.begin() as conn:
        password = bootstrap_admin(conn, name=name)
        if password is not None:
            append_in(conn, cli_audit("user.bootstrap", {"user": name}))
    if password is None:
        out.print("an administrator exists already; nothing created")
        return
    out.print(f"created administrator [bold]{name}[/]; this password is shown only once:")
    typer.echo(f"password: {password}")


@app.command("grant")
def grant_command(
    name: str = typer.Argument(..., help="User (or group with --group) to open the dataset to."),
    dataset: str = typer.Argument(..., help="Dataset name, or * for every registered dataset."),
    group: bool = typer.Option(False, "--group", help="NAME is a group, not a user."),
    classification: Clearance | None = typer.Option(
        None, help="Also register/reclassify the dataset at this level."
    ),
    write: bool = typer.Option(
        False, "--write", help="Also allow imports into the dataset (a write grant)."
    ),
) -> None:
    """Open a dataset to a user or group to read (or, with --write, to write)."""
    with opened_store(model=False) as store, store.begin() as conn:
        if dataset != "*" and classification is not None:
            register_dataset(conn, name=dataset, classification=classification)
        if group:
            kind, grantee = GranteeKind.group, name
        else:
            kind, grantee = GranteeKind.user, get_user(conn, name=name).id
        grant(
            conn, resource_kind=ResourceKind.dataset, resource=dataset, grantee_kind=kind,
            grantee=grantee, granted_by=f"cli:{getpass.getuser()}",
            permission=Permission.write if write else Permission.read,
        )  # fmt: skip
        level = "write" if write else "read"
        detail = {"dataset": dataset, str(kind): name, "permission": level}
        append_in(conn, cli_audit("dataset.grant", detail))
    out.print(f"{kind} {name} may now {'write and ' if write else ''}see dataset {dataset}")
