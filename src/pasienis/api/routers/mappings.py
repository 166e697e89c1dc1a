"""Mapping tools and import retraction for administrators (the browser import page uses them).

``POST /api/mappings/check|preview|draft`` take an uploaded source file (and a mapping) and
write nothing to the store; ``POST /api/imports/{run_id}/retract|restore`` take a run out of
the live view and back. All are for administrators; the uploaded file is kept only while the
request runs.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from pasienis.api.deps import AuditorDep, Principal, Role, require
from pasienis.ingest import (
    check_mapping,
    draft_mapping,
    get_run,
    parse_mapping,
    preview_mapping,
    restore_run,
    retract_run,
)

router = APIRouter(prefix="/api", tags=["mappings"])
Admin = Annotated[Principal, Depends(require(Role.administrator))]
CHUNK = 1 << 20


@contextmanager
def _kept(data: bytes, filename: str | None) -> Iterator[Path]:
    """The upload as a file with its own name (readers pick the format by the name)."""
    safe = re.sub(r"[^\w.\-]", "_", Path(filename or "upload").name)[:120] or "upload"
    with tempfile.TemporaryDirectory(prefix="pasienis-mapping-") as folder:
        path = Path(folder) / f"{uuid.uuid4().hex[:8]}-{safe}"
        path.write_bytes(data)
        yield path


async def _read(upload: UploadFile) -> bytes:
    chunks = []
    while chunk := await upload.read(CHUNK):
        chunks.append(chunk)
    return b"".join(chunks)


async def _mapping(upload: UploadFile) -> Any:
    text = (await _read(upload)).decode("utf-8", errors="replace")
    return parse_mapping(text, name=upload.filename or "mapping")


@router.post("/mappings/check")
async def check(
    _p: Admin,
    file: Annotated[UploadFile, File(description="A source file the mapping is for")],
    mapping: Annotated[UploadFile, File(description="Mapping YAML")],
) -> dict[str, Any]:
    """Problems (file:line, "did you mean") of a mapping for this file; ``ok`` when none."""
    loaded = await _mapping(mapping)
    with _kept(await _read(file), file.filename) as path:
        return await run_in_threadpool(check_mapping, loaded, path, name=file.filename)


@router.post("/mappings/preview")
async def preview(
    _p: Admin,
    audit: AuditorDep,
    file: Annotated[UploadFile, File(description="A source file the mapping is for")],
    mapping: Annotated[UploadFile, File(description="Mapping YAML")],
    rows: Annotated[int, Form(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """The first records as the entities, events and quarantine entries they would become."""
    loaded = await _mapping(mapping)
    audit.record("mapping.preview", detail={"file": file.filename, "rows": rows})
    with _kept(await _read(file), file.filename) as path:
        return await run_in_threadpool(preview_mapping, loaded, path, rows=rows, name=file.filename)


@router.post("/mappings/draft")
async def draft(
    _p: Admin,
    file: Annotated[UploadFile, File(description="The file to propose a mapping for")],
    sheet: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Encoding, delimiter, header row, columns with likely types, and a mapping YAML."""
    with _kept(await _read(file), file.filename) as path:
        found = await run_in_threadpool(draft_mapping, path, name=Path(path).stem, sheet=sheet)
    return found.to_dict()


@router.post("/imports/{run_id}/retract")
def retract(
    run_id: str,
    request: Request,
    principal: Admin,
    audit: AuditorDep,
    reason: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Take a run's statements and events out of the live view (reversible)."""
    store = request.app.state.store
    with store.read() as conn:
        full = get_run(conn, run_id=run_id)["id"]
    audit.record("import.retract", detail={"run_id": full, "reason": reason})
    return retract_run(store, run_id=full, by=principal.name, reason=reason)


@router.post("/imports/{run_id}/restore")
def restore(run_id: str, request: Request, principal: Admin, audit: AuditorDep) -> dict[str, Any]:
    """Bring a retracted run back into the live view."""
    store = request.app.state.store
    with store.read() as conn:
        full = get_run(conn, run_id=run_id)["id"]
    audit.record("import.restore", detail={"run_id": full})
    return restore_run(store, run_id=full, by=principal.name)
