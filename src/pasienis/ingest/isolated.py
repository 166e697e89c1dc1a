"""An import in a process of its own, for callers that must stay well-behaved (the API).

An import pauses the garbage collector, forks a writer and holds the GIL for minutes: none of
that may happen inside the API server's process. :func:`run_import_isolated` starts
``python -m pasienis.ingest.import_main PID``, which opens the store from the same settings,
runs :func:`~pasienis.ingest.service.run_import` and reports progress and the result as JSON
lines on its stdout; the child dies with its parent (``PR_SET_PDEATHSIG``), and a job that is
cancelled kills it (the run is then resumable from its last committed batch).
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
from typing import Any

from pasienis.ingest import errors
from pasienis.ingest.service import ImportResult, Progress
from pasienis.security import ForbiddenError

#: Errors of the child raised again in the parent, by class name (a missing write grant
#: stays a 403 when the import ran in the child).
_ERRORS = {
    c.__name__: c
    for c in (errors.IngestError, errors.MappingError, errors.SourceError, ForbiddenError)
}


def run_import_isolated(
    settings: Any, params: dict[str, Any], progress: Progress | None = None
) -> ImportResult:
    """:func:`run_import` with ``params`` (its keyword arguments, ``source`` as a path text
    and ``mapping_text``/``mapping_path`` for the mapping) in a child process."""
    child = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "pasienis.ingest.import_main", str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        child.stdin.write(pickle.dumps((settings, params), protocol=pickle.HIGHEST_PROTOCOL))
        child.stdin.close()
        outcome: dict[str, Any] | None = None
        for line in child.stdout:
            message = json.loads(line)
            if "progress" in message and progress is not None:
                progress(*message["progress"])
            elif "progress" not in message:
                outcome = message
    except BaseException:
        child.kill()  # cancelled or interrupted: the run resumes from its checkpoint
        raise
    finally:
        child.wait()
    return _outcome(outcome, child.returncode, child.pid)


def _outcome(outcome: dict[str, Any] | None, code: int, pid: int) -> ImportResult:
    if outcome is None:
        died = f"signal {-code}" if code < 0 else f"exit code {code}"
        raise errors.IngestError(f"the import process ended without a result ({died})")
    if "error" in outcome:
        error = outcome["error"]
        kind = _ERRORS.get(error["class"], errors.IngestError)
        raise kind(error["message"], hint=error.get("hint"))
    result = outcome["result"]
    return ImportResult(
        status=result["status"], run=result["run"], resumed_from=result["resumed_from"],
        problem=result["problem"], extra={"import_pid": pid},
    )  # fmt: skip


def child_main(parent: int) -> int:
    """The import process: read (settings, params), import, report on stdout."""
    from pasienis.ingest.writer import _die_with_parent

    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's
    from pasienis.errors import PasienisError
    from pasienis.model import install_model
    from pasienis.store import open_store

    settings, params = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - our own parent
    out = sys.stdout

    def send(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, default=str) + "\n")
        out.flush()

    install_model(settings)
    store = open_store(settings)
    try:
        result = _run(store, params, lambda d, t, m: send({"progress": [d, t, m]}))
    except PasienisError as exc:
        send({"error": {"class": type(exc).__name__, "message": exc.message, "hint": exc.hint}})
        return 1
    finally:
        store.dispose()
    send({"result": {"status": result.status, "run": result.run,
                     "resumed_from": result.resumed_from, "problem": result.problem}})  # fmt: skip
    return 0


def _run(store: Any, params: dict[str, Any], progress: Progress) -> ImportResult:
    from pathlib import Path

    from pasienis.ingest.mapping import load_mapping, parse_mapping
    from pasienis.ingest.service import run_import

    p = dict(params)
    text, path = p.pop("mapping_text", None), p.pop("mapping_path", None)
    name = p.pop("mapping_name", None) or "uploaded mapping"
    mapping = parse_mapping(text, name=name) if text else load_mapping(Path(path)) if path else None
    return run_import(store, source=Path(p.pop("source")), mapping=mapping, progress=progress, **p)
