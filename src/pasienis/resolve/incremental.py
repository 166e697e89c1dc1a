"""Incremental resolution: score an import's records against resolved entities.

The saved model of the latest batch run scores only blocked candidates: existing records
that share a name key, a code or document number, or a (birth date, name part) with a new
record, found through the indexes on ``resolution_features`` — never the whole batch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from pasienis.resolve import engine as eng
from pasienis.resolve.errors import NoModelError
from pasienis.resolve.features import load_feature_rows, read_features, save_features
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


def _lookup(conn: Connection, kind: str, column: str, values: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        query = select(feat.c.entity_id).where(feat.c.kind == kind, feat.c[column].in_(chunk))
        found.update(conn.execute(query).scalars())
    return found


def _by_dob_and_part(conn: Connection, kind: str, new: list[dict[str, Any]]) -> set[str]:
    wanted = {(r["dob"], t) for r in new if r["dob"] for t in (r["tok_a"], r["tok_b"]) if t}
    dobs = sorted({d for d, _ in wanted})
    found: set[str] = set()
    for start in range(0, len(dobs), _CHUNK):
        query = select(feat.c.entity_id, feat.c.dob, feat.c.tok_a, feat.c.tok_b).where(
            feat.c.kind == kind, feat.c.dob.in_(dobs[start : start + _CHUNK])
        )
        for r in conn.execute(query):
            if (r.dob, r.tok_a) in wanted or (r.dob, r.tok_b) in wanted:
                found.add(r.entity_id)
    return found


def blocked_candidates(conn: Connection, kind: str, new: list[dict[str, Any]]) -> list[str]:
    """Ids of saved records that could match any new record (the blocking rules, indexed)."""
    total = conn.execute(select(func.count()).where(feat.c.kind == kind)).scalar() or 0
    if total < LOAD_ALL_BELOW:
        return list(conn.execute(select(feat.c.entity_id).where(feat.c.kind == kind)).scalars())
    found: set[str] = set()
    for column in ("name_key", "id1", "id2"):
        found |= _lookup(conn, kind, column, {r[column] for r in new if r[column]})
    if kind != "vehicle":
        found |= _by_dob_and_part(conn, kind, new)
    return sorted(found)


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
        old_ids = [i for i in blocked_candidates(conn, kind, new) if i not in new_ids]
        old = load_feature_rows(conn, old_ids)
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
              "review": len(cands) - auto, "model_run": saved["id"], **clusters}  # fmt: skip
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
