"""Turning one source record into statement rows and event rows — or a quarantine reason.

A record is all-or-nothing: the first value that fails (a date in no known format, an invalid
identifier, a missing mandatory field) sends the whole record to quarantine, so the store never
holds half a declaration. The hot path caches the cleaning of repeated raw values per
(schema, property) and skips the statements of an entity already written with the same values
in this run, which is what makes registers with repeated people and vehicles fast.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pasienis.ingest.cache import MISSING, GenerationCache
from pasienis.ingest.compile import CEntity, CEvent, CompiledMapping, CValue, Fields, Ids
from pasienis.ingest.readers.base import SourceRecord
from pasienis.ingest.transforms import ValueProblem, apply_all
from pasienis.ingest.validate import check_format
from pasienis.model import InvalidValueError, clean_value, make_id
from pasienis.model.models import STATEMENT_COLUMNS

#: Entries per generation of each per-run cache (see :mod:`pasienis.ingest.cache`;
#: ``Settings.ingest_cache_entries``): memory stays bounded whatever the file size; a register
#: with more distinct people or vehicles than this recomputes those it has not seen for a
#: while, and writes their statements again (an upsert that changes nothing).
CACHE_LIMIT = 200_000
#: Longest id prefix that keeps ``prefix-<40 hex>`` within the event tables' 64 characters.
EVENT_PREFIX = 23


class RecordProblem(Exception):  # noqa: N818 - a control-flow signal carrying the reason
    """Why a record goes to quarantine: the field, the value and the reason."""

    def __init__(self, field_name: str | None, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.value = None if value is None else str(value)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:  # batches cross to the writer process
        return (RecordProblem, (self.field, self.value, self.reason))


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
    #: The writer makes the ids, on its own core rather than in the busier mapping process:
    #: each event row starts with its key text (:meth:`EventTarget.with_ids`), each statement
    #: row with ``None`` (:func:`with_statement_ids`).
    writer_ids: bool = False


def detached(problem: RecordProblem) -> RecordProblem:
    """The problem without its traceback and context, to keep in a batch: a stored exception
    holds the frames that raised it, and those hold the batch (a reference cycle that only
    the garbage collector frees; imports pause it, see ``service._bulk_gc_start``)."""
    problem.__traceback__ = problem.__context__ = problem.__cause__ = None
    return problem


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
        stmts: list[tuple[Any, ...]] = []
        events: list[tuple[str, tuple[Any, ...]]] = []
        try:
            top: Ids = {}
            entities = self._scope(
                record, record.fields, top, self._top_entities, self._top_events, stmts, events
            )
            for group, (g_entities, g_events) in self._grouped.items():
                for sub in record.groups.get(group, ()):
                    merged = {**record.fields, **sub}
                    entities += self._scope(
                        record, merged, dict(top), g_entities, g_events, stmts, events
                    )
        except RecordProblem as problem:
            out.quarantine.append((record, detached(problem)))
            return
        out.statements.extend(stmts)
        for name, row in events:
            out.events.setdefault(name, []).append(row)
        out.entities += entities

    def _scope(
        self,
        record: SourceRecord,
        fields: Fields,
        ids: Ids,
        entities: list[CEntity],
        events: list[CEvent],
        stmts: list[tuple[Any, ...]],
        rows: list[tuple[str, tuple[Any, ...]]],
    ) -> int:
        made = [
            e for e in entities if (e.when is None or e.when(fields)) and self._key(e, fields, ids)
        ]
        count = 0
        for entity in made:
            count += self._entity(entity, fields, ids, record.locator, stmts)
        for event in events:
            if event.when is None or event.when(fields):
                rows.append((event.name, self._event(event, fields, ids, record)))
        return count

    def new_output(self) -> Output:
        """An empty batch for this processor's rows (bound rows leave event ids to the writer)."""
        return Output(bound=self.bound, writer_ids=self.bound)

    def _event_id_or_key(self, namespace: str, parts: list[str]) -> str:
        """The event's id, or its key text when the writer makes ids (:attr:`Output.writer_ids`)."""
        if self.bound:
            return event_key(parts)
        return event_id(namespace, parts)

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

    def _entity(
        self, entity: CEntity, fields: Fields, ids: Ids, locator: str, stmts: list[tuple[Any, ...]]
    ) -> int:
        if entity.ref_only:
            return 0
        eid = ids[entity.name]
        # Same entity from the same raw values as earlier in this run: nothing new to clean.
        raw_key = (eid, tuple(tuple(cv.get(fields, ids)) for _p, _t, cv in entity.props))
        if self._raw_seen[raw_key] is not MISSING:
            return 0
        values: list[tuple[str, str, str, str | None]] = []
        present: set[str] = set()
        for prop, ptype, cv in entity.props:
            for raw in _evaluate(cv, fields, ids):
                cleaned, original = self._clean_value(entity, prop, cv, raw)
                values.append((prop, ptype, cleaned, original))
                present.add(prop)
        if not entity.required <= present:
            ids.pop(entity.name, None)  # e.g. a relation whose other end is absent
            return 0
        # Only now: the same raw values again must meet the same problem (quarantine) or
        # the same incompleteness, not pass as already written.
        self._raw_seen.put(raw_key, True)
        fingerprint = hash((entity.schema, tuple(values)))
        if self._written[eid] == fingerprint:
            return 0
        self._written.put(eid, fingerprint)
        ds, run, seen = self.dataset, self.run_id, self._seen_row
        bound = self.bound  # then the writer makes statement ids (Output.writer_ids)
        stmts.append(
            (
                None if bound else _sid(ds, eid, "id", eid),
                eid,
                entity.schema,
                "id",
                "id",
                eid,
                None,
                None,
                ds,
                locator,
                run,
                seen,
                seen,
            )
        )
        for prop, ptype, value, original in values:
            sid = None if bound else _sid(ds, eid, prop, value)
            stmts.append(
                (
                    sid,
                    eid,
                    entity.schema,
                    prop,
                    ptype,
                    value,
                    original,
                    None,
                    ds,
                    locator,
                    run,
                    seen,
                    seen,
                )
            )
        return 1

    def _event(
        self, event: CEvent, fields: Fields, ids: Ids, record: SourceRecord
    ) -> tuple[Any, ...]:
        parts = [" ".join(_evaluate(k, fields, ids)) for k in event.key]
        if not any(parts):
            raise RecordProblem(f"{event.name} key", None, "the event key is empty")
        values: list[Any] = []
        for col, kind, cv in event.columns:
            found = _evaluate(cv, fields, ids)
            if not found:
                if col in event.not_null:
                    raise RecordProblem(cv.label, None, f"{event.table.name}.{col} is required")
                values.append(None)
                continue
            try:
                values.append(self.event_value(kind, found[0], cv.timezone))
            except ValueProblem as exc:
                raise RecordProblem(cv.label, found[0], exc.reason) from None
        attrs = {a: fields.get(a) for a in event.attributes if fields.get(a) not in (None, "")}
        attributes = json.dumps(attrs, ensure_ascii=False, sort_keys=True) if attrs else None
        eid = self._event_id_or_key(event.namespace, parts)
        return (eid, self.dataset, record.locator, self.run_id, attributes, *values)


