"""The fast path for flat records (no ``each`` groups): per-mapping plans and raw-value caches.

Registers repeat: the same person, vehicle and checkpoint come back on thousands of rows. So
every entity key, entity body and event column is computed by the general code of
:mod:`pasienis.ingest.pipeline` once per distinct tuple of the *raw* source values it reads
(plus the ids of entities it refers to), and looked up afterwards. A row whose entities were
all seen costs a few tuple builds and dict lookups; transforms, cleaning, ``make_id`` and
statement building run once per distinct raw tuple. Outcomes are cached whole, problems
included, so a record gets the same quarantine reason whether or not its values were seen
before, and an entity counts as written only when its record was accepted.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import repeat
from operator import itemgetter
from typing import Any

from pasienis.ingest.cache import MISSING, GenerationCache
from pasienis.ingest.compile import CEntity, CEvent, CompiledMapping, CValue
from pasienis.ingest.pipeline import (
    CACHE_LIMIT,
    Output,
    Processor,
    RecordProblem,
    _evaluate,
    _sid,
    combined,
    detached,
    id_of_key,
    id_scheme,
)
from pasienis.ingest.readers.base import SourceRecord

#: Bound of each event column's raw → value cache (times are often unique per row).
COLUMN_CACHE_LIMIT = 20_000
#: Records per vectorised chunk (:meth:`FlatProcessor.process_rows`).
CHUNK_ROWS = 2_000
ColumnFn = Callable[[Sequence[Any], dict[str, str]], Any]
#: A chunk's source values in ``fields`` order, one sequence per field.
Columns = list[Sequence[Any]]
#: A column of values for a chunk, and whether it may hold problems (to look for).
VectorFn = Callable[[Columns, dict[str, list[Any]], int], tuple[list[Any], bool]]
_INCOMPLETE = object()  # an entity missing a required property: its id is dropped


def _tuple_getter(indexes: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A C-level getter of a tuple of positions (``itemgetter`` of one returns a scalar)."""
    if not indexes:
        return lambda _v: ()
    if len(indexes) == 1:
        return itemgetter(indexes[0], indexes[0])
    return itemgetter(*indexes)


def _sources(values: Sequence[CValue | Any]) -> tuple[list[str], list[str]]:
    cols: list[str] = []
    refs: list[str] = []
    for spec in values:
        for name in spec.source_fields():
            if name not in cols:
                cols.append(name)
        if spec.entity is not None and spec.entity not in refs:
            refs.append(spec.entity)
    return cols, refs


class _Body:
    """The cleaned statements of one entity from one raw tuple, the values quarantined on
    their own, and whether they went out."""

    __slots__ = ("eid", "emitted", "fingerprint", "problems", "values")

    def __init__(
        self,
        eid: str,
        values: list[tuple[str, str, str, str | None]],
        schema: str,
        problems: list[RecordProblem],
    ):
        self.eid, self.values, self.emitted, self.problems = eid, values, False, problems
        self.fingerprint = hash((schema, tuple(values)))


