"""Serve the static browser apps under ``/web`` and send ``/`` to the app index."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from pasienis.api.deps import public
from pasienis.web import WEB_ROOT

router = APIRouter(tags=["web"])


@router.get(
    "/",
    include_in_schema=False,
    dependencies=[Depends(public("the landing page holds no data; the apps sign in first"))],
)
def index() -> RedirectResponse:
    """The start page lists the apps."""
    return RedirectResponse("/web/index.html", status_code=307)


def mount_web(app: FastAPI) -> None:
    """Static files hold code and translations only; every datum comes from protected routes."""
    app.include_router(router)
    app.mount("/web", StaticFiles(directory=WEB_ROOT, html=True), name="web")
