"""Serve the static browser apps under ``/web`` and send ``/`` to the app index."""

from __future__ import annotations

import os
import stat
from pathlib import PurePosixPath

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from pasienis.api.deps import public
from pasienis.web import WEB_ROOT

router = APIRouter(tags=["web"])

#: What the browser apps are made of. Anything else in the package folder (Python sources,
#: README files, licences, caches) is not served: an allow-list, so a file added later is
#: private until someone decides otherwise.
ASSET_SUFFIXES = frozenset(
    {
        ".html", ".js", ".mjs", ".css", ".json", ".geojson", ".webmanifest",
        ".png", ".svg", ".ico", ".jpg", ".webp", ".woff", ".woff2",
    }
)  # fmt: skip


class AssetFiles(StaticFiles):
    """:class:`StaticFiles` that serves only files whose suffix is in :data:`ASSET_SUFFIXES`."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        full_path, found = super().lookup_path(path)
        if found is not None and stat.S_ISREG(found.st_mode) and not is_asset(full_path):
            return "", None
        return full_path, found


def is_asset(path: str) -> bool:
    """A file of the apps (by suffix, case-insensitive); hidden files never are."""
    name = PurePosixPath(path.replace(os.sep, "/")).name
    return not name.startswith(".") and PurePosixPath(name).suffix.lower() in ASSET_SUFFIXES


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
    app.mount("/web", AssetFiles(directory=WEB_ROOT, html=True), name="web")