class _EntityPlan:
    def __init__(self, entity: CEntity, spec: Any, pos: dict[str, int], cache_entries: int) -> None:
        self.e = entity
        self.name = entity.name
        key_cols, self.key_refs = _sources(spec.key)
        body_cols, self.body_refs = _sources(list(spec.properties.values()))
        self.key_cols, self.body_cols = key_cols, body_cols
        self.key_get = _tuple_getter([pos[c] for c in key_cols])
        self.body_get = _tuple_getter([pos[c] for c in body_cols])
        self.when_col = pos[spec.when.column] if spec.when is not None else None
        # raw key values → id, None or a problem; (id, raw values) → _Body or a problem. Where
        # ``done`` applies, a written entity is found there: these keep only what it cannot
        # hold (problems, no entity, incomplete entities, entities of rejected records).
        self.keys = GenerationCache(cache_entries)
        self.bodies = GenerationCache(cache_entries)
        # Key and body depend on these raw values (and the ids of the entities referred to)
        # only: raw values → id of an entity already written, one lookup for a repeated
        # entity. ``None`` records that the same inputs made no entity (condition false,
        # empty key). Filled only from accepted records, so a hit never hides a problem.
        # The key is the raw value itself for one column, else the tuple of raw values and,
        # with references, the ids referred to (what :func:`_done_keys` makes for a chunk).
        union = key_cols + [c for c in body_cols if c not in key_cols]
        if spec.when is not None and spec.when.column not in union:
            union.append(spec.when.column)
        self.plain = not (self.key_refs or self.body_refs or spec.when or entity.ref_only)
        self.union_index = [pos[c] for c in union]
        self.refs = list(dict.fromkeys(self.key_refs + self.body_refs))
        if len(self.union_index) == 1 and not self.refs:
            self.union_get: Callable[[Sequence[Any]], Any] = itemgetter(self.union_index[0])
        else:
            whole = _tuple_getter(self.union_index)
            self.union_get = (lambda v: (v[self.union_index[0]],)) if len(union) == 1 else whole
        self.done = GenerationCache(cache_entries)
        self.done_ok = False  # set by the processor: every reference is to an earlier entity
        self.ref_plans: list[_EntityPlan] = []  # the plans of ``refs``, set by the processor
        # A plan whose outcome this plan's raw values decide (see :func:`_pair_riders`): its
        # id rides in this plan's ``done`` entries, as ``(own id, rider's id)``.
        self.rider: _EntityPlan | None = None
        self.carried_by: _EntityPlan | None = None

    def done_key(self, vec: Sequence[Any], ids: dict[str, str]) -> Any:
        """The ``done`` key of one record."""
        raw = self.union_get(vec)
        return (*raw, *(ids.get(r) for r in self.refs)) if self.refs else raw


class _EventPlan:
    def __init__(self, event: CEvent, spec: Any, pos: dict[str, int]) -> None:
        self.e = event
        self.name = event.name
        self.when_col = pos[spec.when.column] if spec.when is not None else None
        self.key = [self._part(cv, vs, pos) for cv, vs in zip(event.key, spec.key, strict=True)]
        self.specs = list(spec.columns.values())
        self.attributes = [(a, pos[a]) for a in event.attributes]
        # One id part from a plain column: event_id() / make_id() inlined.
        self.single = self.key[0][0] if len(self.key) == 1 else -1
        self.id_prefix, self.hashed = id_scheme(event.namespace)

    @staticmethod
    def _part(cv: CValue, spec: Any, pos: dict[str, int]) -> tuple[int, CValue, list[str]]:
        """(position of a plain column or -1, the value, its source columns)."""
        plain = spec.column is not None and not cv.transforms and not cv.required
        cols, _refs = _sources([spec])
        return (pos[spec.column] if plain else -1, cv, cols)


