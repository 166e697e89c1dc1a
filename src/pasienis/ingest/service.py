"""``run_import``: read a source with its mapping, validate, write in atomic batches, record.

Idempotent: the same file (content hash) with the same mapping is not imported twice; ids are
deterministic, so a newer version of a file only raises ``last_seen`` of what is unchanged and
adds what is new. A run interrupted half-way is resumed from its committed checkpoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from pasienis.errors import PasienisError
from pasienis.ingest import bulk, gcpause, runs
from pasienis.ingest.access import EntityGuard, authorize_import
from pasienis.ingest.checks import require_source
from pasienis.ingest.compile import CompiledMapping, compile_mapping
from pasienis.ingest.errors import IngestError, MappingError
from pasienis.ingest.flat import CHUNK_ROWS, FlatProcessor
from pasienis.ingest.ftm import FtMProcessor
from pasienis.ingest.mapping import LoadedMapping, detect_format
from pasienis.ingest.options import ImportOptions
from pasienis.ingest.pipeline import Output, Processor
from pasienis.ingest.readers.delimited import DelimitedReader, RowBlock
from pasienis.ingest.rows import EventTarget
from pasienis.ingest.sources import estimate_total, file_sha256, open_reader
from pasienis.ingest.writer import BatchWriter, ProcessWriter, Writer
from pasienis.jobs import publish_in
from pasienis.security import Principal
from pasienis.store import Store

log = logging.getLogger(__name__)

#: progress(done, total or None, message)
Progress = Callable[[int, int | None, str], None]


@dataclass
class ImportResult:
    """What an import did; ``status`` is completed, completed_with_quarantine, unchanged or
    failed. ``problem`` says why a finished import is not a success (too much quarantined):
    the CLI exits non-zero and the API reports ``ok: false``."""

    status: str
    run: dict[str, Any]
    resumed_from: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.status != "failed"

    def to_dict(self) -> dict[str, Any]:
        keep = ("id", "dataset", "source_name", "content_hash", "mapping_name", "records",
                "entities", "statements", "events", "quarantined", "quarantined_values",
                "warnings", "error")  # fmt: skip
        return {
            "status": self.status,
            "ok": self.ok,
            "problem": self.problem,
            "resumed_from": self.resumed_from,
            **{k: self.run.get(k) for k in keep},
            **self.extra,
        }


@dataclass(frozen=True)
class _Sizes:
    """How much an import holds at once: records per batch, the record count from which it
    writes from a child process, and entries per generation of each per-run cache."""

    batch_records: int
    writer_process_from: int
    cache_entries: int


@dataclass
class _Plan:
    path: Path
    name: str
    fmt: str
    key: runs.RunKey
    compiled: CompiledMapping | None
    mapping_name: str


def _plan(
    path: Path,
    mapping: LoadedMapping | None,
    fmt: str | None,
    dataset: str | None,
    name: str | None,
) -> _Plan:
    path = Path(path)
    if mapping is None:
        if (fmt or detect_format(path, None)) != "ftm":
            raise MappingError(
                "a mapping is required", hint="pass --mapping FILE.yml, or --format ftm"
            )
        if not dataset:
            raise MappingError("FtM streams need a dataset name", hint="pass --dataset NAME")
        key = runs.RunKey(dataset, file_sha256(path), "ftm")
        return _Plan(path, name or path.name, "ftm", key, None, "ftm")
    compiled = compile_mapping(mapping)
    the_fmt = fmt or detect_format(path, mapping.mapping.source.format)
    key = runs.RunKey(compiled.dataset, file_sha256(path), mapping.sha256)
    return _Plan(path, name or path.name, the_fmt, key, compiled, mapping.name)


def run_import(
    store: Store,
    *,
    source: Path,
    mapping: LoadedMapping | None = None,
    fmt: str | None = None,
    dataset: str | None = None,
    created_by: str | None = None,
    job_id: str | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    force: bool = False,
    source_name: str | None = None,
    defer_indexes_from: int | None = None,
    writer_process_from: int | None = None,
    cache_entries: int | None = None,
    acting: Principal | None = None,
) -> ImportResult:
    """Import one file. ``force`` re-reads a file already imported (e.g. to retry quarantine).

    ``acting``: the user the import acts for (the API, ``ingest --user``): it needs a write
    grant on the dataset (a new dataset makes it the owner), and statements about entity ids
    it cannot see are quarantined (:mod:`.access`). ``None``: the operator, not limited.

    Sizes come from the store's settings (:class:`ImportOptions`); the keyword arguments
    override them. An import of at least ``defer_indexes_from`` records into tables that
    hold fewer rows loads without their secondary indexes and rebuilds them at the end
    (:mod:`.bulk`); one of at least ``writer_process_from`` records writes from a child
    process (:mod:`.writer`). ``cache_entries`` bounds each per-run cache (:mod:`.cache`).
    The mapping is checked against the file first (:mod:`.checks`): a column or path that
    is not there, or no records at all, fails the run before anything is written.
    """
    options = ImportOptions.from_settings(store.settings).override(
        batch_records=batch_size, defer_indexes_from=defer_indexes_from,
        writer_process_from=writer_process_from, cache_entries=cache_entries,
    )  # fmt: skip
    plan = _plan(source, mapping, fmt, dataset, source_name)
    with store.begin() as conn:
        authorize_import(
            conn, dataset=plan.key.dataset, acting=acting,
            classification=getattr(
                store.settings, "default_classification", runs.DEFAULT_CLASSIFICATION
            ),
        )  # fmt: skip
    if acting is not None and created_by is None:
        created_by = acting.name
    guard = EntityGuard.acting_for(acting, plan.key.dataset)
    with store.read() as conn:
        done = None if force else runs.find_run(conn, plan.key, runs.DONE_STATUSES)
        unfinished = runs.find_run(conn, plan.key, "running")
    if done is not None:
        return ImportResult(status="unchanged", run=done)
    if unfinished is not None:
        run, resumed = unfinished, int(unfinished["checkpoint"])
    else:
        run = runs.start_run(
            store, plan.key, source_name=plan.name, source_path=str(plan.path.resolve()),
            mapping_name=plan.mapping_name, created_by=created_by, job_id=job_id,
        )  # fmt: skip
        resumed = 0
    total = estimate_total(plan.path, plan.fmt)
    warnings: list[str] = []
    try:
        if plan.compiled is not None:
            checked = require_source(
                plan.compiled, plan.path, plan.fmt, plan.name,
                sample=options.check_sample_records,
            )  # fmt: skip
            warnings = checked.warnings
        bulk.defer_for_import(
            store, run_id=run["id"], compiled=plan.compiled, expected=total,
            threshold=options.defer_indexes_from, keep=(bulk.ENTITY_INDEX,) if guard else (),
        )  # fmt: skip
        sizes = _Sizes(options.batch_records, options.writer_process_from, options.cache_entries)
        _read_and_write(store, plan, run, resumed, progress, total, sizes, guard)
        with store.read() as conn:
            _require_records(runs.get_run(conn, run_id=run["id"]))
    except PasienisError as exc:
        _restore_after_failure(store, run, progress)
        failed = runs.finish_run(store, run, status="failed", error=exc.message)
        exc.run = failed  # type: ignore[attr-defined]
        raise
    except BaseException as exc:
        _restore_after_failure(store, run, progress)
        runs.finish_run(store, run, status="failed", error=repr(exc))
        raise
    _restore(store, run, progress)
    with store.read() as conn:
        status = runs.run_status(runs.get_run(conn, run_id=run["id"]))
    # The event commits with the run's close: a kill between the two cannot lose the run for
    # the followers (search indexing, screening, resolution) that read the bus by cursor.
    finished = runs.finish_run(store, run, status=status, warnings=warnings, on_finish=_announce)
    return ImportResult(
        status=status, run=finished, resumed_from=resumed,
        problem=quarantine_problem(finished, options.max_quarantine_share),
    )  # fmt: skip


def _require_records(run: dict[str, Any]) -> None:
    """Zero records read is an error, never "completed — 0 records"."""
    if run["records"] == 0:
        raise IngestError(
            f"{run['source_name']}: no records were read",
            hint="check source.records (XPath or JSON path), the sheet and the header row",
        )


def quarantine_problem(run: dict[str, Any], max_share: float) -> str | None:
    """Why a finished run is not a success: more than ``max_share`` of its records were
    quarantined, whole or by a value (``PASIENIS_INGEST_MAX_QUARANTINE_SHARE``)."""
    records = run["records"] or 0
    bad = (run["quarantined"] or 0) + (run.get("quarantined_values") or 0)
    if records == 0 or bad / records <= max_share:
        return None
    share = min(bad / records, 1.0)
    return (
        f"{bad} quarantine entries for {records} records ({share:.0%}, more than the "
        f"{max_share:.0%} allowed): see `pasienis quarantine list --dataset {run['dataset']}`"
    )


def _restore(store: Store, run: dict[str, Any], progress: Progress | None) -> None:
    """Rebuild the indexes the run deferred, reporting each as progress."""

    def report(_name: str, done: int, total: int) -> None:
        if progress is not None:
            progress(done, total, f"{run['source_name']}: rebuilding deferred indexes")

    bulk.restore_for_import(store, run_id=run["id"], progress=report)


def _restore_after_failure(store: Store, run: dict[str, Any], progress: Progress | None) -> None:
    """Rebuild what the failed run deferred; a failure here is logged, not raised, so the
    import's own error is the one reported (``db restore-indexes`` finishes the job)."""
    try:
        _restore(store, run, progress)
    except Exception:
        log.exception("import %s failed and its deferred indexes could not be rebuilt", run["id"])


