"""Errors of the documents capability."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class DocumentsError(PasienisError):
    """Documents cannot be ingested or read as asked."""

    kind = "documents"


class DocumentPathError(DocumentsError):
    """A path given to ingest does not exist or holds no file."""

    status_code = 422
    kind = "documents-path"


class UnreadableDocumentError(DocumentsError):
    """One file cannot be read (encrypted, corrupt, binary posing as text); the batch goes on.

    Raised by the format readers and caught per file: the document is recorded as ``failed``
    with this message as its reason.
    """

    status_code = 422
    kind = "documents-unreadable"


class LimitExceededError(DocumentsError):
    """An archive or e-mail goes past a configured limit (depth, members, total size)."""

    status_code = 422
    kind = "documents-limit"


class DocumentNotFoundError(NotFoundError):
    """No document with that id (or not visible to the caller)."""

    kind = "documents-not-found"


class MentionNotFoundError(NotFoundError):
    """No mention with that id (or its document is not visible to the caller)."""

    kind = "documents-mention-not-found"


class InvalidJudgementError(DocumentsError):
    """A judgement on a mention link that cannot apply (unknown decision, no such entity)."""

    status_code = 422
    kind = "documents-judgement"