class FlatProcessor(Processor):
    """Processes flat records given as value vectors in ``fields`` order (see :attr:`fields`)."""

    def __init__(
        self,
        compiled: CompiledMapping,
        *,
        run_id: str,
        seen: datetime,
        cache_entries: int = CACHE_LIMIT,
        bind_time: Callable[[datetime], Any] | None = None,
    ) -> None:
        super().__init__(
            compiled, run_id=run_id, seen=seen, cache_entries=cache_entries, bind_time=bind_time
        )
        m = compiled.loaded.mapping
        self.fields: tuple[str, ...] = compiled.plan.fields
        self._header: list[str] = []  # of a delimited source, for quarantined rows
        self._cache_ids = False  # ``keys`` maps raw key values to ids already
        pos = {f: i for i, f in enumerate(self.fields)}
        specs = {**m.entities, **m.events}
        self.entity_plans = [
            _EntityPlan(e, specs[e.name], pos, cache_entries) for e in compiled.entities
        ]
        earlier: dict[str, _EntityPlan] = {}
        for plan in self.entity_plans:
            plan.done_ok = set(plan.refs) <= set(earlier)
            plan.ref_plans = [earlier[r] for r in plan.refs if r in earlier]
            earlier[plan.name] = plan
        _pair_riders(self.entity_plans)
        self.name = ""
        self.event_plans = [_EventPlan(e, specs[e.name], pos) for e in compiled.events]
        self.vector_columns: dict[str, list[VectorFn]] = {}
        self.columns: dict[str, list[ColumnFn]] = {}
        for plan in self.event_plans:
            fns = [
                self._column_fn(plan.e, col, vs, pos)
                for col, vs in zip((c for c, _k, _v in plan.e.columns), plan.specs, strict=True)
            ]
            self.columns[plan.name] = [row for row, _vector in fns]
            self.vector_columns[plan.name] = [vector for _row, vector in fns]
        self._to_vector: Callable[[list[Any]], Sequence[Any]] = lambda r: r
        self._field_index: list[int] = []

    @property
    def header(self) -> list[str]:
        """The header of a delimited source (rows come in its order)."""
        return self._header

    @header.setter
    def header(self, header: list[str]) -> None:
        self._header = list(header)
        self._to_vector = vector_getter(self.fields, self._header)
        position = {h: i for i, h in enumerate(self._header)}  # a repeated name: the last
        self._field_index = [position.get(f, -1) for f in self.fields]

    def process(self, record: SourceRecord, out: Output) -> None:
        """A record from any flat reader (dict fields)."""
        if record.problem is not None:
            super().process(record, out)
            return
        get = record.fields.get
        self.process_vector(tuple(get(f) for f in self.fields), record.locator, out, record)

    def process_vector(  # noqa: C901 - the hot path, one frame on purpose
        self, vec: Sequence[Any], locator: str, out: Output, record: Any = None
    ) -> None:
        """Add the rows of one record, given as values in :attr:`fields` order.

        ``record`` is a :class:`SourceRecord` or the ``(index, line, row)`` tuple of
        :meth:`DelimitedReader.rows` (a SourceRecord is made only for quarantine).
        """
        out.records += 1
        ids: dict[str, str] = {}
        stmts: list[tuple[Any, ...]] = []
        pending: list[tuple[_Body, Any, _EntityPlan]] = []
        try:
            made, hit = [], []
            for plan in self.entity_plans:
                if plan.carried_by is not None and plan.carried_by in hit:
                    continue  # its id came with its carrier's done hit
                # A done hit is exact only if the ids it was keyed with are final: those of
                # entities that were done hits themselves (a fresh one may yet be dropped).
                if (
                    plan.done_ok
                    and plan.carried_by is None
                    and all(r in hit for r in plan.ref_plans)
                ):
                    found = self._done_lookup(plan, vec, ids)
                    if found is not MISSING:
                        if plan.rider is not None:
                            found, carried = found
                            if carried:
                                ids[plan.rider.name] = carried
                            hit.append(plan.rider)
                        if found:
                            ids[plan.name] = found
                        hit.append(plan)
                        continue
                if self._made(plan, vec, ids):
                    made.append((plan, None))
            entities = 0
            for plan, raw in made:
                entities += self._body(plan, vec, ids, locator, stmts, pending, raw)
            rows = [
                (ev.name, self._event_row(ev, vec, ids, locator))
                for ev in self.event_plans
                if ev.when_col is None or self._when(ev.e, ev.when_col, vec)
            ]
        except RecordProblem as problem:
            record = self._source_record(record, locator, vec)
            out.quarantine.append((record, detached(self._all_problems(vec, locator, problem))))
            return
        written = self._written
        clean = True  # no value quarantined: the record may fill ``done`` entries
        for body, _union, _plan in pending:
            body.emitted = True
            body.values = []  # written: only the fingerprint is compared from now on
            written.put(body.eid, body.fingerprint)
            if body.problems:  # every record that carries a bad value reports it
                clean = False
                source = record = self._source_record(record, locator, vec)
                out.quarantine.extend((source, detached(p)) for p in body.problems)
        if clean and all(p.name in ids for p, _raw in made):  # none dropped as incomplete
            for plan in self.entity_plans:
                if plan.done_ok and plan.carried_by is None and plan not in hit:
                    value: Any = ids.get(plan.name)
                    if plan.rider is not None:
                        value = (value, ids.get(plan.rider.name))
                    with contextlib.suppress(TypeError):  # unhashable raw values: no caching
                        plan.done.put(plan.done_key(vec, ids), value)
        out.statements.extend(stmts)
        events = out.events
        for name, row in rows:
            if name in events:
                events[name].append(row)
            else:
                events[name] = [row]
        out.entities += entities

    def _source_record(self, record: Any, locator: str, vec: Sequence[Any]) -> SourceRecord:
        """The record as quarantine keeps it (a delimited row: every column of the header)."""
        if type(record) is tuple:  # (index, line, row) from DelimitedReader.rows()
            return SourceRecord(record[0], locator, dict(zip(self.header, record[2], strict=True)))
        if record is None:
            return SourceRecord(0, locator, dict(zip(self.fields, vec, strict=True)))
        return record  # type: ignore[no-any-return]

    def _all_problems(
        self, vec: Sequence[Any], locator: str, first: RecordProblem
    ) -> RecordProblem:
        """Every problem of a rejected record, as the general definition finds them (this
        path stops at the first); ``first`` where that finds none (never expected)."""
        fields = dict(zip(self.fields, vec, strict=True))
        scratch = self.scratch(SourceRecord(0, locator, fields), fresh=True)
        problems = [*scratch.problems, *scratch.values]  # as Processor.process reports them
        return combined(problems) if scratch.problems else first

    @staticmethod
    def _done_lookup(plan: _EntityPlan, vec: Sequence[Any], ids: dict[str, str]) -> Any:
        """The plan's ``done`` entry for a record; a miss for unhashable raw values (JSON and
        XML readers give lists for repeated values)."""
        try:
            return plan.done[plan.done_key(vec, ids)]
        except TypeError:
            return MISSING

    def process_rows(self, items: Sequence[tuple[int, int, list[str]]], out: Output) -> None:
        """Add the rows of many delimited records at once (``DelimitedReader.rows()`` items).

        The same result as :meth:`process_vector` record by record, computed column-wise:
        a record whose every entity was already written from the same raw values (a ``done``
        hit), and whose event values are cached without problems, costs a few C-level zips
        and dict lookups. Any other record (a new entity, a problem) goes through
        :meth:`process_vector`, in its place, so events keep the file's order.
        """
        n = len(items)
        if not n:
            return
        rows = [item[2] for item in items]
        by_header = list(zip(*rows, strict=True))
        empty: tuple[None, ...] = (None,) * n
        columns: Columns = [by_header[i] if i >= 0 else empty for i in self._field_index]
        slow: set[int] = set()
        ref_ids = self._entity_columns(columns, n, slow)
        if ref_ids is None:
            self._rows_one_by_one(items, rows, range(n), out)
            return
        events = [
            self._event_column(plan, columns, ref_ids, items, n, slow) for plan in self.event_plans
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
            self._rows_one_by_one(items, rows, (index,), out)
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
            found = list(map(done.__getitem__, _done_keys(plan, columns, ref_ids, n)))
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

    def _rows_one_by_one(
        self,
        items: Sequence[tuple[int, int, list[str]]],
        rows: list[list[str]],
        which: Any,
        out: Output,
    ) -> None:
        name, vector, process = self.name, self._to_vector, self.process_vector
        for i in which:
            item = items[i]
            process(vector(rows[i]), f"{name}:{item[1]}", out, item)

    def _event_column(
        self,
        plan: _EventPlan,
        columns: Columns,
        ref_ids: dict[str, list[Any]],
        items: Sequence[tuple[int, int, list[str]]],
        n: int,
        slow: set[int],
    ) -> list[Any]:
        """One event plan's rows for a chunk (``None`` where no event); records whose values
        have a problem, or whose id needs the general path, are added to ``slow``."""
        ids = self._event_ids(plan, columns, n, keys=self.bound)
        if None in ids:
            slow.update(i for i, eid in enumerate(ids) if eid is None)
        values = []
        for fn in self.vector_columns[plan.name]:
            column, maybe_problems = fn(columns, ref_ids, n)
            if maybe_problems and RecordProblem in set(map(type, column)):
                slow.update(i for i, v in enumerate(column) if type(v) is RecordProblem)
            values.append(column)
        attrs = self._attributes(plan, columns, n)
        name = self.name
        locators = [f"{name}:{item[1]}" for item in items]
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
    def _attributes(plan: _EventPlan, columns: Columns, n: int) -> list[str | None]:
        """The ``attributes`` JSON of a chunk's events (source fields with no column)."""
        attrs: list[str | None] = [None] * n
        if plan.attributes:
            names = [a for a, _i in plan.attributes]
            for i, row in enumerate(zip(*(columns[i] for _a, i in plan.attributes), strict=True)):
                found = {a: v for a, v in zip(names, row, strict=True) if v not in (None, "")}
                if found:
                    attrs[i] = json.dumps(found, ensure_ascii=False, sort_keys=True)
        return attrs

    @staticmethod
    def _event_ids(plan: _EventPlan, columns: Columns, n: int, *, keys: bool) -> list[Any]:
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

    def _when(self, spec: CEntity | CEvent, index: int, vec: Sequence[Any]) -> bool:
        return spec.when is None or spec.when({self.fields[index]: vec[index]})

    # -- entities ---------------------------------------------------------------------------

    def _made(self, plan: _EntityPlan, vec: Sequence[Any], ids: dict[str, str]) -> bool:
        if plan.when_col is not None and not self._when(plan.e, plan.when_col, vec):
            return False
        raw = plan.key_get(vec)
        if plan.key_refs:
            raw = (raw, tuple(ids.get(r) for r in plan.key_refs))
        try:
            found = plan.keys[raw]
        except TypeError:  # unhashable raw values (JSON lists): no caching
            found, raw = MISSING, None
        if found is MISSING:
            found = self._key_uncached(plan, vec, ids)
            if raw is not None and not (plan.done_ok and type(found) is str):
                plan.keys.put(raw, found)
        if found is None:
            return False
        if isinstance(found, RecordProblem):
            raise RecordProblem(found.field, found.value, found.reason)
        ids[plan.name] = found
        return True

    def _key_uncached(
        self, plan: _EntityPlan, vec: Sequence[Any], ids: dict[str, str]
    ) -> str | RecordProblem | None:
        fields = {c: vec[self._pos(c)] for c in plan.key_cols}
        scratch = {r: ids[r] for r in plan.key_refs if r in ids}
        try:
            if self._key(plan.e, fields, scratch):
                return scratch[plan.name]
        except RecordProblem as problem:
            return detached(problem)
        return None

    def _pos(self, column: str) -> int:
        return self.fields.index(column)

    def _body(
        self,
        plan: _EntityPlan,
        vec: Sequence[Any],
        ids: dict[str, str],
        locator: str,
        stmts: list[tuple[Any, ...]],
        pending: list[tuple[_Body, Any, _EntityPlan]],
        union: Any,
    ) -> int:
        if plan.e.ref_only:
            return 0
        eid = ids[plan.name]
        body = self._cached_body(plan, vec, ids, eid)
        if body is _INCOMPLETE or type(body) is tuple:
            self._incomplete(plan, body, ids, pending, union)
            return 0
        if isinstance(body, RecordProblem):
            raise RecordProblem(body.field, body.value, body.reason, body.more)
        if body.emitted:
            if body.problems:  # its quarantined values, reported for this record too
                pending.append((body, union, plan))
            return 0
        pending.append((body, union, plan))
        if self._written[eid] == body.fingerprint:
            return 0
        self._statements(plan.e, body, locator, stmts)
        return 1

    def _cached_body(
        self, plan: _EntityPlan, vec: Sequence[Any], ids: dict[str, str], eid: str
    ) -> Any:
        raw: Any = (eid, plan.body_get(vec))
        if plan.body_refs:
            raw = (raw, tuple(ids.get(r) for r in plan.body_refs))
        try:
            body = plan.bodies[raw]
        except TypeError:
            body, raw = MISSING, None
        if body is MISSING:
            body = self._body_uncached(plan, vec, ids, eid)
            if raw is not None and not (plan.done_ok and type(body) is _Body):
                plan.bodies.put(raw, body)
        return body

    @staticmethod
    def _incomplete(
        plan: _EntityPlan,
        body: Any,
        ids: dict[str, str],
        pending: list[tuple[_Body, Any, _EntityPlan]],
        union: Any,
    ) -> None:
        """An entity missing a required property: its id is dropped (e.g. a relation whose
        other end is absent); values it lost to quarantine are still reported."""
        eid = ids.pop(plan.name)
        if type(body) is tuple:
            pending.append((_Body(eid, [], plan.e.schema, body[1]), union, plan))

    def _body_uncached(
        self, plan: _EntityPlan, vec: Sequence[Any], ids: dict[str, str], eid: str
    ) -> Any:
        entity = plan.e
        fields = {c: vec[self._pos(c)] for c in plan.body_cols}
        try:
            values, bad = self.entity_values(entity, fields, ids, eid)
        except RecordProblem as problem:
            return detached(problem)
        if not entity.required <= {v[0] for v in values}:
            return _INCOMPLETE if not bad else (_INCOMPLETE, bad)
        return _Body(eid, values, entity.schema, bad)

    def _statements(
        self, entity: CEntity, body: _Body, locator: str, stmts: list[tuple[Any, ...]]
    ) -> None:
        ds, run, seen = self.dataset, self.run_id, self._seen_row
        eid, schema = body.eid, entity.schema
        sid = None if self.bound else _sid  # bound: the writer makes ids (Output.writer_ids)
        stmts.append(
            (sid and sid(ds, eid, "id", eid), eid, schema, "id", "id", eid, None, None,
             ds, locator, run, seen, seen)
        )  # fmt: skip
        for prop, ptype, value, original in body.values:
            stmts.append(
                (sid and sid(ds, eid, prop, value), eid, schema, prop, ptype, value, original,
                 None, ds, locator, run, seen, seen)
            )  # fmt: skip

    # -- events -----------------------------------------------------------------------------

    def _event_row(
        self, plan: _EventPlan, vec: Sequence[Any], ids: dict[str, str], locator: str
    ) -> tuple[Any, ...]:
        if plan.single >= 0 and type(raw := vec[plan.single]) is str and (part := raw.strip()):
            eid = part if self.bound else id_of_key(plan.id_prefix, plan.hashed, part)
        else:
            eid = self._event_id(plan, vec, ids)
        values = [fn(vec, ids) for fn in self.columns[plan.name]]
        attrs = {a: v for a, i in plan.attributes if (v := vec[i]) not in (None, "")}
        attributes = json.dumps(attrs, ensure_ascii=False, sort_keys=True) if attrs else None
        return (eid, self.dataset, locator, self.run_id, attributes, *values)

    def _event_id(self, plan: _EventPlan, vec: Sequence[Any], ids: dict[str, str]) -> str:
        parts = []
        for _index, cv, cols in plan.key:
            fields = {c: vec[self._pos(c)] for c in cols}
            parts.append(" ".join(_evaluate(cv, fields, ids)))
        if not any(parts):
            raise RecordProblem(f"{plan.e.name} key", None, "the event key is empty")
        return self._event_id_or_key(plan.e.namespace, parts)

    def _column_fn(  # noqa: C901 - one specialised pair of functions per column kind
        self, event: CEvent, col: str, spec: Any, pos: dict[str, int]
    ) -> tuple[ColumnFn, VectorFn]:
        """One event column's value for a record (raising its problem) and for a column of
        records (problems as values), sharing one raw → value cache."""
        kind, cv = next((k, v) for c, k, v in event.columns if c == col)
        if spec.entity is not None and not cv.transforms and not cv.required and kind == "text":
            ref, label, required = spec.entity, cv.label, col in event.not_null
            reason = f"{event.table.name}.{col} is required"
            if not required:
                return (lambda _v, ids: ids.get(ref)), (lambda _c, refs, _n: (refs[ref], False))

            def ref_value(_vec: Sequence[Any], ids: dict[str, str]) -> Any:
                if (found := ids.get(ref)) is None:
                    raise RecordProblem(label, None, reason)
                return found

            def ref_values(
                _c: Columns, refs: dict[str, list[Any]], _n: int
            ) -> tuple[list[Any], bool]:
                if None not in refs[ref]:
                    return refs[ref], False
                problem = RecordProblem(label, None, reason)
                return [problem if v is None else v for v in refs[ref]], True

            return ref_value, ref_values
        cols, refs = _sources([spec])
        if kind == "time" and spec.column is not None and not cv.transforms and not refs:
            return self._time_fns(event, col, cv, pos[spec.column])
        index = [pos[c] for c in cols]
        get = (lambda v: v[index[0]]) if len(cols) == 1 else _tuple_getter(index)
        cache = GenerationCache(COLUMN_CACHE_LIMIT)
        uncached = self._column_uncached
        problems = [False]  # whether this column ever made a problem (then chunks scan for it)

        def compute(raw: Any) -> Any:
            plain = raw[0] if refs else raw
            fields = {cols[0]: plain} if len(cols) == 1 else dict(zip(cols, plain, strict=True))
            ids = {r: i for r, i in zip(refs, raw[1], strict=True) if i} if refs else {}
            hit = uncached(event, col, kind, cv, fields, ids)
            cache.put(raw, hit)
            if type(hit) is RecordProblem:
                problems[0] = True
            return hit

        def value(vec: Sequence[Any], ids: dict[str, str]) -> Any:
            raw = (get(vec), tuple(ids.get(r) for r in refs)) if refs else get(vec)
            try:
                hit = cache[raw]
            except TypeError:  # unhashable raw values (JSON lists): no caching
                fields = {c: vec[i] for c, i in zip(cols, index, strict=True)}
                hit = uncached(event, col, kind, cv, fields, ids)
            else:
                if hit is MISSING:
                    hit = compute(raw)
            return _raised(hit)

        def values(
            columns: Columns, ref_ids: dict[str, list[Any]], n: int
        ) -> tuple[list[Any], bool]:
            raws: Any = _zip_columns(columns, index, n)
            if refs:
                raws = list(zip(raws, zip(*(ref_ids[r] for r in refs), strict=True), strict=True))
            misses = cache.misses
            found = list(map(cache.__getitem__, raws))
            if cache.misses != misses:
                for i, hit in enumerate(found):
                    if hit is MISSING:
                        again = cache[raws[i]]  # an earlier record of the chunk may have put it
                        found[i] = compute(raws[i]) if again is MISSING else again
            return found, problems[0]

        return value, values

    def _time_fns(
        self, event: CEvent, col: str, cv: CValue, index: int
    ) -> tuple[ColumnFn, VectorFn]:
        """A time column read as it is, for a record and for a column of records: each value
        parsed and bound on its own, uncached (times are mostly distinct, and a cache of them
        only cost). Anything but an ISO-8601 time with its UTC offset takes the general path,
        with its problems.

        Where the store binds times as text (SQLite: naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff``),
        a time written to the second with a whole-hour offset or ``Z`` keeps its own minutes
        and seconds, and only its date and hour are converted, once per hour and offset:
        formatting a datetime costs three times as much (0.8 µs a row)."""
        bound = _time_binder(self._bind_time or (lambda t: t))
        field = self.fields[index]
        uncached = self._column_uncached
        problems = [False]  # whether this column ever made a problem (then chunks scan for it)
        fromisoformat = datetime.fromisoformat

        def one(raw: Any) -> Any:
            if type(raw) is str and len(text := raw.strip()) > 10:  # 10: a date, general path
                try:
                    found = fromisoformat(text)
                except ValueError:
                    pass
                else:
                    if found.tzinfo is not None:
                        return bound(text, found)
            hit = uncached(event, col, "time", cv, {field: raw}, {})
            if type(hit) is RecordProblem:
                problems[0] = True
            return hit

        def value(vec: Sequence[Any], _ids: dict[str, str]) -> Any:
            return _raised(one(vec[index]))

        def values(
            columns: Columns, _refs: dict[str, list[Any]], _n: int
        ) -> tuple[list[Any], bool]:
            return list(map(one, columns[index])), problems[0]

        return value, values

    def _column_uncached(
        self,
        event: CEvent,
        col: str,
        kind: str,
        cv: CValue,
        fields: dict[str, Any],
        ids: dict[str, str],
    ) -> Any:
        try:
            return self.event_column(event, col, kind, cv, fields, ids)
        except RecordProblem as problem:
            return detached(problem)


def _raised(hit: Any) -> Any:
    """A cached column value, or its cached problem raised afresh (for the record path)."""
    if type(hit) is RecordProblem:
        raise RecordProblem(hit.field, hit.value, hit.reason)
    return hit


def _time_binder(bind: Callable[[datetime], Any]) -> Callable[[str, datetime], Any]:
    """``bound(text, parsed)``: the bind value of a time parsed from ``text`` (see
    :meth:`FlatProcessor._time_fns`): per hour and offset when the store binds text."""
    if type(bind(datetime(2000, 1, 1, tzinfo=UTC))) is not str:
        return lambda _text, found: bind(found)
    hours: dict[str, str] = {}  # "YYYY-MM-DDTHH" + offset → bound "YYYY-MM-DD HH" (UTC)

    def bound(text: str, found: datetime) -> Any:
        if text[13:14] != ":" or text[16:17] != ":":
            return bind(found)
        if not ((len(text) == 25 and text[19] in "+-" and text[23:] == "00") or text[19:] == "Z"):
            return bind(found)  # fractions of a second, or an offset with minutes
        key = text[:13] + text[19:]
        prefix = hours.get(key)
        if prefix is None:
            if len(hours) >= COLUMN_CACHE_LIMIT:
                hours.clear()
            prefix = hours[key] = bind(found)[:13]
        return f"{prefix}{text[13:19]}.000000"

    return bound


def _pair_riders(plans: list[_EntityPlan]) -> None:
    """Let a plan ride in another's ``done`` entries where the other's raw values decide it.

    A passport keyed by nationality and number, held by the person whose key and body read
    those same columns: a record that repeats the person repeats the passport. Its id then
    comes with the person's in one lookup instead of a second one; in a large register each
    lookup is a cache miss (measured: about 0.8 µs a record for the passport).
    """
    for rider in plans:
        if not rider.done_ok or len(rider.ref_plans) != 1:
            continue
        carrier = rider.ref_plans[0]
        if (
            carrier.done_ok
            and not carrier.refs
            and carrier.rider is None
            and carrier.carried_by is None
            and set(rider.union_index) <= set(carrier.union_index)
        ):
            carrier.rider, rider.carried_by = rider, carrier


def _zip_columns(columns: Columns, index: Sequence[int], n: int) -> Sequence[Any]:
    """Per record, what a value getter over ``index`` returns: the value itself for one
    position, a tuple for several (as ``vec[i]`` and ``itemgetter(*index)``)."""
    if not index:
        return [()] * n
    if len(index) == 1:
        return columns[index[0]]
    return list(zip(*(columns[i] for i in index), strict=True))


def _done_keys(
    plan: _EntityPlan, columns: Columns, ref_ids: dict[str, list[Any]], n: int
) -> Sequence[Any]:
    """Per record, what :meth:`_EntityPlan.done_key` returns."""
    index = plan.union_index
    if len(index) == 1 and not plan.refs:
        return columns[index[0]]
    parts = [*(columns[i] for i in index), *(ref_ids[r] for r in plan.refs)]
    return list(zip(*parts, strict=True)) if parts else [()] * n


def vector_getter(
    fields: Sequence[str], header: Sequence[str]
) -> Callable[[list[Any]], Sequence[Any]]:
    """Row in header order → values in ``fields`` order (``None`` for absent columns)."""
    pos = {h: i for i, h in enumerate(header)}  # a repeated name: the last one, as dict(zip())
    indexes = [pos.get(f, len(header)) for f in fields]
    if not indexes:
        return lambda _r: ()
    if len(indexes) == 1:
        only = indexes[0]
        get: Callable[[list[Any]], Sequence[Any]] = lambda r: (r[only],)  # noqa: E731 - tiny
    else:
        get = itemgetter(*indexes)
    if len(header) not in indexes:
        return get
    return lambda r: get([*r, None])
