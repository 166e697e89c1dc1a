"""``pasienis retention``: periods per dataset and table, the review queue, and erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from pasienis.api.wiring import retention_erasers
from pasienis.cli.context import opened_store, settings
from pasienis.security import retention

app = typer.Typer(
    help="Retention (EU Directive 2016/680, Art. 5): periods, reviews, erasure.",
    no_args_is_help=True,
)
out = Console()
ACTOR = "cli"


def _table(rows: list[retention.ScopeStatus]) -> Table:
    table = Table("kind", "scope", "period", "cutoff", "expired", "next review", "needs review")
    for s in rows:
        table.add_row(
            s.scope_kind,
            s.scope,
            f"{s.period_days} d ({s.source})" if s.period_days else "-",
            f"{s.cutoff:%Y-%m-%d}" if s.cutoff else "-",
            ", ".join(f"{k} {v}" for k, v in s.expired.items()) or "-",
            f"{s.next_review_at:%Y-%m-%d}" if s.next_review_at else "-",
            "; ".join(s.reasons),
        )
    return table


@app.command("status")
def status_command(
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """Every dataset and table: period, cutoff, what has expired, when it is reviewed."""
    cfg = settings()
    with opened_store(cfg, model=False) as store, store.read() as conn:
        rows = retention.status(conn, retention_erasers(cfg, store))
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.to_dict(), default=str))
        return
    out.print(_table(rows))


@app.command("reviews")
def reviews_command(
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    """The review queue: scopes without a period, with data past it, or due for review."""
    cfg = settings()
    with opened_store(cfg, model=False) as store, store.read() as conn:
        rows = retention.review_queue(conn, retention_erasers(cfg, store))
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.to_dict(), default=str))
        return
    out.print(_table(rows) if rows else "nothing to review")


@app.command("set")
def set_command(
    kind: str = typer.Argument(..., help="dataset or table"),
    scope: str = typer.Argument(..., help="Dataset name, or table (e.g. plate_reads)."),
    days: int = typer.Option(..., "--days", min=1, help="Keep data this many days."),
    review_days: int | None = typer.Option(
        None, "--review-days", min=1, help="Review every this many days (default: setting)."
    ),
    basis: str | None = typer.Option(None, "--basis", help="Why the data is kept."),
) -> None:
    """Set the retention period of a dataset or a table."""
    cfg = settings()
    with opened_store(cfg, model=False) as store, store.begin() as conn:
        policy = retention.set_policy(
            conn, scope_kind=kind, scope=scope, period_days=days,
            review_every_days=review_days or cfg.retention_review_days, basis=basis,
            actor=ACTOR, erasers=retention_erasers(cfg, store),
        )  # fmt: skip
    out.print(
        f"{kind} {scope}: kept {days} days, next review {policy['next_review_at']:%Y-%m-%d}",
        highlight=False,
    )


@app.command("review")
def review_command(
    kind: str = typer.Argument(..., help="dataset or table"),
    scope: str = typer.Argument(...),
    hold_until: str | None = typer.Option(
        None, "--hold-until", help="Keep expired data until this ISO date (UTC)."
    ),
    note: str | None = typer.Option(None, "--note", help="Why (kept in the audit log)."),
) -> None:
    """Record a review of a policy (optionally a hold on its expired data)."""
    hold = None
    if hold_until:
        try:
            hold = datetime.fromisoformat(hold_until)
        except ValueError as exc:
            raise typer.BadParameter(f"not an ISO date: {hold_until!r}") from exc
        hold = hold.replace(tzinfo=UTC) if hold.tzinfo is None else hold
    with opened_store(model=False) as store, store.begin() as conn:
        policy = retention.review(
            conn, scope_kind=kind, scope=scope, actor=ACTOR, hold_until=hold, note=note
        )
    out.print(f"reviewed; next review {policy['next_review_at']:%Y-%m-%d}", highlight=False)


@app.command("apply")
def apply_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be erased."),
) -> None:
    """Erase the data past its retention period (each scope audited, without personal data)."""
    cfg = settings()
    with opened_store(cfg, model=False) as store:
        report = retention.apply(store, retention_erasers(cfg, store), actor=ACTOR, dry_run=dry_run)
    if not report:
        out.print("nothing past its retention period")
    for item in report:
        counts = item.get("would_erase") or item.get("erased") or {}
        verb = "would erase" if dry_run else "erased"
        if "held_until" in item:
            verb, counts = f"on hold until {item['held_until']:%Y-%m-%d}:", {}
        listed = ", ".join(f"{n} {k}" for k, v in counts.items() for n in [v]) or "nothing"
        out.print(f"{item['scope_kind']} {item['scope']}: {verb} {listed}", highlight=False)
