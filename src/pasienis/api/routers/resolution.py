"""Entity resolution: runs (jobs), the review queue with evidence, judgements and undo.

Every route that returns records reads through the caller's dataset grants: a pair is
listed, shown or decided only when the analyst may read both records.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.documents import RELINK_JOB
from pasienis.resolve import (
    JOB_KIND,
    KINDS,
    decide,
    get_candidate,
    get_run,
    list_candidates,
    list_judgements,
    list_runs,
    members_of,
    split,
    undo,
)
from pasienis.resolve.errors import CandidateNotFoundError, UnknownKindError
from pasienis.resolve.review import visible_members

router = APIRouter(prefix="/api/resolution", tags=["resolution"])
Analyst = Annotated[Principal, Depends(require(Role.analyst))]
Runner = Annotated[Principal, Depends(require(Role.administrator, Role.analyst))]
Decision = Literal["merge", "not-same", "unsure"]


class RunCreate(BaseModel):
    kinds: list[str] = Field(default_factory=lambda: list(KINDS))
    merge_threshold: float = Field(0.95, gt=0, le=1)
    review_threshold: float = Field(0.5, gt=0, le=1)
    seed: int = 42
    max_pairs: float = Field(3e5, ge=1e3, le=1e10)
    engine: Literal["duckdb", "spark"] = "duckdb"


class CandidateDecision(BaseModel):
    decision: Decision
    reason: str | None = Field(None, max_length=2000)


class PairDecision(CandidateDecision):
    left_id: str = Field(..., max_length=128)
    right_id: str = Field(..., max_length=128)


class SplitRequest(BaseModel):
    entity_id: str = Field(..., max_length=128)
    reason: str | None = Field(None, max_length=2000)


class UndoRequest(BaseModel):
    reason: str | None = Field(None, max_length=2000)


def _relink(request: Request, principal: Principal) -> None:
    """Identity changed: queue the re-link of documents' mentions it affects (a flow across
    resolve and documents, which do not import each other)."""
    request.app.state.jobs.submit(RELINK_JOB, {}, created_by=principal.name)


@router.post("/runs", status_code=202)
def create_run(request: Request, body: RunCreate, principal: Runner,
               audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Start a batch resolution job; poll ``GET /api/jobs/{job_id}`` for progress."""
    for kind in body.kinds:
        if kind not in KINDS:
            raise UnknownKindError(f"unknown kind {kind!r}", hint=f"one of: {', '.join(KINDS)}")
    job_id = request.app.state.jobs.submit(JOB_KIND, body.model_dump(), created_by=principal.name)
    audit.record("resolve.run", detail={"job_id": job_id, "kinds": body.kinds})
    return {"job_id": job_id, "status": "queued", "location": f"/api/jobs/{job_id}"}


