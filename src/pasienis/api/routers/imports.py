"""Imports: upload a file with a mapping to import it as a job; runs and quarantine."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile

from pasienis.api.deps import AuditorDep, Principal, Role, require
from pasienis.ingest import MappingError, get_entry, get_run, list_entries, list_runs, parse_mapping
from pasienis.ingest.jobkind import JOB_KIND, shipped_mapping

router = APIRouter(prefix="/api", tags=["imports"])
Importer = Annotated[Principal, Depends(require(Role.administrator, Role.analyst))]
CHUNK = 1 << 20


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
    """Start an import job; poll ``GET /api/jobs/{job_id}`` for progress and the result."""
    settings = request.app.state.settings
    params: dict[str, Any] = {
        "format": source_format,
        "dataset": dataset,
        "force": force,
        "batch_size": settings.ingest_batch_records,
        "defer_indexes_from": settings.ingest_defer_indexes_from,
        "writer_process_from": settings.ingest_writer_process_from,
        "cache_entries": settings.ingest_cache_entries,
    }
    if mapping is not None:
        text = (await mapping.read()).decode("utf-8", errors="replace")
        parse_mapping(text, name=mapping.filename or "mapping")  # fail now, not in the job
        params |= {"mapping_text": text, "mapping_name": mapping.filename}
    elif mapping_name:
        try:
            params["mapping_path"] = str(shipped_mapping(mapping_name))
        except FileNotFoundError:
            raise MappingError(
                f"no shipped mapping {mapping_name!r}", hint="e.g. scenario/crossings"
            ) from None
    elif source_format != "ftm":
        raise MappingError("an import needs a mapping file or mapping_name", hint="or format=ftm")
    path, name = await _save(file, _upload_dir(request))
    params |= {"path": str(path), "source_name": name}
    job_id = request.app.state.jobs.submit(JOB_KIND, params, created_by=principal.name)
    audit.record("import.started", detail={"job_id": job_id, "file": name})
    return {"job_id": job_id, "status": "queued", "location": f"/api/jobs/{job_id}"}


@router.get("/imports")
def runs(
    request: Request,
    _p: Importer,
    dataset: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Import runs, newest first: who, when, file and hash, mapping, counts."""
    with request.app.state.store.read() as conn:
        return list_runs(conn, dataset=dataset, limit=limit)


@router.get("/imports/{run_id}")
def run(run_id: str, request: Request, _p: Importer) -> dict[str, Any]:
    """One import run."""
    with request.app.state.store.read() as conn:
        return get_run(conn, run_id=run_id)


@router.get("/quarantine")
def quarantine(
    request: Request,
    _p: Importer,
    dataset: str | None = None,
    status: str | None = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Quarantined records: locator, field, value, reason."""
    with request.app.state.store.read() as conn:
        return list_entries(conn, dataset=dataset, status=status, limit=limit)


@router.get("/quarantine/{entry_id}")
def quarantine_entry(entry_id: str, request: Request, _p: Importer) -> dict[str, Any]:
    """One quarantined record with its raw fields."""
    with request.app.state.store.read() as conn:
        return get_entry(conn, entry_id=entry_id)
