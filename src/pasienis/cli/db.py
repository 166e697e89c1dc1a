"""``pasienis db``: migrations, engine checks and indexes deferred by bulk loads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pasienis.cli.context import opened_store
from pasienis.store import (
    RestoreProgress,
    Store,
    current_revision,
    deferred,
    head_revision,
    restore_indexes,
    revisions_between,
    upgrade,
)

app = typer.Typer(
    help="Database schema: apply migrations, show the revision, rebuild deferred indexes.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


@app.command("upgrade")
def upgrade_command(
    revision: str = typer.Argument("head", help="Revision to migrate to."),
) -> None:
    """Apply database migrations, then rebuild every index a bulk load left deferred.

    Deferred indexes are rebuilt before migrating too, so that migrations see the indexes
    they were written against.
    """
    with opened_store(model=False) as store:
        store.check()
        before = current_revision(store)
        rebuilt = _restore(store)
        upgrade(store, revision)
        rebuilt += _restore(store)
        after = current_revision(store)
        steps = revisions_between(before, after)
        for rev, doc in steps:
            out.print(f"applied {rev}: {doc}", highlight=False)
        what = f"{len(steps)} migration(s) applied" if steps else "already up to date"
        out.print(
            f"database at revision [bold]{after}[/] ({store.engine_name}, was "
            f"{before or 'empty'}): {what}"
        )
        if rebuilt:
            out.print(f"rebuilt {len(rebuilt)} deferred index(es): {', '.join(rebuilt)}")


@app.command("current")
def current_command() -> None:
    """Show the revision the database is at and the newest one available."""
    with opened_store(model=False) as store:
        out.print(f"current: {current_revision(store)}  head: {head_revision()}")


@app.command("indexes")
def indexes_command() -> None:
    """Secondary indexes dropped by a bulk load and not rebuilt yet (reads are slower)."""
    with opened_store(model=False) as store, store.read() as conn:
        rows = deferred(conn)
    if not rows:
        out.print("no deferred indexes")
        return
    table = Table("index", "table", "owner", "since (UTC)")
    for row in rows:
        since = f"{row['deferred_at']:%Y-%m-%d %H:%M:%S}"
        table.add_row(row["index_name"], row["table_name"], row["owner"], since)
    out.print(table)


@app.command("restore-indexes")
def restore_indexes_command(
    table: list[str] = typer.Option([], "--table", "-t", help="Only this table (repeatable)."),
    owner: list[str] = typer.Option(
        [], "--owner", help="Only indexes deferred by this owner, e.g. an import run."
    ),
) -> None:
    """Rebuild deferred indexes, one transaction each (safe to interrupt and run again)."""
    with opened_store(model=False) as store:
        rebuilt = _restore(store, tables=table or None, owners=owner or None)
    if not rebuilt:
        out.print("no deferred indexes to rebuild")
        return
    out.print(f"rebuilt {len(rebuilt)} index(es): {', '.join(rebuilt)}")


def _restore(
    store: Store, *, tables: list[str] | None = None, owners: list[str] | None = None
) -> list[str]:
    with _progress() as progress:
        return restore_indexes(store, tables=tables, owners=owners, progress=progress)


@contextmanager
def _progress() -> Iterator[RestoreProgress]:
    """A rich progress display on stderr: indexes done of total, the one being built."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task: list[int] = []

        def update(done: int, total: int, index_name: str) -> None:
            if not task:
                task.append(bar.add_task("rebuilding", total=total))
            label = "rebuilt" if done == total else f"building {index_name}"
            bar.update(task[0], completed=done, total=total, description=label)

        yield update
