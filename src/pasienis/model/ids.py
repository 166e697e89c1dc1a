"""Deterministic ids: the same source record always gets the same id (idempotent re-imports)."""

from __future__ import annotations

import hashlib

from pasienis.model.errors import ModelError


def make_id(source: str, *keys: object) -> str:
    """Hash a source name and the source's own key parts into an entity or event id.

    The id is readable where it matters (the source name prefix) and collision-free where it
    must be (SHA-1 of the normalised key). Empty keys are refused: an id made of nothing would
    merge unrelated records.
    """
    parts = [str(k).strip() for k in keys if k is not None and str(k).strip()]
    if not parts:
        raise ModelError(f"cannot make an id for {source!r} from empty key parts")
    digest = hashlib.sha1("\x1f".join([source, *parts]).encode("utf-8"), usedforsecurity=False)
    return f"{source}-{digest.hexdigest()}"
