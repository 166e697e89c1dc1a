"""Imports: upload a file with a mapping to import it as a job; runs and quarantine.

Compartments apply: an import needs a write grant on its dataset (the first import into a new
dataset makes the caller its owner), and runs and quarantine entries (raw records) are read
only through the caller's dataset grants, every read audited. Server file paths are shown to
administrators only.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.errors import NotFoundError
from pasienis.ingest import (
    MappingError,
    authorize_import,
    count_entries,
    get_entry,
    get_run,
    list_entries,
    list_runs,
    load_mapping,
    parse_mapping,
)
from pasienis.ingest.errors import ImportRunNotFoundError
from pasienis.ingest.jobkind import JOB_KIND, shipped_mapping
from pasienis.security import validate_dataset_name

router = APIRouter(prefix="/api", tags=["imports"])
Importer = Annotated[Principal, Depends(require(Role.administrator, Role.analyst))]
CHUNK = 1 << 20
#: Run fields that reveal the server's file system (administrators only).
SERVER_PATHS = ("source_path",)


def _upload_dir(request: Request) -> Path:
    settings = request.app.state.settings
    folder = settings.ingest_upload_dir or Path(settings.data_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _save(upload: UploadFile, folder: Path) -> tuple[Path, str]:
    name = Path(upload.filename or "upload").name
    safe = re.sub(r"[^\w.\-]", "_", name)[:120] or "upload"
    target = folder / f"{uuid.uuid4().hex}-{safe}"
    with target.open("wb") as handle:
        while chunk := await upload.read(CHUNK):
            handle.write(chunk)
    return target, name


async def _mapping_params(
    mapping: UploadFile | None, mapping_name: str | None, source_format: str | None
) -> tuple[dict[str, Any], str | None]:
    """Job parameters for the mapping, and the dataset the mapping writes (``None``: FtM)."""
    if mapping is not None:
        text = (await mapping.read()).decode("utf-8", errors="replace")
        loaded = parse_mapping(text, name=mapping.filename or "mapping")  # fail now, not later
        return {"mapping_text": text, "mapping_name": mapping.filename}, loaded.mapping.dataset
    if mapping_name:
        try:
            path = shipped_mapping(mapping_name)
        except FileNotFoundError:
            raise MappingError(
                f"no shipped mapping {mapping_name!r}", hint="e.g. scenario/crossings"
            ) from None
        return {"mapping_path": str(path)}, load_mapping(path).mapping.dataset
    if source_format != "ftm":
        raise MappingError("an import needs a mapping file or mapping_name", hint="or format=ftm")
    return {}, None


@router.post("/imports", status_code=202)
async def create_import(
    request: Request,
    principal: Importer,
    audit: AuditorDep,
    file: Annotated[UploadFile, File(description="The source file")],
    mapping: Annotated[UploadFile | None, File(description="Mapping YAML")] = None,
    mapping_name: Annotated[
        str | None, Form(description="A shipped mapping, e.g. scenario/crossings")
    ] = None,
    source_format: Annotated[str | None, Form(alias="format")] = None,
    dataset: Annotated[str | None, Form()] = None,
    force: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Start an import job; poll ``GET /api/jobs/{job_id}`` for progress and the result.

    Needs a write grant on the dataset (the mapping's, or ``dataset`` for FtM streams); a
    dataset that does not exist yet is created with the caller as its owner.
    """
    settings = request.app.state.settings
    if dataset is not None:
        validate_dataset_name(dataset)
    mapped, target = await _mapping_params(mapping, mapping_name, source_format)
    target = target or dataset
    if target is None:
        raise MappingError("FtM streams need a dataset name", hint="send dataset=NAME")
    with request.app.state.store.begin() as conn:
        created = authorize_import(
            conn, dataset=target, acting=principal, classification=settings.default_classification
        )
    params: dict[str, Any] = {
        "format": source_format,
        "dataset": dataset,
        "force": force,
        "batch_size": settings.ingest_batch_records,
        "defer_indexes_from": settings.ingest_defer_indexes_from,
        "writer_process_from": settings.ingest_writer_process_from,
        "cache_entries": settings.ingest_cache_entries,
        "acting_user_id": principal.user_id, **mapped,
    }  # fmt: skip
    path, name = await _save(file, _upload_dir(request))
    params |= {"path": str(path), "source_name": name}
    job_id = request.app.state.jobs.submit(
        JOB_KIND, params, created_by=principal.name, dataset=target
    )
    audit.record(
        "import.started",
        detail={"job_id": job_id, "file": name, "dataset": target, "created": created},
    )
    return {"job_id": job_id, "status": "queued", "location": f"/api/jobs/{job_id}"}


