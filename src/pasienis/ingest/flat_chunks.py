"""The column-wise path: delimited rows processed a chunk at a time (see :mod:`.flat`).

A record whose every entity was already written from the same raw values (a ``done`` hit),
and whose event values are cached without problems, costs a few C-level zips and dict
lookups here. Any other record goes through the record path (``process_vector``), in its
place, so the result is the record path's, which is the general definition's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any, NamedTuple

from pasienis.ingest.cache import MISSING
from pasienis.ingest.flat_plans import Columns, EntityPlan, EventPlan, VectorFn, done_keys
from pasienis.ingest.pipeline import Output, RecordProblem
from pasienis.ingest.rows import event_attributes, id_of_key


class _Chunk(NamedTuple):
    rows: list[list[str]]
    indexes: Sequence[int]
    lines: Sequence[int]


class ChunkedRows:
    """``process_rows`` of :class:`.flat.FlatProcessor` (a mixin over the processor)."""

    fields: tuple[str, ...]
    name: str
    dataset: str
    run_id: str
    bound: bool
    entity_plans: list[EntityPlan]
    event_plans: list[EventPlan]
    vector_columns: dict[str, list[VectorFn]]
    _field_index: list[int]
    _to_vector: Callable[[list[Any]], Sequence[Any]]
    process_vector: Callable[..., None]

    def process_rows(self, items: Sequence[tuple[int, int, list[str]]], out: Output) -> None:
        """Add the rows of many delimited records at once (``DelimitedReader.rows()`` items):
        :meth:`process_chunk` of their rows, indexes and lines."""
        self.process_chunk(
            [item[2] for item in items], [item[0] for item in items], [item[1] for item in items],
            out,
        )  # fmt: skip

    def process_chunk(
        self, rows: list[list[str]], indexes: Sequence[int], lines: Sequence[int], out: Output
    ) -> None:
        """Add the rows of many delimited records at once, with their record indexes and line
        numbers (``range`` objects for a :class:`~.readers.delimited.RowBlock`).

        The same result as :meth:`process_vector` record by record, computed column-wise:
        a record whose every entity was already written from the same raw values (a ``done``
        hit), and whose event values are cached without problems, costs a few C-level zips
        and dict lookups. Any other record (a new entity, a problem) goes through
        :meth:`process_vector`, in its place, so events keep the file's order.
        """
        n = len(rows)
        if not n:
            return
        chunk = _Chunk(rows, indexes, lines)
        by_header = list(zip(*rows, strict=True))
        empty: tuple[None, ...] = (None,) * n
        columns: Columns = [by_header[i] if i >= 0 else empty for i in self._field_index]
        slow: set[int] = set()
        ref_ids = self._entity_columns(columns, n, slow)
        if ref_ids is None:
            self._rows_one_by_one(chunk, range(n), out)
            return
        events = [
            self._event_column(plan, columns, ref_ids, chunk, n, slow) for plan in self.event_plans
        ]
        fast = n - len(slow)
        if not slow:
            for plan, rows_of in zip(self.event_plans, events, strict=True):
                self._extend(out, plan.name, rows_of)
            out.records += n
            return
        start = 0
        for index in sorted(slow):
            if index > start:
                for plan, rows_of in zip(self.event_plans, events, strict=True):
                    self._extend(out, plan.name, rows_of[start:index])
            self._rows_one_by_one(chunk, (index,), out)
            start = index + 1
        for plan, rows_of in zip(self.event_plans, events, strict=True):
            self._extend(out, plan.name, rows_of[start:])
        out.records += fast

    def _entity_columns(
        self, columns: Columns, n: int, slow: set[int]
    ) -> dict[str, list[Any]] | None:
        """Entity ids per record from ``done`` hits (``None``: no entity or a miss, which is
        added to ``slow``); ``None`` when a plan cannot be looked up this way."""
        ref_ids: dict[str, list[Any]] = {}
        for plan in self.entity_plans:
            if not plan.done_ok:
                return None
            if plan.carried_by is not None:
                continue  # filled with its carrier's
            done = plan.done
            misses = done.misses
            found = list(map(done.__getitem__, done_keys(plan, columns, ref_ids, n)))
            if done.misses != misses:
                slow.update(i for i, eid in enumerate(found) if eid is MISSING)
                if plan.rider is not None:
                    found = [(MISSING, MISSING) if f is MISSING else f for f in found]
            if plan.rider is not None:
                own, carried = zip(*found, strict=True) if found else ((), ())
                ref_ids[plan.name], ref_ids[plan.rider.name] = list(own), list(carried)
            else:
                ref_ids[plan.name] = found  # MISSING only in slow records
        return ref_ids

    @staticmethod
    def _extend(out: Output, name: str, rows: list[Any]) -> None:
        made = [row for row in rows if row is not None]
        if made:
            out.events.setdefault(name, []).extend(made)

    def _rows_one_by_one(self, chunk: _Chunk, which: Any, out: Output) -> None:
        name, vector, process = self.name, self._to_vector, self.process_vector
        rows, indexes, lines = chunk
        for i in which:
            item = (indexes[i], lines[i], rows[i])  # as DelimitedReader.rows() gives it
            process(vector(rows[i]), f"{name}:{lines[i]}", out, item)

    def _event_column(
        self,
        plan: EventPlan,
        columns: Columns,
        ref_ids: dict[str, list[Any]],
        chunk: _Chunk,
        n: int,
        slow: set[int],
    ) -> list[Any]:
        """One event plan's rows for a chunk (``None`` where no event); records whose values
        have a problem, or whose id needs the general path, are added to ``slow``."""
        ids = self._event_ids(plan, columns, n, keys=self._writer_ids)
        if None in ids:
            slow.update(i for i, eid in enumerate(ids) if eid is None)
        values = []
        for fn in self.vector_columns[plan.name]:
            column, maybe_problems = fn(columns, ref_ids, n)
            if maybe_problems and RecordProblem in set(map(type, column)):
                slow.update(i for i, v in enumerate(column) if type(v) is RecordProblem)
            values.append(column)
        attrs = self._attributes(plan, columns, n)
        locators = list(map(f"{self.name}:".__add__, map(str, chunk.lines)))
        made = list(
            zip(
                ids,
                repeat(self.dataset),
                locators,
                repeat(self.run_id),
                attrs,
                *values,
                strict=False,
            )
        )
        if plan.when_col is not None:
            when, field = plan.e.when, self.fields[plan.when_col]
            assert when is not None
            cache: dict[Any, bool] = {}
            for i, raw in enumerate(columns[plan.when_col]):
                keep = cache.get(raw)
                if keep is None:
                    keep = cache[raw] = when({field: raw})
                if not keep:
                    made[i] = None
        return made

    @staticmethod
    def _attributes(plan: EventPlan, columns: Columns, n: int) -> list[str | None]:
        """The ``attributes`` JSON of a chunk's events (source fields with no column)."""
        if not plan.attributes:
            return [None] * n
        names = plan.attribute_names
        return [
            event_attributes(names, row)
            for row in zip(*(columns[i] for _a, i in plan.attributes), strict=True)
        ]

    @staticmethod
    def _event_ids(plan: EventPlan, columns: Columns, n: int, *, keys: bool) -> list[Any]:
        """Ids of a chunk's events whose key parts are plain columns, as :func:`event_id`
        makes them, or their key texts with ``keys`` (:attr:`Output.writer_ids`); ``None``:
        the general path, which also reports an empty key."""
        index = [i for i, _cv, _cols in plan.key]
        if min(index) < 0:
            return [None] * n
        if len(index) == 1:
            parts = [
                part if type(raw) is str and (part := raw.strip()) else None
                for raw in columns[index[0]]
            ]
        else:
            parts = []
            for raw in zip(*(columns[i] for i in index), strict=True):
                found = [part for v in raw if type(v) is str and (part := v.strip())]
                parts.append("\x1f".join(found) if found else None)
        if keys:
            return parts
        prefix, hashed = plan.id_prefix, plan.hashed
        return [id_of_key(prefix, hashed, key) if key is not None else None for key in parts]
