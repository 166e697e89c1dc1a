"""Health and version: what a load balancer or an operator checks."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from pasienis import __version__
from pasienis.api.deps import public
from pasienis.store import current_revision, head_revision

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", dependencies=[Depends(public("load balancers and operators probe it"))])
def health(request: Request) -> dict[str, object]:
    """Liveness and readiness: the store answers and its migrations are current."""
    store = request.app.state.store
    current = current_revision(store)
    return {
        "status": "ok" if store.ping() else "error",
        "version": __version__,
        "engine": store.engine_name,
        "migrations": {"current": current, "head": head_revision()},
    }