def _announce(conn: Connection, run: dict[str, Any]) -> None:
    publish_in(conn, topic="import.completed", payload=_summary(run))


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "dataset",
        "source_name",
        "status",
        "records",
        "entities",
        "statements",
        "events",
        "quarantined",
        "quarantined_values",
    )
    return {k: run[k] for k in keys}


def _read_and_write(
    store: Store,
    plan: _Plan,
    run: dict[str, Any],
    resumed: int,
    progress: Progress | None,
    total: int | None,
    sizes: _Sizes,
    guard: EntityGuard | None = None,
) -> None:
    reader = open_reader(plan.path, plan.fmt, plan.compiled, plan.name)
    seen = run["started_at"]
    processor: Processor | FtMProcessor
    targets: dict[str, EventTarget] = {}
    if plan.compiled is None:
        processor = FtMProcessor(dataset=plan.key.dataset, run_id=run["id"], seen=seen)
    else:
        kind = Processor if plan.compiled.groups else FlatProcessor
        processor = kind(
            plan.compiled, run_id=run["id"], seen=seen, cache_entries=sizes.cache_entries,
            bind_time=store.bind_datetime,
        )  # fmt: skip
    if plan.compiled is not None:
        targets = {e.name: EventTarget.of(e) for e in plan.compiled.events}

    def write(out: Output, done: int) -> None:
        runs.commit_batch(store, run, out, done, targets)

    writer: Writer
    if _use_process(store, total, sizes.writer_process_from):
        writer = ProcessWriter(store.settings, run, targets)
    else:
        writer = BatchWriter(write, threaded=store.pinned is None)
    gcpause.pause()
    try:
        for count, (out, done) in enumerate(
            _batches(reader, processor, resumed, sizes.batch_records, total), start=1
        ):
            if guard is not None:
                with store.read() as conn:
                    guard.screen(conn, out)
            writer.submit(out, done)
            if isinstance(processor, Processor):  # ids where there is time: see BEHIND_S
                processor.ids_in_writer = not writer.behind
            gcpause.tick(count)
            if progress is not None:
                progress(done, total, plan.name)
    finally:
        gcpause.resume()
        writer.close()
    if progress is not None:
        progress(done, done, plan.name)


