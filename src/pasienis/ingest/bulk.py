"""Large imports into small tables load without the tables' secondary indexes.

Maintaining B-tree indexes on random keys row by row is what limits bulk loads on SQLite
(1M crossings: 42k rows/s with every index, 117k rows/s with only the primary key, then 5 s
to build the three others sorted; see :mod:`pasienis.store.bulkload`). An import expected to
bring at least as many records as a table it writes already holds defers that table's
secondary indexes and rebuilds them when it ends. Primary keys stay, so re-imports and
resumed imports stay idempotent; readers meanwhile get correct but slower answers. A larger
table keeps its indexes: rebuilding them would cost more than maintaining them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pasienis.ingest.compile import CompiledMapping
from pasienis.ingest.options import setting_default
from pasienis.store import Store, defer_indexes, estimate_rows, restore_indexes

log = logging.getLogger(__name__)

#: Records from which an import may defer indexes (``Settings.ingest_defer_indexes_from``).
DEFAULT_DEFER_FROM: int = setting_default("ingest_defer_indexes_from")
STATEMENTS = "statements"
#: The index the entity guard (:mod:`.access`) looks entity ids up with, per batch.
ENTITY_INDEX = "ix_statements_entity_id"


def owner_of(run_id: str) -> str:
    """How an import run is named as the owner of the indexes it deferred."""
    return f"import:{run_id}"


def tables_written(compiled: CompiledMapping | None) -> list[str]:
    """The tables an import with this mapping writes in bulk (``None``: an FtM stream)."""
    if compiled is None:
        return [STATEMENTS]
    tables = [STATEMENTS] if compiled.entities else []
    return tables + sorted({event.table.name for event in compiled.events})


def defer_for_import(
    store: Store,
    *,
    run_id: str,
    compiled: CompiledMapping | None,
    expected: int | None,
    threshold: int,
    keep: tuple[str, ...] = (),
) -> list[str]:
    """Defer the secondary indexes of the tables this import outgrows (except ``keep``, which
    the import itself reads while it writes); their names."""
    if threshold <= 0 or expected is None or expected < threshold:
        return []
    names: list[str] = []
    with store.begin() as conn:
        for table in tables_written(compiled):
            if estimate_rows(conn, table) <= expected:
                names += defer_indexes(conn, table, owner=owner_of(run_id), keep=keep)
    return names


def restore_for_import(
    store: Store, *, run_id: str, progress: Callable[[str, int, int], None] | None = None
) -> list[str]:
    """Rebuild what this import deferred (also what an earlier, killed attempt deferred)."""

    def report(done: int, total: int, name: str) -> None:
        if progress is not None:
            progress(name, done, total)

    built = restore_indexes(store, owners=[owner_of(run_id)], progress=report)
    if built:
        log.info("import %s rebuilt %d deferred index(es): %s", run_id, len(built), built)
    return built
