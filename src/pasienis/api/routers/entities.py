"""Entities as the fold of their statements, and the statements themselves (provenance)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from pasienis.model import load_entity
from pasienis.model.service import entity_statement_rows

router = APIRouter(prefix="/api/entities", tags=["entities"])


@router.get("/{entity_id}")
def entity(request: Request, entity_id: str) -> dict[str, Any]:
    """An entity in FollowTheMoney JSON, assembled from every statement about it."""
    with request.app.state.store.read() as conn:
        return load_entity(conn, entity_id).to_dict()


@router.get("/{entity_id}/statements")
def statements(request: Request, entity_id: str) -> list[dict[str, Any]]:
    """Every statement about an entity with its source, locator, run and first/last seen."""
    with request.app.state.store.read() as conn:
        _, rows = entity_statement_rows(conn, entity_id)
    return [dict(row._mapping) for row in rows]
