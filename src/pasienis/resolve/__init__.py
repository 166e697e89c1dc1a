"""Entity resolution: one person, company or vehicle across every source (Splink).

Public surface for other capabilities (search, graph, watch): :func:`canonical_of` and
:func:`members_of` read the resolver; everything else is for the shells (CLI, API): batch
and incremental runs, the review queue and judgements (merge, not-same, unsure, split,
undo). Statements are never changed by anything here.
"""

from pasienis.resolve.errors import (
    CandidateNotFoundError,
    ConflictingJudgementError,
    NoModelError,
    ResolveError,
    SparkUnavailableError,
    UnknownKindError,
)
from pasienis.resolve.incremental import resolve_new
from pasienis.resolve.jobkind import (
    INCREMENTAL_JOB,
    JOB_KIND,
    incremental_job,
    on_import_completed,
    pending_imports,
    resolve_import,
    resolve_job,
)
from pasienis.resolve.kinds import KINDS
from pasienis.resolve.resolver import canonical_of, members_of
from pasienis.resolve.review import (
    decide,
    get_candidate,
    get_judgement,
    list_candidates,
    list_judgements,
    split,
    undo,
)
from pasienis.resolve.runs import RunParams, get_run, list_runs, run_batch

__all__ = [
    "INCREMENTAL_JOB",
    "JOB_KIND",
    "KINDS",
    "CandidateNotFoundError",
    "ConflictingJudgementError",
    "NoModelError",
    "ResolveError",
    "RunParams",
    "SparkUnavailableError",
    "UnknownKindError",
    "canonical_of",
    "decide",
    "get_candidate",
    "get_judgement",
    "get_run",
    "incremental_job",
    "list_candidates",
    "list_judgements",
    "list_runs",
    "members_of",
    "on_import_completed",
    "pending_imports",
    "resolve_import",
    "resolve_job",
    "resolve_new",
    "run_batch",
    "split",
    "undo",
]
