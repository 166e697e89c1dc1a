"""``pasienis search QUERY [--json]`` and ``pasienis search reindex``.

``search`` is a group whose unknown first word is the query (``pasienis search Ivanov``),
so ``reindex`` and ``catch-up`` stay sub-commands. Every search is written to the audit log.
"""

from __future__ import annotations

import getpass
import json
from datetime import date
from typing import Any

import click
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from pasienis.cli.context import opened_store
from pasienis.search import SearchQuery, catch_up, reindex, search
from pasienis.security import AuditEntry, append_entry
from pasienis.security.compartments import list_datasets

out = Console()


class QueryFirst(TyperGroup):
    """A group that treats an unknown first argument as the ``query`` command's text."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["query", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=QueryFirst, help="Search entities: names, codes, plates.", no_args_is_help=True
)


@app.command("query")
def query_command(
    text: str = typer.Argument(..., help="A name, a phone, an IBAN, a plate, any value."),
    as_json: bool = typer.Option(False, "--json", help="One JSON line per hit."),
    schema: list[str] = typer.Option([], "--schema", help="Only this schema (repeatable)."),
    country: list[str] = typer.Option([], "--country", help="Only this country (repeatable)."),
    dataset: list[str] = typer.Option([], "--dataset", help="Only this dataset (repeatable)."),
    date_from: str | None = typer.Option(None, "--from", help="Dates on or after (ISO)."),
    date_to: str | None = typer.Option(None, "--to", help="Dates on or before (ISO)."),
    limit: int = typer.Option(20, "--limit", help="Hits per page."),
    offset: int = typer.Option(0, "--offset", help="Hits to skip."),
    purpose: str | None = typer.Option(None, "--purpose", help="Why (kept in the audit log)."),
) -> None:
    """Search every dataset of the store (the CLI runs with the store's own access)."""
    query = SearchQuery(
        text=text, schemas=tuple(schema), countries=tuple(country), datasets=tuple(dataset),
        date_from=_date(date_from), date_to=_date(date_to), limit=limit, offset=offset,
    )  # fmt: skip
    with opened_store() as store:
        with store.read() as conn:
            everything = [name for name, _, _ in list_datasets(conn)]
            result = search(store, conn, query, datasets=everything)
        ids = [h.entity_id for h in result.hits]
        append_entry(store, AuditEntry(
            actor_id=None, actor_name=f"cli:{getpass.getuser()}", actor_kind="cli",
            action="search", entity_ids=tuple(ids), query={"q": text, "offset": offset},
            detail={"total": result.total}, purpose=purpose,
        ))  # fmt: skip
    if as_json:
        for hit in result.hits:
            out.print(
                json.dumps(hit.to_dict(), ensure_ascii=False), highlight=False, soft_wrap=True
            )
        return
    _table(result.to_dict())


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO date: {value!r}") from exc


def _table(result: dict[str, Any]) -> None:
    shown = f"≥ {result['total']}" if result["truncated"] else str(result["total"])
    table = Table(title=f"{shown} found")
    for col in ("score", "schema", "caption", "datasets", "entity id"):
        table.add_column(col)
    for h in result["hits"]:
        table.add_row(f"{h['score']:.2f}", h["schema"], h["caption"], ", ".join(h["datasets"]),
                      h["entity_id"])  # fmt: skip
    out.print(table)


@app.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from every statement (idempotent)."""
    with opened_store() as store:
        done = reindex(store, progress=lambda n: out.print(f"{n} index rows", highlight=False))
    out.print(f"indexed {done} (entity, dataset) rows")


@app.command("catch-up")
def catch_up_command() -> None:
    """Index the entities of imports completed since the last catch-up (the server does this
    by itself every few seconds)."""
    with opened_store() as store:
        runs = catch_up(store, limit=1_000_000)
    out.print(f"indexed {runs} completed import(s)")
