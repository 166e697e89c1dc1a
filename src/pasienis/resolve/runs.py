"""Resolution runs: batch (train, score, merge, queue) and incremental (score with the
saved model). Each run keeps its parameters, its trained model and its counts."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update

from pasienis.resolve import engine as eng
from pasienis.resolve.errors import CandidateNotFoundError, ResolveError
from pasienis.resolve.features import read_features, save_features
from pasienis.resolve.kinds import kind_of
from pasienis.resolve.models import resolution_candidates as cand
from pasienis.resolve.models import resolution_judgements, resolution_runs
from pasienis.resolve.resolver import now, recompute
from pasienis.store import OnConflict, Store

Progress = Callable[[int, int | None, str], None]
ANALYST_STATUSES = ("merged", "not-same", "unsure")
CANDIDATE_COLUMNS = (
    "id", "kind", "left_id", "right_id", "status", "probability", "match_weight", "evidence",
    "left_datasets", "right_datasets", "run_id", "judgement_id", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class RunParams:
    """What a run is asked to do; saved with the run so it can be repeated."""

    merge_threshold: float = 0.95
    review_threshold: float = 0.5
    seed: int = 42
    max_pairs: float = 3e5
    engine: str = "duckdb"

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.merge_threshold <= 1:
            raise ResolveError(
                "thresholds must satisfy 0 < review <= merge <= 1, got "
                f"review={self.review_threshold} merge={self.merge_threshold}"
            )


def pair_id(kind: str, a: str, b: str) -> str:
    left, right = sorted((a, b))
    return hashlib.sha1(f"{kind}\x1f{left}\x1f{right}".encode()).hexdigest()[:32]  # noqa: S324


def start_run(store: Store, kind: str, mode: str, params: RunParams, created_by: str | None,
           import_run_id: str | None = None) -> str:  # fmt: skip
    run_id = uuid.uuid4().hex
    with store.begin() as conn:
        conn.execute(insert(resolution_runs).values(
            id=run_id, kind=kind, mode=mode, engine=params.engine, status="running",
            parameters=asdict(params), created_by=created_by, started_at=now(),
            import_run_id=import_run_id,
        ))  # fmt: skip
    return run_id


def finish_run(store: Store, run_id: str, **values: Any) -> dict[str, Any]:
    with store.begin() as conn:
        conn.execute(update(resolution_runs).where(resolution_runs.c.id == run_id)
                     .values(finished_at=now(), **values))  # fmt: skip
        return get_run(conn, run_id)


def get_run(conn: Connection, run_id: str) -> dict[str, Any]:
    row = conn.execute(select(resolution_runs).where(resolution_runs.c.id == run_id)).first()
    if row is None:
        raise CandidateNotFoundError(f"no resolution run {run_id!r}")
    return dict(row._mapping)


def list_runs(conn: Connection, *, kind: str | None = None, limit: int = 50) -> list[dict]:
    cols = [c for c in resolution_runs.c if c.name != "model"]
    query = select(*cols).order_by(resolution_runs.c.started_at.desc()).limit(limit)
    if kind:
        query = query.where(resolution_runs.c.kind == kind)
    return [dict(r._mapping) for r in conn.execute(query)]


def latest_model(conn: Connection, kind: str) -> dict[str, Any] | None:
    """The newest completed batch run of ``kind`` (its model scores incremental records)."""
    row = conn.execute(
        select(resolution_runs).where(
            resolution_runs.c.kind == kind, resolution_runs.c.mode == "batch",
            resolution_runs.c.status == "completed", resolution_runs.c.model.is_not(None),
        ).order_by(resolution_runs.c.started_at.desc()).limit(1)
    ).first()  # fmt: skip
    return dict(row._mapping) if row else None


def _run_judgement(conn: Connection, kind: str, run_id: str) -> str:
    """The automatic judgement every edge of this run is recorded under."""
    judgement_id = uuid.uuid4().hex
    conn.execute(insert(resolution_judgements).values(
        id=judgement_id, kind=kind, decision="merge", source="automatic", left_ids=[],
        right_ids=[], actor=f"resolution run {run_id}", run_id=run_id, created_at=now(),
        reason="pairs at or above the run's merge threshold",
    ))  # fmt: skip
    conn.execute(update(resolution_runs).where(resolution_runs.c.id == run_id)
                 .values(judgement_id=judgement_id))  # fmt: skip
    return judgement_id


def candidate_rows(
    preds: pd.DataFrame, model: dict[str, Any], datasets: dict[str, str], *, kind: str,
    run_id: str, params: RunParams,
) -> list[tuple[Any, ...]]:  # fmt: skip
    """Candidate tuples from Splink predictions: auto above the merge threshold, else review.

    Evidence (per-comparison level and weight) is kept for the review queue; automatic
    pairs keep their score only (re-explainable from the saved model)."""
    if preds.empty:
        return []
    evidence = eng.Evidence.of(model)
    stamp, out = now(), []
    for row in preds.to_dict("records"):
        a, b = sorted((row["unique_id_l"], row["unique_id_r"]))
        p = float(row["match_probability"])
        auto = p >= params.merge_threshold
        out.append((
            pair_id(kind, a, b), kind, a, b, "auto" if auto else "review", p,
            float(row["match_weight"]), None if auto else evidence.of_row(row),
            datasets.get(a, ""), datasets.get(b, ""), run_id, None, stamp,
        ))  # fmt: skip
    return out


def store_candidates(
    store: Store, conn: Connection, kind: str, rows: list[tuple[Any, ...]], *, batch: bool
) -> int:
    """Replace the model's pairs; a pair an analyst decided keeps its decision."""
    if batch:
        conn.execute(delete(cand).where(cand.c.kind == kind,
                                        cand.c.status.in_(("auto", "review"))))  # fmt: skip
    decided = set(conn.execute(select(cand.c.id).where(
        cand.c.kind == kind, cand.c.status.in_(ANALYST_STATUSES))).scalars())  # fmt: skip
    fresh = [r for r in rows if r[0] not in decided]
    return store.bulk_insert(conn, cand, CANDIDATE_COLUMNS, fresh,
                             on_conflict=OnConflict.IGNORE)  # fmt: skip


