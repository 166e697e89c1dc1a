"""Task attachments: files kept under the upload directory (outside any web root).

A file is stored under ``<upload_dir>/tasks/<task id>/<sha256>`` — the name a user gave is only
metadata, so no path from the outside ever reaches the file system.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pasienis.ops.errors import OpsError, UnknownTaskError
from pasienis.ops.flows import Ops
from pasienis.ops.models import attachments
from pasienis.ops.tasks import get_task
from pasienis.security.idempotency import guarded

MAX_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024


def upload_root(ops: Ops) -> Path:
    return ops.settings.ops_upload_dir or ops.settings.data_dir / "uploads"


async def save_upload(ops: Ops, *, task_id: str, upload: Any, actor: str) -> dict[str, Any]:
    """Stream an upload to disk, hash it, and record it on the task."""
    with ops.store.read() as conn:
        get_task(conn, task_id=task_id)
    folder = upload_root(ops) / "tasks" / task_id
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".upload-{datetime.now(UTC).timestamp()}"
    digest, size = hashlib.sha256(), 0
    with partial.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > MAX_BYTES:
                out.close()
                partial.unlink()
                raise OpsError(f"attachment larger than {MAX_BYTES // 2**20} MiB")
            digest.update(chunk)
            out.write(chunk)
    sha = digest.hexdigest()
    partial.replace(folder / sha)
    row = {
        "id": sha,
        "task_id": task_id,
        "filename": (upload.filename or "file")[:255],
        "content_type": upload.content_type,
        "size": size,
        "created_by": actor,
        "created_at": datetime.now(UTC),
    }
    answer = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    with ops.store.begin() as conn, guarded(conn) as record:  # with its idempotency key
        exists = conn.execute(
            select(attachments.c.id).where(
                attachments.c.id == sha, attachments.c.task_id == task_id
            )
        ).first()
        if not exists:
            conn.execute(attachments.insert().values(**row))
        record(answer)
    return answer


def locate(ops: Ops, *, task_id: str, attachment_id: str) -> tuple[dict[str, Any], Path]:
    with ops.store.read() as conn:
        row = (
            conn.execute(
                select(attachments).where(
                    attachments.c.id == attachment_id, attachments.c.task_id == task_id
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise UnknownTaskError(f"no attachment {attachment_id!r} on task {task_id!r}")
    return dict(row), upload_root(ops) / "tasks" / task_id / row["id"]
