"""Incremental resolution: score an import's records against resolved entities.

The saved model of the latest batch run scores only blocked candidates: existing records
that share a name key, a code or document number, or a (birth date, name part) with a new
record, found through the indexes on ``resolution_features`` — never the whole batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from pasienis.resolve import engine as eng
from pasienis.resolve.comparisons import BLOCKING_KEY
from pasienis.resolve.errors import NoModelError
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


#: Feature columns with an index on ``resolution_features`` (kind, column), best first.
INDEXED = ("id1", "id2", "vehicle", "name_key", "dob")


def _key(row: Any, keys: list[list[Any]]) -> tuple[Any, ...] | None:
    out = []
    for column, prefix in keys:
        value = row[column]
        if value is None:
            return None
        out.append(value if prefix is None else value[:prefix])
    return tuple(out)


def _rows(conn: Connection, kind: str, column: str, groups: dict[str, list[Any]],
          narrow: Callable[[list[str]], Any] | None = None) -> Any:  # fmt: skip
    """Saved rows whose indexed ``column`` is one of ``groups``' keys, a chunk of keys per
    query; ``narrow(chunk)`` adds the rule's other keys for that chunk to the query, so the
    database filters them (on the index's rows) instead of this process fetching every
    record that shares, say, a date of birth with a new one."""
    ordered = sorted(groups)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        query = select(feat).where(feat.c.kind == kind, feat.c[column].in_(chunk))
        if narrow is not None:
            query = query.where(narrow(chunk))
        yield from conn.execute(query)


def _column_in(column: str, prefix: int | None, values: set[str]) -> Any:
    target = feat.c[column] if prefix is None else func.substr(feat.c[column], 1, prefix)
    return target.in_(sorted(values))


def _swapped(conn: Connection, kind: str, new: list[dict[str, Any]],
             found: dict[str, dict[str, Any]]) -> None:  # fmt: skip
    """Name parts swapped, same date: the date's index, the parts filtered in the query."""
    a = {(r["dob"], r["tok_b"]) for r in new if r["dob"] and r["tok_b"]}
    b = {(r["dob"], r["tok_a"]) for r in new if r["dob"] and r["tok_a"]}
    toks: dict[str, set[str]] = defaultdict(set)
    for d, t in a | b:
        toks[d].add(t)

    def parts(chunk: list[str]) -> Any:
        wanted = set().union(*(toks[d] for d in chunk))
        return or_(_column_in("tok_a", None, wanted), _column_in("tok_b", None, wanted))

    for row in _rows(conn, kind, "dob", toks, parts):
        if (row.dob, row.tok_a) in a or (row.dob, row.tok_b) in b:
            found[row.entity_id] = dict(row._mapping)


def _by_rule(conn: Connection, kind: str, spec: dict[str, Any], new: list[dict[str, Any]],
             found: dict[str, dict[str, Any]]) -> bool:  # fmt: skip
    """Saved rows the rule pairs with a new row; False when no index serves the rule."""
    if "sql" in spec:
        if spec["columns"] != ["dob", "tok_a", "tok_b"]:
            return False
        _swapped(conn, kind, new, found)
        return True
    keys = spec["keys"]
    full = [c for c, prefix in keys if prefix is None]
    column = next((c for c in INDEXED if c in full), None)
    if column is None:
        return False
    at = [c for c, _ in keys].index(column)
    by_value: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for k in {k for k in (_key(r, keys) for r in new) if k is not None}:
        by_value[k[at]].append(k)
    others = [(i, c, p) for i, (c, p) in enumerate(keys) if i != at]

    def narrow(chunk: list[str]) -> Any:
        wanted = [k for v in chunk for k in by_value[v]]
        return and_(*(_column_in(c, p, {k[i] for k in wanted}) for i, c, p in others))

    wanted = {k for ks in by_value.values() for k in ks}
    for row in _rows(conn, kind, column, by_value, narrow if others else None):
        if _key(row._mapping, keys) in wanted:
            found[row.entity_id] = dict(row._mapping)
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
    {"keys": [["tok_a", None], ["dob", None]]}, {"keys": [["tok_b", None], ["dob", None]]}
]


def resolve_new(
    store: Store, *, kind: str, import_run_id: str | None = None,
    entity_ids: list[str] | None = None, created_by: str | None = None,
    progress: Progress | None = None, spark: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """Score the records of one import (or these ids) with the saved model and merge."""
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
