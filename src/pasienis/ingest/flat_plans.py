"""What the flat paths compile from a mapping: per entity and event, the positions of the raw
values it reads and the caches keyed by them (see :mod:`.flat`).

An entity's key and body depend only on the raw source values they read (and the ids of the
entities they refer to), so these plans name those values; the outcome the general definition
(:mod:`.pipeline`) gives for them is cached whole, problems included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from pasienis.ingest.cache import GenerationCache
from pasienis.ingest.compile import CEntity, CEvent, CValue
from pasienis.ingest.pipeline import RecordProblem
from pasienis.ingest.rows import id_scheme

ColumnFn = Callable[[Sequence[Any], dict[str, str]], Any]
#: A chunk's source values in ``fields`` order, one sequence per field.
Columns = list[Sequence[Any]]
#: A column of values for a chunk, and whether it may hold problems (to look for).
VectorFn = Callable[[Columns, dict[str, list[Any]], int], tuple[list[Any], bool]]
INCOMPLETE = object()  # an entity missing a required property: its id is dropped


def tuple_getter(indexes: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A C-level getter of a tuple of positions (``itemgetter`` of one returns a scalar)."""
    if not indexes:
        return lambda _v: ()
    if len(indexes) == 1:
        return itemgetter(indexes[0], indexes[0])
    return itemgetter(*indexes)


def sources(values: Sequence[CValue | Any]) -> tuple[list[str], list[str]]:
    cols: list[str] = []
    refs: list[str] = []
    for spec in values:
        for name in spec.source_fields():
            if name not in cols:
                cols.append(name)
        if spec.entity is not None and spec.entity not in refs:
            refs.append(spec.entity)
    return cols, refs


class Body:
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


class EntityPlan:
    def __init__(self, entity: CEntity, spec: Any, pos: dict[str, int], cache_entries: int) -> None:
        self.e = entity
        self.name = entity.name
        key_cols, self.key_refs = sources(spec.key)
        body_cols, self.body_refs = sources(list(spec.properties.values()))
        self.key_cols, self.body_cols = key_cols, body_cols
        self.key_get = tuple_getter([pos[c] for c in key_cols])
        self.body_get = tuple_getter([pos[c] for c in body_cols])
        self.when_col = pos[spec.when.column] if spec.when is not None else None
        # raw key values → id, None or a problem; (id, raw values) → Body or a problem. Where
        # ``done`` applies, a written entity is found there: these keep only what it cannot
        # hold (problems, no entity, incomplete entities, entities of rejected records).
        self.keys = GenerationCache(cache_entries)
        self.bodies = GenerationCache(cache_entries)
        # Key and body depend on these raw values (and the ids of the entities referred to)
        # only: raw values → id of an entity already written, one lookup for a repeated
        # entity. ``None`` records that the same inputs made no entity (condition false,
        # empty key). Filled only from accepted records, so a hit never hides a problem.
        # The key is the raw value itself for one column, else the raw values and, with
        # references, the ids referred to, joined (:func:`joined`; what :func:`done_keys`
        # makes for a chunk).
        union = key_cols + [c for c in body_cols if c not in key_cols]
        if spec.when is not None and spec.when.column not in union:
            union.append(spec.when.column)
        self.plain = not (self.key_refs or self.body_refs or spec.when or entity.ref_only)
        self.union_index = [pos[c] for c in union]
        self.refs = list(dict.fromkeys(self.key_refs + self.body_refs))
        if len(self.union_index) == 1 and not self.refs:
            self.union_get: Callable[[Sequence[Any]], Any] = itemgetter(self.union_index[0])
        else:
            whole = tuple_getter(self.union_index)
            self.union_get = (lambda v: (v[self.union_index[0]],)) if len(union) == 1 else whole
        self.done = GenerationCache(cache_entries)
        self.joins = len(self.union_index) + len(self.refs) > 1  # keys of several values
        self.done_ok = False  # set by the processor: every reference is to an earlier entity
        self.ref_plans: list[EntityPlan] = []  # the plans of ``refs``, set by the processor
        # A plan whose outcome this plan's raw values decide (see :func:`pair_riders`): its
        # id rides in this plan's ``done`` entries, as ``(own id, rider's id)``.
        self.rider: EntityPlan | None = None
        self.carried_by: EntityPlan | None = None

    def done_key(self, vec: Sequence[Any], ids: dict[str, str]) -> Any:
        """The ``done`` key of one record."""
        raw = self.union_get(vec)
        if self.refs:
            raw = (*raw, *(ids.get(r) for r in self.refs))
        return joined(raw) if self.joins else raw


