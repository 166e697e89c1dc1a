"""Turning one source record into statement rows and event rows — or quarantine entries.

What fails where (the one definition; :mod:`.flat` derives its fast paths from it):

- A property value that does not validate (a date in no known format, an invalid
  identifier, a truncating date) is quarantined *as a value*: the entity and its other
  values go in, and the entry keeps the entity id, the property and the original text. With
  ``on_invalid: record`` (the mapping's or the entity's) it quarantines the whole record.
- Anything that makes an event or an entity's identity wrong (an event column that does not
  parse, an empty key, a missing ``required`` value) quarantines the whole record, so the
  store never holds half a declaration; every problem of that record is reported, not just
  the first.

The hot path caches the cleaning of repeated raw values per (schema, property) and skips the
statements of an entity already written with the same values in this run, which is what
makes registers with repeated people and vehicles fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pasienis.ingest.cache import MISSING, GenerationCache
from pasienis.ingest.compile import CEntity, CEvent, CompiledMapping, CValue, Fields, Ids
from pasienis.ingest.options import setting_default
from pasienis.ingest.readers.base import SourceRecord
from pasienis.ingest.rows import event_attributes, event_id, event_key, statement_rows
from pasienis.ingest.transforms import ValueProblem, apply_all
from pasienis.model import (
    MULTI_VALUE_TYPES,
    InvalidValueError,
    check_format,
    clean_value,
    make_id,
    split_multi,
)

#: Entries per generation of each per-run cache (see :mod:`pasienis.ingest.cache`;
#: ``Settings.ingest_cache_entries``): memory stays bounded whatever the file size; a register
#: with more distinct people or vehicles than this recomputes those it has not seen for a
#: while, and writes their statements again (an upsert that changes nothing).
CACHE_LIMIT: int = setting_default("ingest_cache_entries")


class RecordProblem(Exception):  # noqa: N818 - a control-flow signal carrying the reason
    """Why a record (or, with ``entity_id``, one value) goes to quarantine: the field, the
    value and the reason; ``more`` holds the record's other problems."""

    def __init__(
        self,
        field_name: str | None,
        value: Any,
        reason: str,
        more: tuple[RecordProblem, ...] = (),
        entity_id: str | None = None,
        prop: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.field = field_name
        self.value = None if value is None else str(value)
        self.reason = reason
        self.more = more
        self.entity_id = entity_id
        self.prop = prop

    def __reduce__(self) -> tuple[Any, ...]:  # batches cross to the writer process
        args = (self.field, self.value, self.reason, self.more, self.entity_id, self.prop)
        return (RecordProblem, args)

    @property
    def kind(self) -> str:
        """``record`` (the whole record is quarantined) or ``value`` (only this value)."""
        return "value" if self.entity_id is not None else "record"

    def all(self) -> list[RecordProblem]:
        """This problem and the record's others."""
        return [self, *self.more]

    def as_value(self, entity_id: str, prop: str) -> RecordProblem:
        """The same problem, quarantining only the value of ``entity_id``'s ``prop``."""
        return RecordProblem(self.field, self.value, self.reason, (), entity_id, prop)

    def summary(self) -> tuple[str | None, str | None, str]:
        """(field, value, reason) for the quarantine row: every problem named in the reason."""
        if not self.more:
            return self.field, self.value, self.reason
        problems = self.all()
        fields = ", ".join(dict.fromkeys(p.field for p in problems if p.field))
        reason = "; ".join(
            f"{p.field or 'record'}" + (f" {p.value!r}" if p.value is not None else "")
            + f": {p.reason}"
            for p in problems
        )  # fmt: skip
        return fields or None, self.value, f"{len(problems)} problems: {reason}"


def combined(problems: list[RecordProblem]) -> RecordProblem:
    """One problem carrying all of a record's (the first leads), none keeping a traceback
    (see :func:`detached`)."""
    flat = [detached(q) for p in problems for q in p.all()]
    flat = [RecordProblem(q.field, q.value, q.reason) for q in flat]  # record-level now
    first = flat[0]
    return RecordProblem(first.field, first.value, first.reason, tuple(flat[1:]))


@dataclass
class Output:
    """Rows made from a batch of records, ready for one transaction."""

    statements: list[tuple[Any, ...]] = field(default_factory=list)
    events: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    quarantine: list[tuple[SourceRecord, RecordProblem]] = field(default_factory=list)
    entities: int = 0
    records: int = 0
    #: Times are already the store's bind values (``Store.bind_datetime``), JSON is text.
    bound: bool = False
    #: The writer makes the ids, on its own core, when the mapping process is the busier
    #: one (:attr:`Processor.ids_in_writer`, decided batch by batch): each event row starts
    #: with its key text (:meth:`EventTarget.with_ids`), each statement row with ``None``
    #: (:func:`with_statement_ids`). Hashing them is ~1 CPU s per 1M crossings.
    writer_ids: bool = False


def detached(problem: RecordProblem) -> RecordProblem:
    """The problem without its traceback and context, to keep in a batch: a stored exception
    holds the frames that raised it, and those hold the batch (a reference cycle that only
    the garbage collector frees; imports pause it, see :mod:`.gcpause`)."""
    problem.__traceback__ = problem.__context__ = problem.__cause__ = None
    for other in problem.more:
        other.__traceback__ = other.__context__ = other.__cause__ = None
    return problem


@dataclass(slots=True)
class _Scratch:
    """What one record makes before it is accepted: rows, problems (of the record and of
    single values) and the cache entries that only an accepted record may commit."""

    stmts: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    values: list[RecordProblem] = field(default_factory=list)
    commits: list[tuple[Any, Any, Any]] = field(default_factory=list)  # (cache, key, value)
    fresh: bool = False  # clean entities again even when their raw values were seen


def _evaluate(cv: CValue, fields: Fields, ids: Ids) -> list[str]:
    values = cv.get(fields, ids)
    if values and cv.transforms:
        try:
            values = apply_all(cv.transforms, values)
        except ValueProblem as exc:
            raise RecordProblem(cv.label, exc.value, exc.reason) from None
    if not values and cv.required:
        raise RecordProblem(cv.label, None, "mandatory value is missing")
    return values


def _parse_time(value: str, tz: str | None) -> datetime:
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueProblem(f"{value!r} is not an ISO-8601 time", value) from None
    if parsed.tzinfo is None:
        if tz is None:
            raise ValueProblem(f"time {value!r} has no UTC offset (set timezone:)", value)
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed


def _number(value: str) -> float:
    text = value.replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueProblem(f"{value!r} is not a number", value) from None


def convert_event_value(kind: str, value: str, tz: str | None) -> Any:
    """Convert a cleaned string for an event column of ``kind``."""
    if kind == "time":
        if len(value) == 10:  # a plain date: midnight UTC unless a zone is named
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise ValueProblem(f"{value!r} is not an ISO-8601 date", value) from None
            return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz or "UTC"))
        return _parse_time(value, tz)
    if kind == "float":
        return _number(value)
    if kind == "int":
        number = _number(value)
        if not number.is_integer():
            raise ValueProblem(f"{value!r} is not a whole number", value)
        return int(number)
    return value


