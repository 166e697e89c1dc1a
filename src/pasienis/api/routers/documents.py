"""Documents: upload files to ingest as a job; read documents, text, mentions, originals.

Every read goes through the caller's datasets (compartments) and is audited: a document's
text is personal data.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.documents import (
    JOB_KIND,
    DocumentNotFoundError,
    Options,
    document_mentions,
    document_text,
    get_document,
    get_original,
    judge_mention,
    list_documents,
)
from pasienis.security import ForbiddenError

router = APIRouter(prefix="/api/documents", tags=["documents"])
Uploader = Annotated[Principal, Depends(require(Role.administrator, Role.analyst))]
Reader = Annotated[Principal, Depends(require(Role.analyst))]
CHUNK = 1 << 20


async def _save(upload: UploadFile, folder: Path) -> tuple[Path, str]:
    name = Path(upload.filename or "upload").name
    safe = re.sub(r"[^\w.\-]", "_", name)[:120] or "upload"
    target = folder / uuid.uuid4().hex / safe  # own folder: the document keeps its name
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:
        while chunk := await upload.read(CHUNK):
            handle.write(chunk)
    return target, name


@router.post("", status_code=202)
async def upload(
    request: Request,
    principal: Uploader,
    audit: AuditorDep,
    files: Annotated[list[UploadFile], File(description="Reports, e-mails, archives, scans")],
    dataset: Annotated[str | None, Form(description="Dataset (compartment)")] = None,
    force: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Start a documents job; poll ``GET /api/jobs/{job_id}`` for progress and the report."""
    settings = request.app.state.settings
    target = dataset or settings.documents_dataset
    if target not in visible_datasets(principal):
        raise ForbiddenError(
            f"you have no grant on dataset {target!r}", hint="ask an administrator for a grant"
        )
    folder = Path(settings.data_dir) / "documents-uploads"
    saved = [await _save(f, folder) for f in files]
    params = {
        "paths": [str(p) for p, _ in saved],
        "dataset": target,
        "force": force,
        "link_datasets": sorted(visible_datasets(principal)),  # what the uploader sees
    }
    job_id = request.app.state.jobs.submit(JOB_KIND, params, created_by=principal.name)
    audit.record("documents.upload", detail={"job_id": job_id, "files": [n for _, n in saved],
                                             "dataset": target})  # fmt: skip
    return {"job_id": job_id, "status": "queued", "location": f"/api/jobs/{job_id}"}


@router.get("")
def documents(
    request: Request,
    principal: Reader,
    audit: AuditorDep,
    status: str | None = None,
    parent_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Documents in the caller's datasets, newest first."""
    with request.app.state.store.read() as conn:
        found = list_documents(conn, datasets=visible_datasets(principal), status=status,
                               parent_id=parent_id, limit=limit, offset=offset)  # fmt: skip
    audit.record("documents.list", query={"status": status, "parent_id": parent_id},
                 detail={"count": len(found)})  # fmt: skip
    return found


def _read(request: Request, principal: Principal, audit: Any, action: str, doc_id: str, fn: Any):  # type: ignore[no-untyped-def]
    try:
        with request.app.state.store.read() as conn:
            result = fn(conn, doc_id, datasets=visible_datasets(principal))
    except DocumentNotFoundError:
        audit.record(action, entity_ids=[doc_id], outcome="not-found")
        raise
    audit.record(action, entity_ids=[doc_id])
    return result


@router.get("/{document_id}")
def document(
    document_id: str, request: Request, principal: Reader, audit: AuditorDep
) -> dict[str, Any]:
    """One document: status and reason, metadata, language per passage, members."""
    result: dict[str, Any] = _read(request, principal, audit, "document.read", document_id,
                                   get_document)  # fmt: skip
    return result


@router.get("/{document_id}/text")
def text(
    document_id: str, request: Request, principal: Reader, audit: AuditorDep
) -> dict[str, Any]:
    """The extracted text (offsets of mentions refer to it)."""
    body = _read(request, principal, audit, "document.text", document_id, document_text)
    return {"id": document_id, "text": body}


@router.get("/{document_id}/mentions")
def mention_list(
    document_id: str, request: Request, principal: Reader, audit: AuditorDep
) -> list[dict[str, Any]]:
    """Identifiers and names found, with offsets, confidence and the entity linked."""
    found: list[dict[str, Any]] = _read(request, principal, audit, "document.mentions",
                                        document_id, document_mentions)  # fmt: skip
    return found


@router.get("/{document_id}/original")
def original(document_id: str, request: Request, principal: Reader, audit: AuditorDep) -> Response:
    """The original file, byte for byte as ingested."""
    doc = _read(request, principal, audit, "document.original", document_id, get_document)
    root = Options.from_settings(request.app.state.settings).root
    data = get_original(root, doc["sha256"])
    safe = re.sub(r"[^\w.\-]", "_", doc["file_name"])[:120] or "document"
    return Response(
        data, media_type=doc["mime_type"] or "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )  # fmt: skip


class MentionJudgement(BaseModel):
    """An analyst's decision on one mention's link."""

    decision: Literal["confirm", "reject", "clear"]
    entity_id: str | None = Field(
        None, max_length=128,
        description="confirm: the entity named (required); reject: default the one linked now",
    )  # fmt: skip
    reason: str | None = Field(None, max_length=2000)


@router.post("/mentions/{mention_id}/judgement")
def judge(
    mention_id: str, body: MentionJudgement, request: Request, principal: Reader,
    audit: AuditorDep,
) -> dict[str, Any]:  # fmt: skip
    """Confirm, reject or clear the link of a mention (who, when, why are recorded)."""
    link = judge_mention(request.app.state.store, mention_id=mention_id, decision=body.decision,
                         entity_id=body.entity_id, actor=principal.name, reason=body.reason,
                         datasets=visible_datasets(principal))  # fmt: skip
    audit.record(f"document.mention.{body.decision}",
                 entity_ids=[x for x in (mention_id, body.entity_id) if x],
                 detail={"judgement_id": link["judgement_id"]})  # fmt: skip
    return link
