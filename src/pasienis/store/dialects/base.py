"""What every engine must provide: bulk loading, upserts, spatial, index catalog, checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table

from pasienis.config import Settings
from pasienis.store.types import UTCDateTime

Row = Sequence[Any]
Converter = Callable[[Any], Any]


class OnConflict(StrEnum):
    """What a bulk insert does with a row whose primary key is already stored."""

    #: Keep the stored row (import records, rows written outside imports).
    IGNORE = "ignore"
    #: Keep the stored row but raise its ``last_seen`` (statements and events a later import
    #: states again).
    TOUCH = "touch"


@dataclass(frozen=True)
class BulkPlan:
    """A table and the column order of the rows handed to :meth:`Dialect.bulk_insert`."""

    table: Table
    columns: tuple[str, ...]
    touch: tuple[str, ...] = field(default=("last_seen",))
    #: With :attr:`OnConflict.TOUCH`: columns a row already stored is raised to one value
    #: (a later import run's stamp), already as the driver binds it. A new row leaves them
    #: NULL, so a first statement of a million events costs nothing.
    restamp: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.primary_key.columns)


def naive_utc_text(value: datetime | None) -> str | None:
    """Format an aware datetime as the naive-UTC text SQLAlchemy stores on SQLite.

    Shifted by its offset rather than ``astimezone(UTC).replace(tzinfo=None)``, and the
    offset cut from the ISO text: the same text in half the time (``replace`` alone costs
    0.8 µs, and imports format a time per event). ``isoformat`` pads the year to four digits
    as SQLAlchemy does, so the text is always 26 characters before the offset.
    """
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {value!r}")
    return (value - offset).isoformat(" ", "microseconds")[:26]


#: :func:`naive_utc_text`, cached for columns whose values repeat (the provenance times of
#: statements); event times are mostly distinct and are formatted uncached.
utc_naive_text = lru_cache(maxsize=4096)(naive_utc_text)


def json_text(value: Any) -> str | None:
    """Serialise a JSON column value the same way on every engine."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def column_converters(plan: BulkPlan, *, datetime_as_text: bool) -> list[Converter | None]:
    """One converter per column (``None`` when the driver takes the value as it is)."""
    converters: list[Converter | None] = []
    for name in plan.columns:
        col_type = plan.table.c[name].type
        if isinstance(col_type, UTCDateTime):
            converters.append(utc_naive_text if datetime_as_text else require_aware)
        elif col_type.__class__.__name__ == "JSON":
            converters.append(json_text)
        else:
            converters.append(None)
    return converters


def require_aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}")
    return value


def convert_batch(rows: list[Row], converters: list[Converter | None]) -> list[Row]:
    """Apply per-column converters to a batch column by column (C-level ``map`` and ``zip``
    instead of a Python loop per row: about a microsecond a row less on 1M-row imports)."""
    active = [(i, c) for i, c in enumerate(converters) if c is not None]
    if not active or not rows:
        return rows
    columns: list[Any] = list(zip(*rows, strict=True))
    for i, conv in active:
        columns[i] = list(map(conv, columns[i]))
    return list(zip(*columns, strict=True))


def convert_rows(rows: Iterable[Row], converters: list[Converter | None]) -> Iterable[tuple]:
    """Apply per-column converters lazily; rows pass untouched when none are needed."""
    active = [(i, c) for i, c in enumerate(converters) if c is not None]
    if not active:
        yield from (tuple(r) for r in rows)
        return
    for row in rows:
        out = list(row)
        for i, conv in active:
            out[i] = conv(out[i])
        yield tuple(out)