class EventPlan:
    def __init__(self, event: CEvent, spec: Any, pos: dict[str, int]) -> None:
        self.e = event
        self.name = event.name
        self.when_col = pos[spec.when.column] if spec.when is not None else None
        self.key = [self._part(cv, vs, pos) for cv, vs in zip(event.key, spec.key, strict=True)]
        self.specs = list(spec.columns.values())
        self.attributes = [(a, pos[a]) for a in event.attributes]
        self.attribute_names = list(event.attributes)
        # One id part from a plain column: event_id() / make_id() inlined.
        self.single = self.key[0][0] if len(self.key) == 1 else -1
        self.id_prefix, self.hashed = id_scheme(event.namespace)

    @staticmethod
    def _part(cv: CValue, spec: Any, pos: dict[str, int]) -> tuple[int, CValue, list[str]]:
        """(position of a plain column or -1, the value, its source columns)."""
        plain = spec.column is not None and not cv.transforms and not cv.required
        cols, _refs = sources([spec])
        return (pos[spec.column] if plain else -1, cv, cols)


def pair_riders(plans: list[EntityPlan]) -> None:
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


def zip_columns(columns: Columns, index: Sequence[int], n: int) -> Sequence[Any]:
    """Per record, what a value getter over ``index`` returns: the value itself for one
    position, a tuple for several (as ``vec[i]`` and ``itemgetter(*index)``)."""
    if not index:
        return [()] * n
    if len(index) == 1:
        return columns[index[0]]
    return list(zip(*(columns[i] for i in index), strict=True))


#: Joins the raw values of a ``done`` key (see :func:`joined`).
KEY_SEPARATOR = "\x1f"


def joined(parts: tuple[Any, ...]) -> Any:
    """A ``done`` key of several values: one string where every value is a string without
    the separator, else the tuple itself (a string never equals a tuple, so the two forms
    never meet). A lookup then hashes and compares one string, not one object per value:
    about 0.7 µs less per record for a person keyed by four columns (measured: the stored
    tuple's strings are scattered in memory, each compare a cache miss)."""
    try:
        key = KEY_SEPARATOR.join(parts)
    except TypeError:  # None (an absent reference), a list (JSON), a number
        return parts
    return key if key.count(KEY_SEPARATOR) == len(parts) - 1 else parts


def done_keys(
    plan: EntityPlan, columns: Columns, ref_ids: dict[str, list[Any]], n: int
) -> Sequence[Any]:
    """Per record, what :meth:`EntityPlan.done_key` returns (C-level for a chunk of plain
    strings; record by record where a value is not one)."""
    index = plan.union_index
    if len(index) == 1 and not plan.refs:
        return columns[index[0]]
    parts = [*(columns[i] for i in index), *(ref_ids[r] for r in plan.refs)]
    if not plan.joins:  # no value, or one reference alone
        return list(zip(*parts, strict=True)) if parts else [()] * n
    try:
        keys = list(map(KEY_SEPARATOR.join, zip(*parts, strict=True)))
    except TypeError:
        return list(map(joined, zip(*parts, strict=True)))
    if sum(map(str.count, keys, repeat(KEY_SEPARATOR))) != (len(parts) - 1) * n:
        return list(map(joined, zip(*parts, strict=True)))
    return keys


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
