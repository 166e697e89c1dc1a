"""The entity schemata, for forms and the analyst UI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from pasienis.api.deps import Role, require
from pasienis.model.catalog import describe_schema, list_schemata

# The schema is not personal data; every role that fills forms or reads entities needs it.
SCHEMA_READERS = (Role.administrator, Role.analyst, Role.dispatcher, Role.field_officer)
router = APIRouter(
    prefix="/api/schema", tags=["schema"], dependencies=[Depends(require(*SCHEMA_READERS))]
)


@router.get("")
def schemata() -> list[dict[str, Any]]:
    """All concrete schemata (standard FollowTheMoney + customs + administrator YAML)."""
    return list_schemata()


@router.get("/{name}")
def schema(name: str) -> dict[str, Any]:
    """One schema with its properties."""
    return describe_schema(name)