def _use_process(store: Store, total: int | None, threshold: int) -> bool:
    """A writer process for large imports into a store another process can open."""
    shareable = store.pinned is None and store.settings is not None
    return shareable and threshold > 0 and total is not None and total >= threshold


def _batches(
    reader: Any,
    processor: Processor | FtMProcessor,
    resumed: int,
    batch_size: int,
    total: int | None = None,
) -> Iterator[tuple[Output, int]]:
    """Processed batches and the checkpoint after each; at least one.

    A batch holds ``batch_size`` records (or statements), fewer towards the end of a file
    of known size (:func:`_batch_limit`)."""
    if isinstance(processor, FlatProcessor) and isinstance(reader, DelimitedReader):
        yield from _row_batches(reader, processor, resumed, batch_size, total)
        return
    out, done = processor.new_output(), resumed
    limit = _batch_limit(batch_size, total, done)
    for record in reader.records():
        if record.index < resumed:
            continue
        processor.process(record, out)
        done = record.index + 1
        if _full(out, limit):
            yield out, done
            out, limit = processor.new_output(), _batch_limit(batch_size, total, done)
    yield out, done


def _batch_limit(batch_size: int, total: int | None, done: int) -> int:
    """Records for the next batch: ``batch_size``, but at most half of what is left, down to
    a twentieth of ``batch_size``. The writer works a batch behind the reader, so the import
    ends a last batch's write after the reading ends: with halving batches that is a small
    one (1M rows: the import's last 0.6 s become 0.1 s)."""
    if total is None:
        return batch_size
    return max(batch_size // 20, 1, min(batch_size, (total - done) // 2))


def _full(out: Output, limit: int) -> bool:
    """A batch is full at ``limit`` records, or as many statements: records that bring
    many new entities make more rows, and batch memory must not depend on the data."""
    return out.records >= limit or len(out.statements) >= limit


def _row_batches(
    reader: DelimitedReader,
    processor: FlatProcessor,
    resumed: int,
    batch_size: int,
    total: int | None,
) -> Iterator[tuple[Output, int]]:
    """Delimited rows go to the processor in chunks (column-wise processing); a record the
    reader had to make itself (a problem) ends the chunk and goes alone, keeping file order.
    The reader's blocks of plain rows are cut into chunks with C-level slices."""
    processor.header = reader.header()
    processor.name = reader.name
    chunks = _Chunks(processor, resumed, batch_size, total)
    for item in reader.blocks():
        if type(item) is tuple:  # a record read on its own
            item = RowBlock(item[0], item[1], [item[2]])
        if type(item) is RowBlock:
            skip = max(resumed - item.index, 0)
            while skip < len(item.rows):
                skip = chunks.take(item, skip)
                if chunks.ready() and (batch := chunks.batch()):
                    yield batch
            continue
        chunks.flush()
        if item.index >= resumed:
            processor.process(item, chunks.out)
            chunks.done = item.index + 1
        if batch := chunks.batch():
            yield batch
    chunks.flush()
    yield chunks.out, chunks.done


class _Chunks:
    """The chunk of rows being gathered for ``process_chunk`` and the batch it goes into."""

    def __init__(
        self, processor: FlatProcessor, resumed: int, batch_size: int, total: int | None
    ) -> None:
        self.processor, self.batch_size, self.total = processor, batch_size, total
        self.out, self.done = processor.new_output(), resumed
        self.limit = _batch_limit(batch_size, total, resumed)
        self.room = min(CHUNK_ROWS, self.limit)  # records the chunk may take (once per chunk)
        self.rows: list[list[str]] = []
        self.indexes: list[int] = []
        self.lines: list[int] = []

    def take(self, block: RowBlock, skip: int) -> int:
        """Rows of ``block`` from ``skip`` into the chunk, as many as it has room for; where
        the next one starts."""
        first, line, found = block
        end = skip + min(self.room - len(self.rows), len(found) - skip)
        self.rows += found[skip:end]
        self.indexes += range(first + skip, first + end)
        self.lines += range(line + skip, line + end)
        return end

    def ready(self) -> bool:
        """Whether the chunk is full (then it is processed)."""
        if len(self.rows) < self.room:
            return False
        self.flush()
        return True

    def flush(self) -> None:
        if self.rows:
            self.processor.process_chunk(self.rows, self.indexes, self.lines, self.out)
            self.done = self.indexes[-1] + 1
            self.rows, self.indexes, self.lines = [], [], []
        self.room = max(min(CHUNK_ROWS, self.limit - self.out.records), 1)

    def batch(self) -> tuple[Output, int] | None:
        """The batch and its checkpoint when it is full (a new one begins), else ``None``."""
        if not _full(self.out, self.limit):
            return None
        batch = (self.out, self.done)
        self.out = self.processor.new_output()
        self.limit = _batch_limit(self.batch_size, self.total, self.done)
        self.room = min(CHUNK_ROWS, self.limit)
        return batch