def run_batch(
    store: Store, *, kind: str, params: RunParams | None = None,
    created_by: str | None = None, progress: Progress | None = None, spark: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """Resolve every entity of ``kind``: train, score, merge the sure pairs, queue the rest."""
    params = params or RunParams()
    spec = kind_of(kind)
    report = progress or (lambda _d, _t, _m: None)
    run_id = start_run(store, kind, "batch", params, created_by)
    try:
        report(0, 4, f"{kind}: reading features")
        with store.read() as conn:
            rows = read_features(conn, spec)
        if len(rows) < 2:
            return finish_run(store, run_id, status="empty", counts={"records": len(rows)},
                           error=f"fewer than two {kind} records: nothing to resolve")  # fmt: skip
        report(1, 4, f"{kind}: training on {len(rows):,} records")
        engine = eng.Engine(params.engine, spark=spark)
        linker, warnings = eng.train(engine, eng.frame(rows), kind, seed=params.seed,
                                     max_pairs=params.max_pairs)  # fmt: skip
        model = eng.model_json(linker)
        report(2, 4, f"{kind}: scoring pairs")
        preds = eng.predict(linker, threshold=params.review_threshold)
        report(3, 4, f"{kind}: merging and queueing")
        counts = _write_batch(store, kind, run_id, rows, preds, model, params)
    except Exception as exc:
        finish_run(store, run_id, status="failed", error=str(exc)[:2000])
        raise
    counts["warnings"] = warnings
    report(4, 4, f"{kind}: done")
    return finish_run(store, run_id, status="completed", model=model, counts=counts)


def _write_batch(
    store: Store, kind: str, run_id: str, rows: list[dict[str, Any]], preds: pd.DataFrame,
    model: dict[str, Any], params: RunParams,
) -> dict[str, Any]:  # fmt: skip
    datasets = {r["entity_id"]: r["datasets"] for r in rows}
    cands = candidate_rows(preds, model, datasets, kind=kind, run_id=run_id, params=params)
    with store.begin() as conn:
        save_features(store, conn, rows, run_id=run_id, kind=kind, replace_all=True)
        _run_judgement(conn, kind, run_id)
        store_candidates(store, conn, kind, cands, batch=True)
        clusters = recompute(store, conn, kind)
    auto = sum(1 for c in cands if c[4] == "auto")
    return {"records": len(rows), "pairs": len(cands), "auto": auto,
            "review": len(cands) - auto, **clusters}  # fmt: skip
