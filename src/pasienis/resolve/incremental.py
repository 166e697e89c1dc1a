"""Incremental resolution: score an import's records against resolved entities.

The saved model of the latest batch run scores only blocked candidates: existing records
that share a name key, a code or document number, or a (birth date, name part) with a new
record, found through the indexes on ``resolution_features`` — never the whole batch.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, func, select

from pasienis.resolve import engine as eng
from pasienis.resolve.comparisons import BLOCKING_KEY
from pasienis.resolve.errors import NoModelError, ResolveError
from pasienis.resolve.features import read_features, save_features
from pasienis.resolve.kinds import kind_of
from pasienis.resolve.models import resolution_features as feat
from pasienis.resolve.resolver import recompute
from pasienis.resolve.runs import (
    Progress,
    RunParams,
    candidate_rows,
    finish_run,
    latest_model,
    start_run,
    store_candidates,
)
from pasienis.store import Store

#: Below this many saved records of a kind, every one is a candidate (cheaper than lookups).
LOAD_ALL_BELOW = 50_000
_CHUNK = 2_000


#: Feature columns that lead an index on ``resolution_features`` (after the kind): a rule
#: with one of them as a whole key is looked up, the rest of its keys checked on the index
#: (name key with the date, date with either name part) or on the row.
INDEXED = ("id1", "id2", "vehicle", "name_key", "dob")


def _key(row: Any, keys: list[list[Any]]) -> tuple[Any, ...] | None:
    out = []
    for column, prefix in keys:
        value = row[column]
        if value is None:
            return None
        out.append(value if prefix is None else value[:prefix])
    return tuple(out)


def _lookup(conn: Connection, kind: str, keys: list[tuple[str, int | None]],
            wanted: set[tuple[str, ...]], found: dict[str, dict[str, Any]]) -> None:  # fmt: skip
    """Saved rows whose ``keys`` (column, prefix) equal one of the ``wanted`` tuples: the
    tuples are a VALUES list joined to the table, so the database seeks each one through a
    composite index (kind, name key, date), (kind, date, name part) rather than this
    process fetching every record that shares, say, a date of birth with a new one.

    Plain SQL: SQLAlchemy compiles a VALUES construct of thousands of rows anew for every
    chunk (it cannot cache literal data), which cost more than the look-ups."""
    for c, prefix in keys:  # the rules come from a saved model: never trust them into SQL
        if c not in feat.c or not (prefix is None or isinstance(prefix, int)):
            raise ResolveError(f"blocking rule key {c!r}/{prefix!r} is not a feature column")
    names = [f"k{i}" for i in range(len(keys))]
    on = " and ".join(
        (f"f.{c}" if prefix is None else f"substr(f.{c}, 1, {int(prefix)})") + f" = k.{n}"
        for (c, prefix), n in zip(keys, names, strict=True)
    )
    columns = list(feat.c.keys())
    head = ", ".join(f"f.{c}" for c in columns)
    # The driver's own placeholders: SQLAlchemy's bind processing of thousands of
    # parameters per chunk cost as much as the look-ups themselves.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * len(keys)) + ")"
    ordered = sorted(wanted)
    step = max(1, _CHUNK // len(keys))
    for start in range(0, len(ordered), step):
        chunk = ordered[start : start + step]
        keyed = f"with k({', '.join(names)}) as (values {', '.join([one] * len(chunk))})"
        sql = f"{keyed} select {head} from {feat.name} f join k on {on} where f.kind = {mark}"
        params = (*(v for t in chunk for v in t), kind)
        for row in conn.exec_driver_sql(sql, params):
            found[row[0]] = dict(zip(columns, row, strict=True))


def _by_rule(conn: Connection, kind: str, spec: dict[str, Any], new: list[dict[str, Any]],
             found: dict[str, dict[str, Any]]) -> bool:  # fmt: skip
    """Saved rows the rule pairs with a new row; False when no index serves the rule."""
    if "sql" in spec:  # name parts swapped, same date: a saved part equals the other new one
        if spec["columns"] != ["dob", "tok_a", "tok_b"]:
            return False
        for saved, other in (("tok_a", "tok_b"), ("tok_b", "tok_a")):
            wanted = {(r["dob"], r[other]) for r in new if r["dob"] and r[other]}
            _lookup(conn, kind, [("dob", None), (saved, None)], wanted, found)
        return True
    keys = [(c, prefix) for c, prefix in spec["keys"]]
    if not any(c in INDEXED for c, prefix in keys if prefix is None):
        return False
    _lookup(conn, kind, keys, {k for k in (_key(r, keys) for r in new) if k is not None}, found)
    return True


def blocked_candidates(
    conn: Connection, kind: str, new: list[dict[str, Any]], model: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Saved feature rows that the model's blocking rules could pair with a new row, found
    through the indexes on ``resolution_features``; and the rules no index serves (a prefix
    of a name part, say): those pairs are left to the next batch run."""
    total = conn.execute(select(func.count()).where(feat.c.kind == kind)).scalar() or 0
    if total < LOAD_ALL_BELOW:
        rows = conn.execute(select(feat).where(feat.c.kind == kind))
        return [dict(r._mapping) for r in rows], []
    specs = model.get(BLOCKING_KEY) or _LEGACY_RULES
    found: dict[str, dict[str, Any]] = {}
    skipped = []
    for spec in specs:
        if not _by_rule(conn, kind, spec, new, found):
            skipped.append(spec.get("sql") or " and ".join(str(c) for c, _ in spec["keys"]))
    return [found[i] for i in sorted(found)], skipped


