"""Originals, content-addressed: ``<root>/ab/cd/<sha256>``, written once, never modified.

Why content-addressed: the same attachment arriving in ten e-mails is stored once, a file
cannot be changed behind the statements that cite it (its name is its hash), and a re-run
finds the bytes already there.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def blob_path(root: Path, digest: str) -> Path:
    """Where the original with SHA-256 ``digest`` lives."""
    return root / digest[:2] / digest[2:4] / digest


def put_blob(root: Path, data: bytes, digest: str | None = None) -> tuple[str, Path]:
    """Store ``data`` unless already stored; returns its digest and path (read-only file)."""
    digest = digest or sha256_of(data)
    path = blob_path(root, digest)
    if path.is_file():
        return digest, path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{digest}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.chmod(stat.S_IRUSR | stat.S_IRGRP)
    tmp.replace(path)  # atomic: a reader never sees half a file
    return digest, path


def get_blob(root: Path, digest: str) -> bytes:
    """The original bytes with SHA-256 ``digest``."""
    return blob_path(root, digest).read_bytes()