class Processor:
    """Processes records of one run into :class:`Output` batches."""

    def __init__(
        self,
        compiled: CompiledMapping,
        *,
        run_id: str,
        seen: datetime,
        cache_entries: int = CACHE_LIMIT,
        bind_time: Callable[[datetime], Any] | None = None,
    ) -> None:
        """``bind_time`` (the store's ``bind_datetime``) makes rows bound (:attr:`Output.bound`):
        times are converted here, where they are made, not by the writer."""
        self.c = compiled
        self.dataset = compiled.dataset
        self.run_id = run_id
        self.seen = seen
        self.bound = bind_time is not None
        #: Whether bound batches leave their ids to the writer (:attr:`Output.writer_ids`).
        #: The import sets it between batches to whichever process has time to spare; each
        #: batch keeps what :meth:`new_output` found, and the ids are the same either way.
        self.ids_in_writer = True
        self._writer_ids = self.bound
        self._bind_time = bind_time
        self._seen_row: Any = bind_time(seen) if bind_time is not None else seen
        self._clean = GenerationCache(cache_entries)  # (value spec, raw) → cleaned or reason
        self._written = GenerationCache(cache_entries)  # entity id → fingerprint of its values
        self._id_cache = GenerationCache(cache_entries)  # (namespace, key parts) → id
        self._cache_ids = True  # off where the caller caches ids by raw values already
        self._raw_seen = GenerationCache(cache_entries)  # (id, raw values) of bodies made
        self._top_entities = [e for e in compiled.entities if e.each is None]
        self._top_events = [e for e in compiled.events if e.each is None]
        self._grouped = {
            g: (
                [e for e in compiled.entities if e.each == g],
                [e for e in compiled.events if e.each == g],
            )
            for g in compiled.groups
        }

    def process(self, record: SourceRecord, out: Output) -> None:
        """Add the rows of ``record`` to ``out``, or its quarantine entry."""
        out.records += 1
        if record.problem is not None:
            out.quarantine.append((record, RecordProblem(None, None, record.problem)))
            return
        scratch = self.scratch(record)
        if scratch.problems:  # every problem of the record, its values' included
            scratch = self.scratch(record, fresh=True)
            problems = [*scratch.problems, *scratch.values]
            out.quarantine.append((record, detached(combined(problems))))
            return
        for cache, key, value in scratch.commits:
            cache.put(key, value)
        out.statements.extend(scratch.stmts)
        for name, row in scratch.events:
            out.events.setdefault(name, []).append(row)
        out.quarantine.extend((record, detached(p)) for p in scratch.values)
        out.entities += len({row[1] for row in scratch.stmts if row[3] == "id"})

    def scratch(self, record: SourceRecord, *, fresh: bool = False) -> _Scratch:
        """Everything ``record`` makes and every problem it has, committing nothing.

        ``fresh``: entities already made from the same raw values are cleaned again, so that
        a rejected record reports its values' problems too, whatever came before it."""
        scratch = _Scratch(fresh=fresh)
        top: Ids = {}
        self._scope(record, record.fields, top, self._top_entities, self._top_events, scratch)
        for group, (g_entities, g_events) in self._grouped.items():
            for sub in record.groups.get(group, ()):
                merged = {**record.fields, **sub}
                self._scope(record, merged, dict(top), g_entities, g_events, scratch)
        return scratch

    def _scope(
        self,
        record: SourceRecord,
        fields: Fields,
        ids: Ids,
        entities: list[CEntity],
        events: list[CEvent],
        scratch: _Scratch,
    ) -> None:
        made = []
        for entity in entities:
            try:
                if (entity.when is None or entity.when(fields)) and self._key(entity, fields, ids):
                    made.append(entity)
            except RecordProblem as problem:
                scratch.problems.append(detached(problem))
        for entity in made:
            try:
                self._entity(entity, fields, ids, record.locator, scratch)
            except RecordProblem as problem:
                scratch.problems.append(detached(problem))
        for event in events:
            if event.when is None or event.when(fields):
                try:
                    scratch.events.append((event.name, self._event(event, fields, ids, record)))
                except RecordProblem as problem:
                    scratch.problems.append(detached(problem))

    def new_output(self) -> Output:
        """An empty batch for this processor's rows; bound rows leave their ids to the writer
        while :attr:`ids_in_writer` says so."""
        self._writer_ids = self.bound and self.ids_in_writer
        return Output(bound=self.bound, writer_ids=self._writer_ids)

    def event_identity(self, event: CEvent, fields: Fields, ids: Ids) -> str:
        """The event's id, or its key text when the writer makes ids (:attr:`Output.writer_ids`);
        an empty key quarantines the record (the one definition, for every path)."""
        parts = [" ".join(_evaluate(k, fields, ids)) for k in event.key]
        if not any(parts):
            raise RecordProblem(f"{event.name} key", None, "the event key is empty")
        return event_key(parts) if self._writer_ids else event_id(event.namespace, parts)

    def event_value(self, kind: str, value: str, tz: str | None) -> Any:
        """:func:`convert_event_value`, a time made the store's bind value when rows are bound."""
        found = convert_event_value(kind, value, tz)
        if kind == "time" and self._bind_time is not None:
            return self._bind_time(found)
        return found

    def _key(self, entity: CEntity, fields: Fields, ids: Ids) -> bool:
        parts = tuple(" ".join(_evaluate(k, fields, ids)) for k in entity.key)
        if not any(parts):
            return False
        cache_key = (entity.namespace, parts)
        found = self._id_cache[cache_key] if self._cache_ids else MISSING
        if found is MISSING:
            found = make_id(entity.namespace, *parts)
            if self._cache_ids:
                self._id_cache.put(cache_key, found)
        ids[entity.name] = found
        return True

    def _clean_value(
        self, entity: CEntity, prop: str, cv: CValue, raw: str
    ) -> tuple[str, str | None]:
        key = (id(cv), raw)
        hit = self._clean[key]
        if hit is MISSING:
            hit = self._clean_uncached(entity, prop, cv, raw)
            self._clean.put(key, hit)
        if isinstance(hit, str):
            raise RecordProblem(cv.label, raw, hit)
        return hit

    @staticmethod
    def _clean_uncached(
        entity: CEntity, prop: str, cv: CValue, raw: str
    ) -> tuple[str, str | None] | str:
        value = raw
        if cv.fmt is not None:
            normal, reason = check_format(cv.fmt, raw)
            if normal is None:
                return reason or "invalid"
            value = normal
        if cv.is_ref:
            return (value, None)
        try:
            cleaned = clean_value(entity.schema, prop, value)
        except InvalidValueError as exc:
            return exc.reason
        return (cleaned, raw if raw != cleaned else None)

    def entity_values(
        self, entity: CEntity, fields: Fields, ids: Ids, eid: str
    ) -> tuple[list[tuple[str, str, str, str | None]], list[RecordProblem]]:
        """The cleaned values of one entity and the values quarantined on their own.

        The one definition of an entity's body, for every path: each property's raw values
        (phones and e-mails in one cell split, :func:`pasienis.model.split_multi`), cleaned
        by its type and format. A value that fails is returned as a problem of that value;
        it raises (quarantining the record) where the mapping asks ``on_invalid: record`` or
        the value is ``required``."""
        values: list[tuple[str, str, str, str | None]] = []
        bad: list[RecordProblem] = []
        for prop, ptype, cv in entity.props:
            try:
                raws = _evaluate(cv, fields, ids)
            except RecordProblem as problem:
                if cv.required or entity.record_on_invalid:
                    raise
                bad.append(problem.as_value(eid, prop))
                continue
            multi = ptype in MULTI_VALUE_TYPES and not cv.is_ref
            for raw in raws:
                parts = split_multi(ptype, raw) if multi else (raw,)
                for part in parts:
                    try:
                        cleaned, original = self._clean_value(entity, prop, cv, part)
                    except RecordProblem as problem:
                        if entity.record_on_invalid:
                            raise
                        bad.append(problem.as_value(eid, prop))
                        continue
                    if part != raw and original is None:
                        original = raw  # the cell the value was split from
                    values.append((prop, ptype, cleaned, original))
        return values, bad

    def _entity(
        self, entity: CEntity, fields: Fields, ids: Ids, locator: str, scratch: _Scratch
    ) -> None:
        if entity.ref_only:
            return
        eid = ids[entity.name]
        # Same entity from the same raw values as earlier in this run: nothing new to clean.
        raw_key = (eid, tuple(tuple(cv.get(fields, ids)) for _p, _t, cv in entity.props))
        if not scratch.fresh and self._raw_seen[raw_key] is not MISSING:
            return
        values, bad = self.entity_values(entity, fields, ids, eid)
        present = {v[0] for v in values}
        if not entity.required <= present:
            ids.pop(entity.name, None)  # e.g. a relation whose other end is absent
            scratch.values.extend(bad)
            return
        scratch.values.extend(bad)
        # Committed only when the record is accepted: the same raw values again must meet
        # the same problem (quarantine) or the same incompleteness, not pass as written. An
        # entity with a quarantined value is never skipped: each record that carries the
        # value reports it (the one rule, whatever the caches hold).
        if not bad:
            scratch.commits.append((self._raw_seen, raw_key, True))
        fingerprint = hash((entity.schema, tuple(values)))
        if self._written[eid] == fingerprint:
            return
        scratch.commits.append((self._written, eid, fingerprint))
        statement_rows(
            scratch.stmts, dataset=self.dataset, entity_id=eid, schema=entity.schema,
            values=values, locator=locator, run_id=self.run_id, seen=self._seen_row,
            make_ids=not self._writer_ids,  # else the writer makes them
        )  # fmt: skip

    def event_column(
        self, event: CEvent, col: str, kind: str, cv: CValue, fields: Fields, ids: Ids
    ) -> Any:
        """One event column's value, or the :class:`RecordProblem` raised (the one definition
        of an event value; :mod:`.flat` caches it per raw value)."""
        found = _evaluate(cv, fields, ids)
        if not found:
            if col in event.not_null:
                raise RecordProblem(cv.label, None, f"{event.table.name}.{col} is required")
            return None
        try:
            return self.event_value(kind, found[0], cv.timezone)
        except ValueProblem as exc:
            raise RecordProblem(cv.label, found[0], exc.reason) from None

    def _event(
        self, event: CEvent, fields: Fields, ids: Ids, record: SourceRecord
    ) -> tuple[Any, ...]:
        eid = self.event_identity(event, fields, ids)
        values: list[Any] = []
        problems: list[RecordProblem] = []
        for col, kind, cv in event.columns:
            try:
                values.append(self.event_column(event, col, kind, cv, fields, ids))
            except RecordProblem as problem:
                problems.append(problem)
        if problems:
            raise combined(problems)
        attributes = event_attributes(event.attributes, [fields.get(a) for a in event.attributes])
        return (eid, self.dataset, record.locator, self.run_id, attributes, *values)
