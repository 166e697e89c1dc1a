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

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from hashlib import sha1
from operator import itemgetter
from typing import Any

from pasienis.ingest.compile import CEntity, CEvent, CompiledMapping, CValue
from pasienis.ingest.pipeline import (
    CACHE_LIMIT,
    EVENT_PREFIX,
    Output,
    Processor,
    RecordProblem,
    _evaluate,
    _sid,
    convert_event_value,
    event_id,
)
from pasienis.ingest.readers.base import SourceRecord
from pasienis.ingest.transforms import ValueProblem

#: Bound of each event column's raw → value cache (times are often unique per row).
COLUMN_CACHE_LIMIT = 20_000
ColumnFn = Callable[[Sequence[Any], dict[str, str]], Any]
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
    """The cleaned statements of one entity from one raw tuple, and whether they went out."""

    __slots__ = ("eid", "emitted", "fingerprint", "values")

    def __init__(self, eid: str, values: list[tuple[str, str, str, str | None]], schema: str):
        self.eid, self.values, self.emitted = eid, values, False
        self.fingerprint = hash((schema, tuple(values)))


class _EntityPlan:
    def __init__(self, entity: CEntity, spec: Any, pos: dict[str, int]) -> None:
        self.e = entity
        self.name = entity.name
        key_cols, self.key_refs = _sources(spec.key)
        body_cols, self.body_refs = _sources(list(spec.properties.values()))
        self.key_cols, self.body_cols = key_cols, body_cols
        self.key_get = _tuple_getter([pos[c] for c in key_cols])
        self.body_get = _tuple_getter([pos[c] for c in body_cols])
        self.when_col = pos[spec.when.column] if spec.when is not None else None
        self.keys: dict[Any, str | RecordProblem | None] = {}
        self.bodies: dict[Any, Any] = {}
        # Without references and conditions, key and body depend on these raw values only:
        # raw values → id of an entity already written (one lookup for a repeated entity).
        union = key_cols + [c for c in body_cols if c not in key_cols]
        self.plain = not (self.key_refs or self.body_refs or spec.when or entity.ref_only)
        self.union_get = _tuple_getter([pos[c] for c in union])
        self.done: dict[Any, str] = {}


class _EventPlan:
    def __init__(self, event: CEvent, spec: Any, pos: dict[str, int]) -> None:
        self.e = event
        self.name = event.name
        self.when_col = pos[spec.when.column] if spec.when is not None else None
        self.key = [self._part(cv, vs, pos) for cv, vs in zip(event.key, spec.key, strict=True)]
        self.specs = list(spec.columns.values())
        self.attributes = [(a, pos[a]) for a in event.attributes]
        # One id part from a plain column: event_id() / make_id() inlined.
        ns = event.namespace
        self.single = self.key[0][0] if len(self.key) == 1 else -1
        if len(ns) <= EVENT_PREFIX:
            self.id_prefix, self.hashed = ns, f"{ns}\x1f"
        else:
            self.id_prefix = ns[:EVENT_PREFIX].rstrip("._-")
            self.hashed = f"{self.id_prefix}\x1f{ns}\x1f"

    @staticmethod
    def _part(cv: CValue, spec: Any, pos: dict[str, int]) -> tuple[int, CValue, list[str]]:
        """(position of a plain column or -1, the value, its source columns)."""
        plain = spec.column is not None and not cv.transforms and not cv.required
        cols, _refs = _sources([spec])
        return (pos[spec.column] if plain else -1, cv, cols)


