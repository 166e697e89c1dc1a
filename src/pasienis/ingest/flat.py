"""The fast path for flat records (no ``each`` groups): per-mapping plans and raw-value caches.

Registers repeat: the same person, vehicle and checkpoint come back on thousands of rows. So
every entity key, entity body and event column is computed by the general code of
:mod:`pasienis.ingest.pipeline` — the one definition of what a mapping means — once per
distinct tuple of the *raw* source values it reads (plus the ids of entities it refers to),
and looked up afterwards. A row whose entities were all seen costs a few tuple builds and
dict lookups; transforms, cleaning, ``make_id`` and statement building run once per distinct
raw tuple. Outcomes are cached whole, problems included, so a record gets the same
quarantine entries whether or not its values were seen before, and an entity counts as
written only when its record was accepted. ``tests/ingest/test_paths_agree.py`` checks with
hypothesis that every path gives the same rows and entries.

The pieces: :mod:`.flat_plans` (what is compiled per entity and event), :mod:`.flat_columns`
(event columns), :mod:`.flat_chunks` (the column-wise path over delimited rows), this module
(the record path).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pasienis.ingest.cache import MISSING
from pasienis.ingest.compile import CEntity, CEvent, CompiledMapping
from pasienis.ingest.flat_chunks import ChunkedRows
from pasienis.ingest.flat_columns import EventColumns
from pasienis.ingest.flat_plans import (
    INCOMPLETE,
    Body,
    ColumnFn,
    EntityPlan,
    EventPlan,
    VectorFn,
    pair_riders,
    vector_getter,
)
from pasienis.ingest.pipeline import (
    CACHE_LIMIT,
    Output,
    Processor,
    RecordProblem,
    combined,
    detached,
)
from pasienis.ingest.readers.base import SourceRecord
from pasienis.ingest.rows import event_attributes, id_of_key, statement_rows

#: Records per vectorised chunk (:meth:`FlatProcessor.process_rows`).
CHUNK_ROWS = 2_000


class FlatProcessor(ChunkedRows, EventColumns, Processor):
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
            EntityPlan(e, specs[e.name], pos, cache_entries) for e in compiled.entities
        ]
        earlier: dict[str, EntityPlan] = {}
        for plan in self.entity_plans:
            plan.done_ok = set(plan.refs) <= set(earlier)
            plan.ref_plans = [earlier[r] for r in plan.refs if r in earlier]
            earlier[plan.name] = plan
        pair_riders(self.entity_plans)
        self.name = ""
        self.event_plans = [EventPlan(e, specs[e.name], pos) for e in compiled.events]
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
        pending: list[tuple[Body, Any, EntityPlan]] = []
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
    def _done_lookup(plan: EntityPlan, vec: Sequence[Any], ids: dict[str, str]) -> Any:
        """The plan's ``done`` entry for a record; a miss for unhashable raw values (JSON and
        XML readers give lists for repeated values)."""
        try:
            return plan.done[plan.done_key(vec, ids)]
        except TypeError:
            return MISSING

    def _when(self, spec: CEntity | CEvent, index: int, vec: Sequence[Any]) -> bool:
        return spec.when is None or spec.when({self.fields[index]: vec[index]})

    # -- entities ---------------------------------------------------------------------------

    def _made(self, plan: EntityPlan, vec: Sequence[Any], ids: dict[str, str]) -> bool:
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
        self, plan: EntityPlan, vec: Sequence[Any], ids: dict[str, str]
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
        plan: EntityPlan,
        vec: Sequence[Any],
        ids: dict[str, str],
        locator: str,
        stmts: list[tuple[Any, ...]],
        pending: list[tuple[Body, Any, EntityPlan]],
        union: Any,
    ) -> int:
        if plan.e.ref_only:
            return 0
        eid = ids[plan.name]
        body = self._cached_body(plan, vec, ids, eid)
        if body is INCOMPLETE or type(body) is tuple:
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
        self, plan: EntityPlan, vec: Sequence[Any], ids: dict[str, str], eid: str
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
            if raw is not None and not (plan.done_ok and type(body) is Body):
                plan.bodies.put(raw, body)
        return body

    @staticmethod
    def _incomplete(
        plan: EntityPlan,
        body: Any,
        ids: dict[str, str],
        pending: list[tuple[Body, Any, EntityPlan]],
        union: Any,
    ) -> None:
        """An entity missing a required property: its id is dropped (e.g. a relation whose
        other end is absent); values it lost to quarantine are still reported."""
        eid = ids.pop(plan.name)
        if type(body) is tuple:
            pending.append((Body(eid, [], plan.e.schema, body[1]), union, plan))

    def _body_uncached(
        self, plan: EntityPlan, vec: Sequence[Any], ids: dict[str, str], eid: str
    ) -> Any:
        entity = plan.e
        fields = {c: vec[self._pos(c)] for c in plan.body_cols}
        try:
            values, bad = self.entity_values(entity, fields, ids, eid)
        except RecordProblem as problem:
            return detached(problem)
        if not entity.required <= {v[0] for v in values}:
            return INCOMPLETE if not bad else (INCOMPLETE, bad)
        return Body(eid, values, entity.schema, bad)

    def _statements(
        self, entity: CEntity, body: Body, locator: str, stmts: list[tuple[Any, ...]]
    ) -> None:
        statement_rows(
            stmts, dataset=self.dataset, entity_id=body.eid, schema=entity.schema,
            values=body.values, locator=locator, run_id=self.run_id, seen=self._seen_row,
            make_ids=not self._writer_ids,  # else the writer makes them
        )  # fmt: skip

    # -- events -----------------------------------------------------------------------------

    def _event_row(
        self, plan: EventPlan, vec: Sequence[Any], ids: dict[str, str], locator: str
    ) -> tuple[Any, ...]:
        if plan.single >= 0 and type(raw := vec[plan.single]) is str and (part := raw.strip()):
            eid = part if self._writer_ids else id_of_key(plan.id_prefix, plan.hashed, part)
        else:
            eid = self._event_id(plan, vec, ids)
        values = [fn(vec, ids) for fn in self.columns[plan.name]]
        attributes = event_attributes(plan.attribute_names, [vec[i] for _a, i in plan.attributes])
        return (eid, self.dataset, locator, self.run_id, attributes, *values)

    def _event_id(self, plan: EventPlan, vec: Sequence[Any], ids: dict[str, str]) -> str:
        fields = {c: vec[self._pos(c)] for _index, _cv, cols in plan.key for c in cols}
        return self.event_identity(plan.e, fields, ids)