def _shown(run: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """A run as the caller may see it: server paths for administrators only."""
    if principal.has(Role.administrator):
        return run
    return {k: v for k, v in run.items() if k not in SERVER_PATHS}


@router.get("/imports")
def runs(
    request: Request,
    principal: Importer,
    audit: AuditorDep,
    dataset: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Import runs of the datasets you may see, newest first: who, when, file, mapping, counts."""
    with request.app.state.store.read() as conn:
        found = list_runs(conn, dataset=dataset, datasets=visible_datasets(principal), limit=limit)
    audit.record("import.runs.read", query={"dataset": dataset}, detail={"count": len(found)})
    return [_shown(r, principal) for r in found]


@router.get("/imports/{run_id}")
def run(run_id: str, request: Request, principal: Importer, audit: AuditorDep) -> dict[str, Any]:
    """One import run (404 when its dataset is not visible to you, as when it does not exist)."""
    with request.app.state.store.read() as conn:
        try:
            found = get_run(conn, run_id=run_id)
        except NotFoundError:
            found = None
    if found is None or found["dataset"] not in visible_datasets(principal):
        audit.record("import.run.read", detail={"run_id": run_id}, outcome="not-found")
        raise ImportRunNotFoundError(f"no import run {run_id!r}")
    audit.record("import.run.read", detail={"run_id": run_id, "dataset": found["dataset"]})
    return _shown(found, principal)


@router.get("/quarantine")
def quarantine(
    request: Request,
    principal: Importer,
    audit: AuditorDep,
    dataset: str | None = None,
    status: str | None = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Quarantined records of the datasets you may see (locator, field, value, reason), in
    file order, a page of ``limit`` from ``offset``, with the ``total`` that match."""
    visible = visible_datasets(principal)
    with request.app.state.store.read() as conn:
        entries = list_entries(
            conn, dataset=dataset, status=status, datasets=visible, limit=limit, offset=offset
        )
        total = count_entries(conn, dataset=dataset, status=status, datasets=visible)
    # Raw records are personal data: one entry per consultation, naming what was shown.
    audit.record(
        "quarantine.read",
        query={"dataset": dataset, "status": status, "offset": offset},
        detail={"count": len(entries), "total": total, "entries": [e["id"] for e in entries]},
    )
    return {"total": total, "offset": offset, "limit": limit, "rows": entries}


@router.get("/quarantine/{entry_id}")
def quarantine_entry(
    entry_id: str, request: Request, principal: Importer, audit: AuditorDep
) -> dict[str, Any]:
    """One quarantined record with its raw fields (404 unless its dataset is visible)."""
    with request.app.state.store.read() as conn:
        try:
            entry = get_entry(conn, entry_id=entry_id)
        except NotFoundError:
            entry = None
    if entry is None or entry["dataset"] not in visible_datasets(principal):
        audit.record("quarantine.entry.read", detail={"entry": entry_id}, outcome="not-found")
        raise ImportRunNotFoundError(f"no quarantine entry {entry_id!r}")
    audit.record("quarantine.entry.read", detail={"entry": entry_id, "dataset": entry["dataset"]})
    return entry
