"""The risk API: scores with their explanations, the active rules, saved models, and runs.

Scores name declarations and the parties behind them: analysts only, through their dataset
grants, every read audited. Rules and model descriptions hold no records.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.risk import get_scores, list_scores
from pasienis.risk.jobkind import JOB_KIND, active_rules, list_models

router = APIRouter(prefix="/api/risk", tags=["risk"])
Analyst = Annotated[Principal, Depends(require(Role.analyst))]
Staff = Annotated[Principal, Depends(require(Role.analyst, Role.administrator))]


class RunCreate(BaseModel):
    model: str | None = Field("latest", max_length=64, description='model id, "latest" or null')
    rules: bool = Field(True, description="apply the active rule set")
    threshold: float = Field(0.8, ge=0.0, le=1.0, description="probability that raises an alert")


@router.get("/scores")
def scores(
    request: Request,
    principal: Analyst,
    audit: AuditorDep,
    min_probability: Annotated[float, Query(ge=0, le=1)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Scored declarations, highest first, each with its explanation."""
    with request.app.state.store.read() as conn:
        page = list_scores(
            conn,
            datasets=visible_datasets(principal),
            min_probability=min_probability,
            limit=limit,
            offset=offset,
        )
    audit.record(
        "risk.scores",
        query={"min_probability": min_probability, "offset": offset},
        detail={"declarations": [r["declaration_id"] for r in page["items"]]},
    )
    return page


@router.get("/scores/{declaration_id}")
def score_of(
    request: Request, declaration_id: str, principal: Analyst, audit: AuditorDep
) -> list[dict[str, Any]]:
    """Every score of one declaration (newest first): models, rule versions, explanations."""
    with request.app.state.store.read() as conn:
        rows = get_scores(conn, declaration_id=declaration_id, datasets=visible_datasets(principal))
    audit.record("risk.score", detail={"declaration": declaration_id})
    return rows


@router.get("/rules")
def rules(request: Request, _p: Staff) -> dict[str, Any]:
    """The active rule set: version, digest and each rule's weight and reason."""
    return active_rules(request.app.state.settings).describe()


@router.get("/models")
def models(request: Request, _p: Staff) -> list[dict[str, Any]]:
    """Saved models with their data hash, split and metrics (no records)."""
    return list_models(request.app.state.settings)


@router.post("/runs", status_code=202)
def create_run(
    request: Request, body: RunCreate, principal: Analyst, audit: AuditorDep
) -> dict[str, Any]:
    """Score the caller's visible declarations; poll ``GET /api/jobs/{job_id}``."""
    granted = visible_datasets(principal)
    params = {**body.model_dump(), "datasets": sorted(granted) if granted is not None else None}
    job_id = request.app.state.jobs.submit(JOB_KIND, params, created_by=principal.name)
    audit.record("risk.run", detail={"job_id": job_id, "model": body.model})
    return {"job_id": job_id, "status": "queued", "location": f"/api/jobs/{job_id}"}