#: Models saved before the rules were kept with them: the lookups used then.
_LEGACY_RULES = [{"keys": [[c, None]]} for c in ("name_key", "id1", "id2")] + [
    {"keys": [["tok_a", None], ["dob", None]]},
    {"keys": [["tok_b", None], ["dob", None]]},
]


_frozen = 0
_frozen_lock = threading.Lock()


@contextmanager
def _old_objects_frozen() -> Iterator[None]:
    """Keep the objects that existed before the run out of the collector's passes.

    Why: the run makes tens of thousands of short-lived rows (candidates, frames, SQL),
    which set off full collections, and each walks every object of the process — Splink,
    DuckDB, pandas, SQLAlchemy and whatever the caller holds — though none of those is
    garbage of this run. Measured at 10k new against 1M saved records: two full collections
    of 0.3 to 0.9 s each under load, 8% of the run's wall time. ``gc.freeze`` is CPython's
    own tool for this; reference counting still frees everything, and objects of the run
    are still collected. Nested and concurrent runs: the first in freezes, the last out
    unfreezes (a run's own garbage in cycles waits for a later collection at worst)."""
    global _frozen
    with _frozen_lock:
        if _frozen == 0:
            gc.freeze()
        _frozen += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen -= 1
            if _frozen == 0:
                gc.unfreeze()


def resolve_new(
    store: Store, *, kind: str, import_run_id: str | None = None,
    entity_ids: list[str] | None = None, created_by: str | None = None,
    progress: Progress | None = None, spark: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """Score the records of one import (or these ids) with the saved model and merge."""
    with _old_objects_frozen():
        return _resolve_new(store, kind=kind, import_run_id=import_run_id,
                            entity_ids=entity_ids, created_by=created_by, spark=spark)  # fmt: skip


def _resolve_new(
    store: Store, *, kind: str, import_run_id: str | None, entity_ids: list[str] | None,
    created_by: str | None, spark: Any,
) -> dict[str, Any]:  # fmt: skip
    spec = kind_of(kind)
    with store.read() as conn:
        saved = latest_model(conn, kind)
        if saved is None:
            raise NoModelError(f"no completed batch run for {kind}",
                               hint=f"run `pasienis resolve --kind {kind}` first")  # fmt: skip
        new = read_features(conn, spec, entity_ids=entity_ids, run_id=import_run_id)
        new_ids = {r["entity_id"] for r in new}
        found, skipped = blocked_candidates(conn, kind, new, saved["model"])
        old = [r for r in found if r["entity_id"] not in new_ids]
    params = RunParams(**saved["parameters"])
    run_id = start_run(store, kind, "incremental", params, created_by, import_run_id)
    if not new:
        return finish_run(store, run_id, status="empty", counts={"records": 0},
                       error=f"no {kind} records in this import")  # fmt: skip
    try:
        preds = _score(params, saved["model"], new, old, spark)
        datasets = {r["entity_id"]: r["datasets"] for r in [*new, *old]}
        cands = candidate_rows(preds, saved["model"], datasets, kind=kind, run_id=run_id,
                               params=params)  # fmt: skip
        with store.begin() as conn:
            save_features(store, conn, new, run_id=run_id, kind=kind, replace_all=False)
            store_candidates(store, conn, kind, cands, batch=False)
            touched = {c[2] for c in cands} | {c[3] for c in cands} | new_ids
            clusters = recompute(store, conn, kind, seeds=sorted(touched))
    except Exception as exc:
        finish_run(store, run_id, status="failed", error=str(exc)[:2000])
        raise
    auto = sum(1 for c in cands if c[4] == "auto")
    counts = {"records": len(new), "candidates": len(old), "pairs": len(cands), "auto": auto,
              "review": len(cands) - auto, "model_run": saved["id"], **clusters,
              "rules_not_looked_up": skipped}  # fmt: skip
    return finish_run(store, run_id, status="completed", counts=counts)


def _score(params: RunParams, model: dict[str, Any], new: list[dict[str, Any]],
           old: list[dict[str, Any]], spark: Any) -> Any:  # fmt: skip
    engine = eng.Engine(params.engine, spark=spark)
    frames = {"existing": eng.frame(old or new), "incoming": eng.frame(new)}
    linker, (existing, incoming) = eng.load(engine, model, frames)
    if not old:
        return eng.predictions(linker.inference.predict_within(
            incoming, threshold_match_probability=params.review_threshold,
            warning_mode="never"))  # fmt: skip
    return eng.predict_between(linker, incoming, existing, threshold=params.review_threshold)
