"""An entity's profile beyond its statements: events, documents mentioning it, alerts and
watchlist entries, resolution history. Each reads through the caller's dataset grants, over
every record merged into the entity, and is audited as a read of personal data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.documents import entity_mentions
from pasienis.errors import NotFoundError
from pasienis.model.entity_events import entity_events
from pasienis.model.service import entity_statement_rows
from pasienis.resolve import list_judgements, members_of
from pasienis.resolve.review import visible_members
from pasienis.watch import entity_watch

router = APIRouter(prefix="/api/entities", tags=["entities"])
# Profiles are personal data: analysts only, and only facts from datasets they may see.
Reader = Annotated[Principal, Depends(require(Role.analyst))]
Limit = Annotated[int, Query(ge=1, le=2000)]


def _members(conn: Any, entity_id: str, datasets: frozenset[str]) -> list[str]:
    """The entity and the records merged into it; 404 when the caller sees none of it."""
    ids = members_of(conn, entity_id)
    _, rows = entity_statement_rows(conn, entity_id, datasets=datasets)
    if not rows:
        raise NotFoundError(f"no entity {entity_id!r}")
    return ids


def _read(request: Request, principal: Principal, audit: AuditorDep, action: str,
          entity_id: str, fn: Any) -> dict[str, Any]:  # fmt: skip
    datasets = visible_datasets(principal)
    try:
        with request.app.state.store.read() as conn:
            ids = _members(conn, entity_id, datasets)
            out: dict[str, Any] = fn(conn, ids, datasets)
    except NotFoundError:
        audit.record(action, entity_ids=[entity_id], outcome="not-found")
        raise
    audit.record(action, entity_ids=[entity_id])
    return {"entity_id": entity_id, **out}


@router.get("/{entity_id}/events")
def events(request: Request, entity_id: str, principal: Reader, audit: AuditorDep,
           limit: Limit = 500) -> dict[str, Any]:  # fmt: skip
    """Crossings, plate reads, declarations and violations the entity takes part in."""
    return _read(request, principal, audit, "entity.events", entity_id,
                 lambda c, ids, ds: entity_events(c, ids, datasets=ds, limit=limit))  # fmt: skip


@router.get("/{entity_id}/mentions")
def mentions(request: Request, entity_id: str, principal: Reader, audit: AuditorDep,
             limit: Limit = 200) -> dict[str, Any]:  # fmt: skip
    """Documents that mention the entity, each mention with its passage to highlight."""
    return _read(request, principal, audit, "entity.mentions", entity_id,
                 lambda c, ids, ds: entity_mentions(c, ids, datasets=ds, limit=limit))  # fmt: skip


@router.get("/{entity_id}/watch")
def watch(request: Request, entity_id: str, principal: Reader, audit: AuditorDep,
          limit: Limit = 200) -> dict[str, Any]:  # fmt: skip
    """Alerts raised on the entity and the watchlist entries that list it."""
    return _read(request, principal, audit, "entity.watch", entity_id,
                 lambda c, ids, ds: entity_watch(c, ids, datasets=ds, limit=limit))  # fmt: skip


@router.get("/{entity_id}/history")
def history(request: Request, entity_id: str, principal: Reader, audit: AuditorDep,
            limit: Limit = 200) -> dict[str, Any]:  # fmt: skip
    """The records merged into the entity that the caller may read, and the analysts'
    judgements about them (merge, not-same, unsure, split: who, when, why)."""

    def fn(conn: Any, ids: list[str], ds: frozenset[str]) -> dict[str, Any]:
        shown = visible_members(conn, ids, ds) or [entity_id]
        found = list_judgements(conn, datasets=ds, limit=limit, involving=shown)
        return {"members": shown, "judgements": found}

    return _read(request, principal, audit, "entity.history", entity_id, fn)
