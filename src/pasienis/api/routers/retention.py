"""Retention for administrators: policies, status, the review queue, reviews, erasure.

Answers name datasets, tables, dates and counts — never an entity or a value.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from pasienis.api.deps import Principal, Role, require
from pasienis.security import retention
from pasienis.store.types import UtcTime

router = APIRouter(prefix="/api/retention", tags=["retention"])
Admin = Annotated[Principal, Depends(require(Role.administrator))]
Kind = Annotated[Literal["dataset", "table"], Path(description="dataset or table")]
Scope = Annotated[str, Path(min_length=1, max_length=128)]


class PolicyIn(BaseModel):
    """How long a dataset's or table's data is kept, and how often that is reviewed."""

    period_days: int = Field(ge=1, le=36_500)
    review_every_days: int | None = Field(
        default=None, ge=1, le=36_500, description="default: PASIENIS_RETENTION_REVIEW_DAYS"
    )
    basis: str | None = Field(default=None, max_length=2_000, description="why it is kept")


class ReviewIn(BaseModel):
    """A review: the period stands; optionally keep expired data on hold until a date."""

    hold_until: UtcTime | None = None
    note: str | None = Field(default=None, max_length=2_000)


def _erasers(request: Request) -> retention.Erasers:
    return request.app.state.erasers  # type: ignore[no-any-return]


@router.get("/policies")
def policies(request: Request, _admin: Admin) -> list[dict[str, Any]]:
    with request.app.state.store.read() as conn:
        return retention.list_policies(conn)


@router.put("/policies/{kind}/{scope}")
def set_policy(
    kind: Kind, scope: Scope, body: PolicyIn, request: Request, admin: Admin
) -> dict[str, Any]:
    """Set the retention period of a dataset or a table (audited)."""
    every = body.review_every_days or request.app.state.settings.retention_review_days
    with request.app.state.store.begin() as conn:
        return retention.set_policy(
            conn,
            scope_kind=kind,
            scope=scope,
            period_days=body.period_days,
            review_every_days=every,
            basis=body.basis,
            actor=admin.name,
            erasers=_erasers(request),
        )


@router.get("/status")
def status(request: Request, _admin: Admin) -> list[dict[str, Any]]:
    """Every dataset and table: period, cutoff, expired counts, next review."""
    with request.app.state.store.read() as conn:
        return [s.to_dict() for s in retention.status(conn, _erasers(request))]


@router.get("/reviews")
def reviews(request: Request, _admin: Admin) -> list[dict[str, Any]]:
    """The review queue: no period set, data past its period, or a review due."""
    with request.app.state.store.read() as conn:
        return [s.to_dict() for s in retention.review_queue(conn, _erasers(request))]


@router.post("/reviews/{kind}/{scope}")
def review(
    kind: Kind, scope: Scope, body: ReviewIn, request: Request, admin: Admin
) -> dict[str, Any]:
    """Record a review (audited); the next one falls due after the policy's interval."""
    with request.app.state.store.begin() as conn:
        return retention.review(
            conn,
            scope_kind=kind,
            scope=scope,
            actor=admin.name,
            hold_until=body.hold_until,
            note=body.note,
        )


@router.post("/apply")
async def apply(request: Request, admin: Admin, dry_run: bool = True) -> list[dict[str, Any]]:
    """Erase expired data not on hold (``dry_run=false``); by default only report it."""
    return await run_in_threadpool(
        retention.apply,
        request.app.state.store,
        _erasers(request),
        actor=admin.name,
        dry_run=dry_run,
    )
