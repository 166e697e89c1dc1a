"""Entities as the fold of their statements, and the statements themselves (provenance)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from pasienis.api.deps import Auditor, AuditorDep, Principal, Role, require, visible_datasets
from pasienis.errors import NotFoundError
from pasienis.ingest.source_record import source_record
from pasienis.model import load_entity
from pasienis.model.service import entity_statement_rows

router = APIRouter(prefix="/api/entities", tags=["entities"])
# Profiles are personal data: analysts only, and only facts from datasets they may see.
Reader = Annotated[Principal, Depends(require(Role.analyst))]


@router.get("/{entity_id}")
def entity(
    request: Request, entity_id: str, principal: Reader, audit: AuditorDep
) -> dict[str, Any]:
    """An entity in FollowTheMoney JSON, assembled from the statements the caller may see."""
    with request.app.state.store.read() as conn, _audited(audit, "entity.read", entity_id):
        return load_entity(conn, entity_id, datasets=visible_datasets(principal)).to_dict()


@router.get("/{entity_id}/statements")
def statements(
    request: Request, entity_id: str, principal: Reader, audit: AuditorDep
) -> list[dict[str, Any]]:
    """Every visible statement about an entity with its source, locator, run, first/last seen."""
    with request.app.state.store.read() as conn, _audited(audit, "entity.statements", entity_id):
        _, rows = entity_statement_rows(conn, entity_id, datasets=visible_datasets(principal))
        if not rows:  # unknown and invisible look the same: no hint that it exists elsewhere
            raise NotFoundError(f"no entity {entity_id!r}")
    return [dict(row._mapping) for row in rows]


@router.get("/{entity_id}/statements/{statement_id}/source")
def statement_source(
    request: Request, entity_id: str, statement_id: str, principal: Reader, audit: AuditorDep
) -> dict[str, Any]:
    """The raw record a statement came from, read again from the imported file (unchanged
    since: same SHA-256), with the statement and its import run. Only statements of the
    datasets the caller may see; 404 otherwise, as for a statement that does not exist."""
    with request.app.state.store.read() as conn, _audited(audit, "entity.source", entity_id):
        _, rows = entity_statement_rows(conn, entity_id, datasets=visible_datasets(principal))
        row = next((r for r in rows if r.id == statement_id), None)
        if row is None:
            raise NotFoundError(f"no statement {statement_id!r} of entity {entity_id!r}")
        if not row.run_id or not row.locator:
            raise NotFoundError(
                f"statement {statement_id!r} does not come from an imported file",
                hint="its dataset and locator say where it came from",
            )
        found = source_record(conn, run_id=row.run_id, locator=row.locator, dataset=row.dataset)
    shown = ("id", "prop", "value", "original_value", "dataset", "locator")
    statement = {k: v for k, v in row._mapping.items() if k in shown}
    return {"statement": statement, **found}


@router.get("/{entity_id}/export", response_class=JSONResponse)
def export(request: Request, entity_id: str, principal: Reader, audit: AuditorDep) -> JSONResponse:
    """Download the entity as FollowTheMoney JSON (only the facts the caller may see)."""
    with request.app.state.store.read() as conn, _audited(audit, "entity.export", entity_id):
        data = load_entity(conn, entity_id, datasets=visible_datasets(principal)).to_dict()
    filename = "".join(c for c in entity_id if c.isalnum() or c in "-_.")[:80] or "entity"
    return JSONResponse(
        data, headers={"Content-Disposition": f'attachment; filename="{filename}.ftm.json"'}
    )


@contextmanager
def _audited(audit: Auditor, action: str, entity_id: str) -> Iterator[None]:
    """Log the consultation, also when nothing visible was found (who tried to look)."""
    try:
        yield
    except NotFoundError:
        audit.record(action, entity_ids=[entity_id], outcome="not-found")
        raise
    audit.record(action, entity_ids=[entity_id])