def event_id(namespace: str, parts: list[str]) -> str:
    """Event ids fit the 64-character id column: a long namespace is cut in the prefix and
    hashed in full with the key, so two namespaces never share ids."""
    if len(namespace) <= EVENT_PREFIX:
        return make_id(namespace, *parts)
    return make_id(namespace[:EVENT_PREFIX].rstrip("._-"), namespace, *parts)


def event_key(parts: list[str]) -> str:
    """What :func:`event_id` hashes of the key parts (after the namespace): the non-empty
    parts, stripped, joined as :func:`pasienis.model.make_id` joins them."""
    return "\x1f".join(p for k in parts if (p := k.strip()))


def id_of_key(prefix: str, hashed: str, key: str) -> str:
    """An event id from its :func:`id_scheme` and key text: what :func:`event_id` makes,
    without splitting and rejoining the key (the bulk paths have it joined already)."""
    return f"{prefix}-{hashlib.sha1(f'{hashed}{key}'.encode(), usedforsecurity=False).hexdigest()}"


def id_scheme(namespace: str) -> tuple[str, str]:
    """``(prefix, hashed)``: an event id is ``prefix-sha1(hashed + key)`` (:func:`event_key`),
    the same id :func:`event_id` makes."""
    if len(namespace) <= EVENT_PREFIX:
        return namespace, f"{namespace}\x1f"
    prefix = namespace[:EVENT_PREFIX].rstrip("._-")
    return prefix, f"{prefix}\x1f{namespace}\x1f"


@dataclass(frozen=True)
class EventTarget:
    """Where the rows of one mapped event go, and how the writer makes their ids."""

    table: str
    columns: tuple[str, ...]
    id_prefix: str
    id_hashed: str

    @classmethod
    def of(cls, event: CEvent) -> EventTarget:
        prefix, hashed = id_scheme(event.namespace)
        return cls(event.table.name, event.column_names, prefix, hashed)

    def with_ids(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows whose first value is a key text (:attr:`Output.writer_ids`), with ids instead."""
        prefix, hashed = self.id_prefix, self.id_hashed
        return [(id_of_key(prefix, hashed, row[0]), *row[1:]) for row in rows]


_DATASET, _ENTITY, _PROP, _VALUE = (
    STATEMENT_COLUMNS.index(c) for c in ("dataset", "entity_id", "prop", "value")
)


def with_statement_ids(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Statement rows whose id is ``None`` (:attr:`Output.writer_ids`), with the id
    :func:`_sid` makes from their own dataset, entity, property and value."""
    sha1 = hashlib.sha1
    return [
        (sha1(f"{r[_DATASET]}.{r[_ENTITY]}.{r[_PROP]}.{r[_VALUE]}".encode(),
              usedforsecurity=False).hexdigest(), *r[1:])
        for r in rows
    ]  # fmt: skip


def _sid(dataset: str, entity_id: str, prop: str, value: str) -> str:
    """The statement id FollowTheMoney computes (``Statement.make_key``), inlined for speed."""
    key = f"{dataset}.{entity_id}.{prop}.{value}"
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()
