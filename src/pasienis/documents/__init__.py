"""Documents: file → text (txt, pdf, docx, xlsx, html, eml, zip, images via OCR), identifiers
and names extracted, mentions linked to the entities of the store.

Public surface: :func:`ingest_paths`, :class:`Options`, :class:`IngestReport`, the readers
:func:`list_documents`, :func:`get_document`, :func:`document_text`,
:func:`document_mentions`, :func:`entity_mentions` (a profile's documents),
:func:`document_texts` (for the search index), :func:`get_original`,
mention links (:func:`relink_mentions` after resolution changed, :func:`judge_mention` for
an analyst's confirm / reject / clear), the job kind (:data:`JOB_KIND`,
:func:`documents_job`) and the errors.
"""

from pasienis.documents.blobs import get_blob as get_original
from pasienis.documents.errors import (
    DocumentNotFoundError,
    DocumentPathError,
    DocumentsError,
    InvalidJudgementError,
    LimitExceededError,
    MentionNotFoundError,
    UnreadableDocumentError,
)
from pasienis.documents.jobkind import JOB_KIND, RELINK_JOB, documents_job, relink_job
from pasienis.documents.links import DECISIONS, judge_mention, relink_mentions
from pasienis.documents.options import Options
from pasienis.documents.passages import entity_mentions
from pasienis.documents.read import (
    document_mentions,
    document_text,
    document_texts,
    get_document,
    list_documents,
)
from pasienis.documents.service import IngestReport, ingest_paths, iter_files

__all__ = [
    "DECISIONS",
    "JOB_KIND",
    "RELINK_JOB",
    "DocumentNotFoundError",
    "DocumentPathError",
    "DocumentsError",
    "IngestReport",
    "InvalidJudgementError",
    "LimitExceededError",
    "MentionNotFoundError",
    "Options",
    "UnreadableDocumentError",
    "document_mentions",
    "document_text",
    "document_texts",
    "documents_job",
    "entity_mentions",
    "get_document",
    "get_original",
    "ingest_paths",
    "iter_files",
    "judge_mention",
    "list_documents",
    "relink_job",
    "relink_mentions",
]
