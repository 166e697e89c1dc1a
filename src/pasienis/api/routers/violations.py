"""Violation analyses for dispatchers and analysts: map layers, charts and exports.

Every analysis reads only violations of datasets the caller may read, and is audited (the
rows are aggregates, but the selection reveals where and when the service seized goods).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from pasienis.api.deps import Principal, Role, audit_read, require, visible_datasets
from pasienis.violations import (
    KINDS,
    Analysis,
    AnalysisInputError,
    Filters,
    analyse,
    cells_geojson,
    compare,
    rows_csv,
)
from pasienis.violations.registry import correct, history, list_violations
from pasienis.violations.report import pdf_report

router = APIRouter(prefix="/api/violations", tags=["violations"])
READER = require(Role.dispatcher, Role.analyst, Role.administrator)
Reader = Annotated[Principal, Depends(READER)]
CORRECTOR = require(Role.dispatcher, Role.administrator)
Corrector = Annotated[Principal, Depends(CORRECTOR)]
Format = Literal["json", "geojson", "csv", "pdf"]


def _filters(
    since: datetime | None,
    until: datetime | None,
    category: list[str],
    unit: list[str],
    goods: list[str],
) -> Filters:
    return Filters(
        since=since, until=until, categories=tuple(category), units=tuple(unit), goods=tuple(goods)
    )


def _answer(analysis: Analysis, fmt: Format, filters: Filters) -> Response | dict[str, Any]:
    if fmt == "json":
        return {
            "kind": analysis.kind,
            "parameters": analysis.parameters,
            "summary": analysis.summary,
            "rows": analysis.rows,
            "raster": analysis.raster,
        }
    if analysis.raster is not None and fmt in {"geojson", "csv"}:
        raise AnalysisInputError("a density grid exports as JSON or PDF", hint="use format=json")
    if fmt == "geojson":
        body = cells_geojson(analysis.rows, kind=analysis.kind, summary=analysis.summary)
        return Response(json.dumps(body), media_type="application/geo+json")
    if fmt == "csv":
        return Response(
            rows_csv(analysis.rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="violations-{analysis.kind}.csv"'
            },
        )
    described = {
        "since": filters.since and filters.since.isoformat(),
        "until": filters.until and filters.until.isoformat(),
        "category": ",".join(filters.categories),
        "unit": ",".join(filters.units),
        "goods": ",".join(filters.goods),
    }
    body_pdf = pdf_report(analysis, title=f"Violations: {analysis.kind}", filters=described)
    return Response(
        body_pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="violations-{analysis.kind}.pdf"'},
    )


@router.get("/analysis/{kind}")
def run_analysis(
    kind: str,
    request: Request,
    principal: Reader,
    since: datetime | None = None,
    until: datetime | None = None,
    category: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads list defaults
    unit: Annotated[list[str], Query()] = [],  # noqa: B006
    goods: Annotated[list[str], Query()] = [],  # noqa: B006
    res: Annotated[int, Query(ge=5, le=10)] = 7,
    k: Annotated[int, Query(ge=1, le=5)] = 1,
    bandwidth_m: Annotated[float, Query(gt=0, le=100_000)] = 2000.0,
    cell_m: Annotated[float, Query(gt=0, le=50_000)] = 500.0,
    permutations: Annotated[int, Query(ge=1, le=999)] = 99,
    format: Format = "json",
) -> Any:
    """One of: hexbin, kde, hotspots, emerging, hours, months, near-repeat."""
    if kind not in KINDS:
        raise AnalysisInputError(f"unknown analysis {kind!r}", hint="one of: " + ", ".join(KINDS))
    filters = _filters(since, until, category, unit, goods)
    with request.app.state.store.read() as conn:
        analysis = analyse(
            conn,
            kind,
            filters=filters,
            datasets=visible_datasets(principal),
            res=res,
            k=k,
            bandwidth_m=bandwidth_m,
            cell_m=cell_m,
            permutations=permutations,
        )
    audit_read(
        request,
        "violations.analysis",
        query={"kind": kind, **request.query_params},
        detail={"violations": analysis.summary.get("violations"), "format": format},
    )
    return _answer(analysis, format, filters)


@router.get("/compare")
def compare_periods(
    request: Request,
    principal: Reader,
    first_since: datetime,
    first_until: datetime,
    second_since: datetime,
    second_until: datetime,
    category: Annotated[list[str], Query()] = [],  # noqa: B006
    res: Annotated[int, Query(ge=5, le=10)] = 7,
    format: Format = "json",
) -> Any:
    """Counts per cell in two periods and the change between them."""
    first = _filters(first_since, first_until, category, [], [])
    second = _filters(second_since, second_until, category, [], [])
    with request.app.state.store.read() as conn:
        analysis = compare(
            conn, first=first, second=second, datasets=visible_datasets(principal), res=res
        )
    audit_read(request, "violations.compare", query=dict(request.query_params))
    return _answer(analysis, format, second)


class Correction(BaseModel):
    """A corrected violation: the fields that change, and why (the old version stays)."""

    reason: str = Field(min_length=1, max_length=2000)
    occurred_at: datetime | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    category: str | None = Field(default=None, min_length=1, max_length=32)
    quantity: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    unit_of_measure: str | None = Field(default=None, max_length=16)
    value_eur: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    description: str | None = Field(default=None, max_length=10_000)


@router.get("")
def list_registry(
    request: Request,
    principal: Reader,
    since: datetime | None = None,
    until: datetime | None = None,
    category: Annotated[list[str], Query()] = [],  # noqa: B006
    unit: Annotated[list[str], Query()] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Current violations (corrections applied), newest first, with the total."""
    filters = _filters(since, until, category, unit, [])
    with request.app.state.store.read() as conn:
        total, rows = list_violations(
            conn, filters=filters, datasets=visible_datasets(principal), limit=limit, offset=offset
        )
    audit_read(
        request,
        "violations.list",
        query=dict(request.query_params),
        detail={"rows": len(rows)},
        entity_ids=[r[k] for r in rows for k in ("person_id", "vehicle_id") if r.get(k)],
    )
    return {"total": total, "offset": offset, "rows": rows}


@router.get("/{violation_id}")
def read_violation(violation_id: str, request: Request, principal: Reader) -> dict[str, Any]:
    """A violation and every version of it (who corrected what, when and why)."""
    with request.app.state.store.read() as conn:
        versions = history(conn, violation_id=violation_id, datasets=visible_datasets(principal))
    audit_read(
        request,
        "violations.read",
        query={"id": violation_id},
        entity_ids=[v[k] for v in versions for k in ("person_id", "vehicle_id") if v.get(k)],
    )
    return {"current": versions[-1], "versions": versions}


@router.post("/{violation_id}/corrections", status_code=201)
def correct_violation(
    violation_id: str, body: Correction, request: Request, principal: Corrector
) -> dict[str, Any]:
    """Record a corrected version; analyses count only the newest version from now on."""
    changes = body.model_dump(exclude={"reason"}, exclude_none=True)
    store = request.app.state.store
    with store.begin() as conn:
        new = correct(
            conn,
            violation_id=violation_id,
            changes=changes,
            reason=body.reason,
            actor=principal.name,
            now=datetime.now(UTC),
            datasets=visible_datasets(principal),
        )
    audit_read(
        request,
        "violations.correct",
        query={"id": violation_id},
        detail={"replacement": new["id"], "fields": sorted(changes)},
    )
    return new
