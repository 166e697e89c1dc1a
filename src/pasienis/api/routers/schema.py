"""The entity schemata, for forms and the analyst UI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pasienis.model.catalog import describe_schema, list_schemata

router = APIRouter(prefix="/api/schema", tags=["schema"])


@router.get("")
def schemata() -> list[dict[str, Any]]:
    """All concrete schemata (standard FollowTheMoney + customs + administrator YAML)."""
    return list_schemata()


@router.get("/{name}")
def schema(name: str) -> dict[str, Any]:
    """One schema with its properties."""
    return describe_schema(name)
