"""Event columns on the flat paths: per column, a function for one record (raising the value's
problem) and one for a chunk of records (problems as values), sharing a raw → value cache.

Each value is what :meth:`.pipeline.Processor.event_column` — the one definition of an event
value — gives for the raw values; only times read as they are (ISO-8601 with an offset) are
parsed here directly, and anything else takes the general definition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pasienis.ingest.cache import MISSING, GenerationCache
from pasienis.ingest.compile import CEvent, CValue
from pasienis.ingest.flat_plans import (
    ColumnFn,
    Columns,
    VectorFn,
    sources,
    tuple_getter,
    zip_columns,
)
from pasienis.ingest.pipeline import RecordProblem, detached

#: Bound of each event column's raw → value cache (times are often unique per row).
COLUMN_CACHE_LIMIT = 20_000


class EventColumns:
    """The column functions of :class:`.flat.FlatProcessor` (a mixin over the processor)."""

    fields: tuple[str, ...]
    _bind_time: Callable[[datetime], Any] | None
    event_column: Callable[..., Any]

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
        cols, refs = sources([spec])
        if kind == "time" and spec.column is not None and not cv.transforms and not refs:
            return self._time_fns(event, col, cv, pos[spec.column])
        index = [pos[c] for c in cols]
        get = (lambda v: v[index[0]]) if len(cols) == 1 else tuple_getter(index)
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
            return raised(hit)

        def values(
            columns: Columns, ref_ids: dict[str, list[Any]], n: int
        ) -> tuple[list[Any], bool]:
            raws: Any = zip_columns(columns, index, n)
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
        and seconds, and only its date and hour are converted, once per hour and offset
        (:func:`time_reader`)."""
        read = time_reader(self._bind_time or (lambda t: t))
        field = self.fields[index]
        uncached = self._column_uncached
        problems = [False]  # whether this column ever made a problem (then chunks scan for it)

        def one(raw: Any) -> Any:
            if type(raw) is str and len(text := raw.strip()) > 10:  # 10: a date, general path
                found = read(text)
                if found is not None:
                    return found
            hit = uncached(event, col, "time", cv, {field: raw}, {})
            if type(hit) is RecordProblem:
                problems[0] = True
            return hit

        def value(vec: Sequence[Any], _ids: dict[str, str]) -> Any:
            return raised(one(vec[index]))

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


def raised(hit: Any) -> Any:
    """A cached column value, or its cached problem raised afresh (for the record path)."""
    if type(hit) is RecordProblem:
        raise RecordProblem(hit.field, hit.value, hit.reason)
    return hit


#: Minutes and seconds as written ("00" to "59"; a leap second is not a valid time here).
_SIXTY = frozenset(f"{i:02d}" for i in range(60))


def time_reader(bind: Callable[[datetime], Any]) -> Callable[[str], Any]:
    """``read(text)``: the bind value of ``text`` parsed as an ISO-8601 time with its UTC
    offset (``bind(datetime.fromisoformat(text))``), or ``None`` when it is not one.

    Where the store binds text (SQLite: naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff``), a time
    written to the second with a whole-hour offset or ``Z`` keeps its own minutes and
    seconds, and only its date and hour are converted, once per hour and offset: formatting
    a datetime costs three times as much (0.8 µs a row). A later time of an hour and offset
    already converted is not parsed again: its date, hour and offset are those of a text
    that parsed, so it is a valid time exactly when its minutes and seconds are two digits
    from 00 to 59 — checked here, and the result is the one the parse would give
    (``tests/ingest/test_time_reader.py`` compares the two on generated texts)."""
    fromisoformat = datetime.fromisoformat
    if type(bind(datetime(2000, 1, 1, tzinfo=UTC))) is not str:

        def read_any(text: str) -> Any:
            try:
                found = fromisoformat(text)
            except ValueError:
                return None
            return bind(found) if found.tzinfo is not None else None

        return read_any
    hours: dict[str, str] = {}  # "YYYY-MM-DDTHH" + offset → bound "YYYY-MM-DD HH" (UTC)
    bound, sixty = time_binder(bind, hours), _SIXTY

    def read(text: str) -> Any:
        # A key in ``hours`` has an offset after its first 13 characters, so a shorter text
        # never finds one, and a text that does has its ":MM:SS" at [13:19].
        prefix = hours.get(text[:13] + text[19:])
        if (
            prefix is not None and text[13] == ":" and text[16] == ":"
            and text[14:16] in sixty and text[17:19] in sixty
        ):  # fmt: skip
            return f"{prefix}{text[13:19]}.000000"
        try:
            found = fromisoformat(text)
        except ValueError:
            return None
        return bound(text, found) if found.tzinfo is not None else None

    return read


def time_binder(
    bind: Callable[[datetime], Any], hours: dict[str, str] | None = None
) -> Callable[[str, datetime], Any]:
    """``bound(text, parsed)``: the bind value of a time parsed from ``text`` (see
    :func:`time_reader`): per hour and offset (kept in ``hours``) when the store binds text."""
    if type(bind(datetime(2000, 1, 1, tzinfo=UTC))) is not str:
        return lambda _text, found: bind(found)
    if hours is None:
        hours = {}  # "YYYY-MM-DDTHH" + offset → bound "YYYY-MM-DD HH" (UTC)

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