@router.get("/runs")
def runs(request: Request, _p: Runner, kind: str | None = None,
         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:  # fmt: skip
    """Runs, newest first: parameters and counts (aggregates, no records)."""
    with request.app.state.store.read() as conn:
        return list_runs(conn, kind=kind, limit=limit)


@router.get("/runs/{run_id}")
def run(request: Request, run_id: str, _p: Runner) -> dict[str, Any]:
    """One run with its trained Splink model (parameters only, no records)."""
    with request.app.state.store.read() as conn:
        return get_run(conn, run_id)


@router.get("/candidates")
def candidates(
    request: Request, principal: Analyst, audit: AuditorDep, kind: str | None = None,
    status: Literal["review", "auto", "merged", "not-same", "unsure"] = "review",
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:  # fmt: skip
    """The review queue: pairs whose records the caller may both read, with evidence."""
    with request.app.state.store.read() as conn:
        found = list_candidates(conn, datasets=visible_datasets(principal), kind=kind,
                                status=status, limit=limit, offset=offset)  # fmt: skip
    ids = [i for c in found for i in (c["left_id"], c["right_id"])]
    audit.record("resolve.candidates", entity_ids=ids, query={"kind": kind, "status": status})
    return found


@router.get("/candidates/{candidate_id}")
def candidate(request: Request, candidate_id: str, principal: Analyst,
              audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Both records side by side (visible statements only) and each comparison's weight."""
    with request.app.state.store.read() as conn:
        try:
            pair = get_candidate(conn, candidate_id, datasets=visible_datasets(principal))
        except CandidateNotFoundError:
            audit.record("resolve.candidate", query=candidate_id, outcome="not-found")
            raise
    audit.record("resolve.candidate", entity_ids=[pair["left_id"], pair["right_id"]])
    return pair


@router.post("/candidates/{candidate_id}")
def decide_candidate(request: Request, candidate_id: str, body: CandidateDecision,
                     principal: Analyst, audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Decide a queued pair: merge, not-same or unsure (a judgement with who/when/why)."""
    store = request.app.state.store
    allowed = visible_datasets(principal)
    with store.read() as conn:
        pair = get_candidate(conn, candidate_id, datasets=allowed)
    judgement = decide(store, left_id=pair["left_id"], right_id=pair["right_id"],
                       decision=body.decision, actor=principal.name, reason=body.reason,
                       datasets=allowed)  # fmt: skip
    _relink(request, principal)
    audit.record(f"resolve.{body.decision}", entity_ids=[pair["left_id"], pair["right_id"]],
                 detail={"judgement_id": judgement["id"]})  # fmt: skip
    return judgement


@router.post("/judgements", status_code=201)
def judge_pair(request: Request, body: PairDecision, principal: Analyst,
               audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Judge any two records of one kind (not only queued pairs)."""
    judgement = decide(request.app.state.store, left_id=body.left_id, right_id=body.right_id,
                       decision=body.decision, actor=principal.name, reason=body.reason,
                       datasets=visible_datasets(principal))  # fmt: skip
    _relink(request, principal)
    audit.record(f"resolve.{body.decision}", entity_ids=[body.left_id, body.right_id],
                 detail={"judgement_id": judgement["id"]})  # fmt: skip
    return judgement


@router.get("/judgements")
def judgements(
    request: Request, principal: Analyst, audit: AuditorDep, kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:  # fmt: skip
    """Analysts' judgements about records the caller may read, newest first."""
    with request.app.state.store.read() as conn:
        found = list_judgements(conn, datasets=visible_datasets(principal), kind=kind,
                                limit=limit)  # fmt: skip
    audit.record("resolve.judgements", query={"kind": kind}, detail={"count": len(found)})
    return found


@router.post("/split", status_code=201)
def split_record(request: Request, body: SplitRequest, principal: Analyst,
                 audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Take a record out of its merged entity (not-same against the other members)."""
    judgement = split(request.app.state.store, entity_id=body.entity_id, actor=principal.name,
                      reason=body.reason, datasets=visible_datasets(principal))  # fmt: skip
    _relink(request, principal)
    audit.record("resolve.split", entity_ids=[body.entity_id],
                 detail={"judgement_id": judgement["id"]})  # fmt: skip
    return {k: v for k, v in judgement.items() if k not in ("right_ids", "prior")}


@router.post("/judgements/{judgement_id}/undo")
def undo_judgement(request: Request, judgement_id: str, body: UndoRequest, principal: Analyst,
                   audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Reverse a judgement: the pairs get back the statuses they had before it."""
    judgement = undo(request.app.state.store, judgement_id=judgement_id, actor=principal.name,
                     reason=body.reason, datasets=visible_datasets(principal))  # fmt: skip
    _relink(request, principal)
    audit.record("resolve.undo", detail={"judgement_id": judgement_id})
    return judgement


@router.get("/entities/{entity_id}/members")
def members(request: Request, entity_id: str, principal: Analyst,
            audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """The records merged into an entity that the caller may read (others are not shown)."""
    with request.app.state.store.read() as conn:
        ids = visible_members(conn, members_of(conn, entity_id), visible_datasets(principal))
    if not ids:
        audit.record("resolve.members", entity_ids=[entity_id], outcome="not-found")
        raise CandidateNotFoundError(f"no entity {entity_id!r}")
    audit.record("resolve.members", entity_ids=ids)
    return {"entity_id": entity_id, "members": ids}