class FlatProcessor(Processor):
    """Processes flat records given as value vectors in ``fields`` order (see :attr:`fields`)."""

    def __init__(self, compiled: CompiledMapping, *, run_id: str, seen: datetime) -> None:
        super().__init__(compiled, run_id=run_id, seen=seen)
        m = compiled.loaded.mapping
        self.fields: tuple[str, ...] = compiled.plan.fields
        self.header: list[str] = []  # of a delimited source, for quarantined rows
        pos = {f: i for i, f in enumerate(self.fields)}
        specs = {**m.entities, **m.events}
        self.entity_plans = [_EntityPlan(e, specs[e.name], pos) for e in compiled.entities]
        self.event_plans = [_EventPlan(e, specs[e.name], pos) for e in compiled.events]
        self.columns = {
            plan.name: [
                self._column_fn(plan.e, col, vs, pos)
                for col, vs in zip((c for c, _k, _v in plan.e.columns), plan.specs, strict=True)
            ]
            for plan in self.event_plans
        }

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
            made = []
            for plan in self.entity_plans:
                if plan.plain and (eid := plan.done.get(raw := plan.union_get(vec))):
                    ids[plan.name] = eid
                elif self._made(plan, vec, ids):
                    made.append((plan, raw if plan.plain else None))
            entities = 0
            for plan, raw in made:
                entities += self._body(plan, vec, ids, locator, stmts, pending, raw)
            rows = [
                (ev.name, self._event_row(ev, vec, ids, locator))
                for ev in self.event_plans
                if ev.when_col is None or self._when(ev.e, ev.when_col, vec)
            ]
        except RecordProblem as problem:
            if type(record) is tuple:  # (index, line, row) from DelimitedReader.rows()
                fields = dict(zip(self.header, record[2], strict=True))
                record = SourceRecord(record[0], locator, fields)
            out.quarantine.append((record, problem))
            return
        written = self._written
        for body, union, plan in pending:
            body.emitted = True
            written[body.eid] = body.fingerprint
            if union is not None:
                if len(plan.done) > CACHE_LIMIT:
                    plan.done.clear()
                plan.done[union] = body.eid
        if len(written) > CACHE_LIMIT:
            written.clear()
        out.statements.extend(stmts)
        events = out.events
        for name, row in rows:
            if name in events:
                events[name].append(row)
            else:
                events[name] = [row]
        out.entities += entities

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
            found = plan.keys.get(raw, False)
        except TypeError:  # unhashable raw values (JSON lists): no caching
            found, raw = False, None
        if found is False:
            found = self._key_uncached(plan, vec, ids)
            if raw is not None:
                if len(plan.keys) > CACHE_LIMIT:
                    plan.keys.clear()
                plan.keys[raw] = found
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
            return problem
        return None

    def _pos(self, column: str) -> int:
        return self.fields.index(column)

    def _body(  # noqa: C901 - the hot path, one frame on purpose
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
        raw = (eid, plan.body_get(vec))
        if plan.body_refs:
            raw = (raw, tuple(ids.get(r) for r in plan.body_refs))
        try:
            body = plan.bodies.get(raw)
        except TypeError:
            body, raw = None, None
        if body is None:
            body = self._body_uncached(plan, vec, ids, eid)
            if raw is not None:
                if len(plan.bodies) > CACHE_LIMIT:
                    plan.bodies.clear()
                plan.bodies[raw] = body
        if body is _INCOMPLETE:
            del ids[plan.name]  # e.g. a relation whose other end is absent
            return 0
        if isinstance(body, RecordProblem):
            raise RecordProblem(body.field, body.value, body.reason)
        if body.emitted:
            return 0
        pending.append((body, union, plan))
        if self._written.get(eid) == body.fingerprint:
            return 0
        self._statements(plan.e, body, locator, stmts)
        return 1

    def _body_uncached(
        self, plan: _EntityPlan, vec: Sequence[Any], ids: dict[str, str], eid: str
    ) -> Any:
        entity = plan.e
        fields = {c: vec[self._pos(c)] for c in plan.body_cols}
        values: list[tuple[str, str, str, str | None]] = []
        present: set[str] = set()
        try:
            for prop, ptype, cv in entity.props:
                for raw in _evaluate(cv, fields, ids):
                    cleaned, original = self._clean_value(entity, prop, cv, raw)
                    values.append((prop, ptype, cleaned, original))
                    present.add(prop)
        except RecordProblem as problem:
            return problem
        if not entity.required <= present:
            return _INCOMPLETE
        return _Body(eid, values, entity.schema)

    def _statements(
        self, entity: CEntity, body: _Body, locator: str, stmts: list[tuple[Any, ...]]
    ) -> None:
        ds, run, seen, eid, schema = self.dataset, self.run_id, self.seen, body.eid, entity.schema
        stmts.append(
            (_sid(ds, eid, "id", eid), eid, schema, "id", "id", eid, None, None,
             ds, locator, run, seen, seen)
        )  # fmt: skip
        for prop, ptype, value, original in body.values:
            stmts.append(
                (_sid(ds, eid, prop, value), eid, schema, prop, ptype, value, original, None,
                 ds, locator, run, seen, seen)
            )  # fmt: skip

    # -- events -----------------------------------------------------------------------------

    def _event_row(
        self, plan: _EventPlan, vec: Sequence[Any], ids: dict[str, str], locator: str
    ) -> tuple[Any, ...]:
        if plan.single >= 0 and type(raw := vec[plan.single]) is str and (part := raw.strip()):
            digest = sha1(f"{plan.hashed}{part}".encode(), usedforsecurity=False).hexdigest()
            eid = f"{plan.id_prefix}-{digest}"
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
        return event_id(plan.e.namespace, parts)

    def _column_fn(  # noqa: C901 - one specialised function per column kind
        self, event: CEvent, col: str, spec: Any, pos: dict[str, int]
    ) -> ColumnFn:
        """The function giving one event column's value (or raising the record's problem)."""
        kind, cv = next((k, v) for c, k, v in event.columns if c == col)
        if spec.entity is not None and not cv.transforms and not cv.required and kind == "text":
            ref, label, required = spec.entity, cv.label, col in event.not_null
            reason = f"{event.table.name}.{col} is required"
            if not required:
                return lambda _v, ids: ids.get(ref)

            def ref_value(_vec: Sequence[Any], ids: dict[str, str]) -> Any:
                if (found := ids.get(ref)) is None:
                    raise RecordProblem(label, None, reason)
                return found

            return ref_value
        cols, refs = _sources([spec])
        get = (
            (lambda v: v[pos[cols[0]]]) if len(cols) == 1 else _tuple_getter([pos[c] for c in cols])
        )
        cache: dict[Any, Any] = {}
        uncached = self._column_uncached

        def value(vec: Sequence[Any], ids: dict[str, str]) -> Any:
            raw = (get(vec), tuple(ids.get(r) for r in refs)) if refs else get(vec)
            try:
                hit = cache.get(raw, cache)
            except TypeError:  # unhashable raw values (JSON lists): no caching
                hit, raw = cache, None
            if hit is cache:
                hit = uncached(event, col, kind, cv, cols, vec, ids)
                if raw is not None:
                    if len(cache) > COLUMN_CACHE_LIMIT:
                        cache.clear()
                    cache[raw] = hit
            if type(hit) is RecordProblem:
                raise RecordProblem(hit.field, hit.value, hit.reason)
            return hit

        return value

    def _column_uncached(
        self,
        event: CEvent,
        col: str,
        kind: str,
        cv: CValue,
        cols: list[str],
        vec: Sequence[Any],
        ids: dict[str, str],
    ) -> Any:
        fields = {c: vec[self._pos(c)] for c in cols}
        try:
            found = _evaluate(cv, fields, ids)
        except RecordProblem as problem:
            return problem
        if not found:
            if col in event.not_null:
                return RecordProblem(cv.label, None, f"{event.table.name}.{col} is required")
            return None
        try:
            return convert_event_value(kind, found[0], cv.timezone)
        except ValueProblem as exc:
            return RecordProblem(cv.label, found[0], exc.reason)


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