class Dialect(Protocol):
    """Engine-specific behaviour. Implementations are stateless singletons."""

    name: str

    def configure(self, engine: Engine, *, settings: Settings) -> None:
        """Attach connection-level settings (pragmas, begin mode) to a new engine."""

    def check_features(self, conn: Connection) -> list[str]:
        """Return the names of required engine features that are missing."""

    def bulk_insert(
        self,
        conn: Connection,
        plan: BulkPlan,
        rows: Iterable[Row],
        *,
        on_conflict: OnConflict,
        converted: bool = False,
    ) -> int:
        """Write many rows by the engine's fast path; return how many rows were sent.

        ``converted``: the caller already made every value what the driver binds (see
        :meth:`bind_datetime`; JSON as text), so no per-column conversion runs.
        """

    def bind_datetime(self, value: datetime) -> Any:
        """What :meth:`bulk_insert` binds for an aware datetime (naive UTC text on SQLite).

        Importers convert event times while they still hold them column by column, rather
        than have the writer transpose whole batches to convert one column.
        """

    def spatial_ddl(self, table: str) -> list[str]:
        """DDL that indexes ``lat``/``lon`` of an event table for bounding-box queries."""

    def drop_spatial_ddl(self, table: str) -> list[str]:
        """DDL that removes what :meth:`spatial_ddl` created."""

    def bbox_ids_sql(self, table: str) -> str:
        """SQL selecting ``id`` of rows inside ``:west, :south, :east, :north``."""

    def droppable_indexes(self, conn: Connection, table: str) -> list[tuple[str, str]]:
        """``(name, ddl)`` of the table's secondary indexes that a bulk load may drop.

        Only plain indexes: never the primary key, a unique index or one that backs a
        constraint (imports rely on ``ON CONFLICT`` against those), and never one the engine
        created by itself. ``ddl`` is the exact ``CREATE INDEX`` text from the catalog.
        """

    def index_build(self, conn: Connection) -> AbstractContextManager[None]:
        """Connection settings for building indexes, restored on exit.

        ``conn`` is not inside a transaction yet (some settings cannot change inside one).
        """

    def one_pass(self, conn: Connection) -> AbstractContextManager[None]:
        """Connection settings for a query that reads many pages once (a count over a large
        table), restored on exit; may be used inside a transaction."""

    def estimate_rows(self, conn: Connection, table: str) -> int:
        """A cheap estimate of the table's row count (never a full scan of a large table)."""

    def write_gate(self, database: str | None) -> threading.RLock | None:
        """A lock this process's write transactions on ``database`` take before the engine's
        own (SQLite: see :func:`pasienis.store.dialects.sqlite.write_gate`); ``None`` where
        writers do not queue on one database-wide lock."""

    def transaction_lock(self, conn: Connection, name: str) -> None:
        """Hold the lock ``name`` until the caller's transaction ends (see
        :func:`pasienis.store.commit_in_order`)."""

    # --- full-text search (pasienis.search) ------------------------------------------------
    def fts_ddl(self) -> list[str]:
        """DDL for the full-text side of ``search_entities`` (run by the search migration)."""

    def drop_fts_ddl(self) -> list[str]:
        """DDL that removes what :meth:`fts_ddl` created."""

    def fts_replace(self, conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
        """(Re)index ``(search_entities.id, folded text)`` pairs in the full-text side."""

    def fts_delete(self, conn: Connection, ids: Sequence[int]) -> None:
        """Remove ``search_entities`` rows from the full-text side (before deleting them)."""

    def fts_candidates(
        self, conn: Connection, *, tokens: Sequence[str], datasets: Sequence[str], limit: int
    ) -> list[tuple[int, float]]:
        """``(row id, rank)`` of rows of ``datasets`` holding every token (the last as a
        prefix), best first; rank is larger for better matches. Tokens are ``[a-z0-9]+``."""

    def fuzzy_candidates(
        self, conn: Connection, *, text: str, datasets: Sequence[str], limit: int
    ) -> list[tuple[int, float]]:
        """``(row id, similarity)`` by character trigrams of the names, where the engine has
        them (PostgreSQL ``pg_trgm``); an empty list elsewhere (typo keys cover it)."""

    # --- change counters (pasienis.security's principal cache) ------------------------------
    def change_counter_ddl(self, *, table: str, counter: str) -> list[str]:
        """Triggers that raise ``counter.value`` (row ``id = 1``) in the writing transaction
        on every row change of ``table``, whoever writes."""

    def drop_change_counter_ddl(self, *, table: str, counter: str) -> list[str]:
        """DDL that removes the triggers :meth:`change_counter_ddl` put on ``table``."""

    def drop_change_counter_function_ddl(self, *, counter: str) -> list[str]:
        """DDL that removes what the triggers share (nothing on SQLite)."""

    def missing_change_counters(
        self, conn: Connection, *, tables: tuple[str, ...], counter: str
    ) -> list[str]:
        """Tables among ``tables`` without their counter triggers (and ``counter`` when its
        row is missing): a cache keyed on the counter must not trust it then."""
